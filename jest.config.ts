import type { Config } from 'jest';

// Three projects: `unit` (pure logic, no services), `integration` (one local stack of real AWS emulators,
// started once by the global setup on free ports with a fresh data folder, hit over HTTP/WebSocket) and `e2e`
// (a stack of its own with the web app, driven in Debian's headless Chromium; run last, see e2e/sequencer.mjs).
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
      testPathIgnorePatterns: ['/node_modules/', '\\.int\\.test\\.ts$', '\\.e2e\\.test\\.ts$', '/cdk.out/'],
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
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testMatch: ['<rootDir>/e2e/*.e2e.test.ts'],
      globalSetup: '<rootDir>/e2e/global-setup.ts',
      globalTeardown: '<rootDir>/e2e/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/e2e/jest-setup.ts'],
      slowTestThreshold: 60,
    },
  ],
  // The browser journeys run after the other projects' tests (they are the slowest and the heaviest).
  testSequencer: '<rootDir>/e2e/sequencer.mjs',
  testTimeout: 30_000,
};

export default config;
