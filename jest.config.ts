import type { Config } from 'jest';

// Two projects: `unit` (pure logic, no services) and `integration` (one local stack of real AWS emulators,
// started once by the global setup on free ports with a fresh data folder, hit over HTTP/WebSocket).
const transform: Config['transform'] = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    { jsc: { target: 'es2022', parser: { syntax: 'typescript', tsx: true } } },
  ],
};
// @middy/core and fauxqs ship only as ES modules: let swc turn them into CommonJS like our own code.
const transformIgnorePatterns = ['/node_modules/(?!(@middy|fauxqs)/)'];
const moduleNameMapper = {
  '^#shared/(.*)$': '<rootDir>/shared/$1',
  '^#functions/(.*)$': '<rootDir>/functions/$1',
  '^#infra/(.*)$': '<rootDir>/infra/$1',
};

const config: Config = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      setupFiles: ['<rootDir>/test/jest-env.ts'],
      testMatch: ['<rootDir>/**/*.test.ts?(x)'],
      testPathIgnorePatterns: ['/node_modules/', '\\.int\\.test\\.ts$', '/cdk.out/'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      setupFiles: ['<rootDir>/test/jest-env.ts'],
      testMatch: ['<rootDir>/**/*.int.test.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/'],
      slowTestThreshold: 30,
    },
  ],
  testTimeout: 30_000,
};

export default config;
