import fs from 'node:fs';
import path from 'node:path';
import { readStageConfig, StageConfigError, type StageEntry } from '../stage-config.ts';

const dev: StageEntry = { region: 'eu-west-1', retainData: false, logRetentionDays: 14, lambdaMemoryMb: 256 };

function read(stage: unknown, entry: unknown) {
  return readStageConfig({ stage, stages: { dev, prod: entry } });
}

describe('readStageConfig', () => {
  test('defaults to dev, INFO logs, example.com mail and web origin', () => {
    expect(readStageConfig({ stages: { dev } })).toEqual({
      stage: 'dev',
      region: 'eu-west-1',
      retainData: false,
      logRetentionDays: 14,
      lambdaMemoryMb: 256,
      logLevel: 'INFO',
      webUrl: 'https://example.com',
      mailFrom: 'no-reply@example.com',
      apiThrottle: { rateLimit: 100, burstLimit: 200 },
    });
  });

  test('reads the alarm address, the API throttle and the web domain names with their certificate', () => {
    const certificateArn =
      'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
    const config = read('prod', {
      ...dev,
      alarmEmail: 'ops@example.org',
      apiThrottle: { rateLimit: 500, burstLimit: 1000 },
      webDomainNames: ['app.example.org'],
      webCertificateArn: certificateArn,
    });
    expect(config).toMatchObject({
      alarmEmail: 'ops@example.org',
      apiThrottle: { rateLimit: 500, burstLimit: 1000 },
      web: { domainNames: ['app.example.org'], certificateArn },
      // The first web domain name is where people open the app.
      webUrl: 'https://app.example.org',
    });
    expect(read('prod', dev)).not.toHaveProperty('alarmEmail');
    expect(read('prod', dev)).not.toHaveProperty('web');
  });

  test('reads the chosen stage; the domain gives the sender and the web origin', () => {
    const config = read('prod', {
      account: '123456789012',
      region: 'us-east-1',
      retainData: true,
      logRetentionDays: 365,
      lambdaMemoryMb: 512,
      logLevel: 'WARN',
      domain: 'teamflow.example.org',
    });
    expect(config).toMatchObject({
      stage: 'prod',
      account: '123456789012',
      region: 'us-east-1',
      retainData: true,
      logLevel: 'WARN',
      domain: 'teamflow.example.org',
      webUrl: 'https://teamflow.example.org',
      mailFrom: 'no-reply@teamflow.example.org',
    });
  });

  test('webUrl wins over the domain and is reduced to its origin', () => {
    const config = read('prod', { ...dev, domain: 'example.org', webUrl: 'http://localhost:3000/app/' });
    expect(config.webUrl).toBe('http://localhost:3000');
    expect(config.mailFrom).toBe('no-reply@example.org');
  });

  test('every stage in cdk.json is valid, and only prod keeps its data', () => {
    const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
      context: { stages: Record<string, unknown> };
    };
    const stages = cdkJson.context.stages;
    expect(Object.keys(stages).sort()).toEqual(['dev', 'prod', 'staging']);
    const retaining = Object.keys(stages).filter((stage) => readStageConfig({ stage, stages }).retainData);
    expect(retaining).toEqual(['prod']);
  });

  test.each([
    ['an unknown stage', 'qa', /Unknown stage "qa": cdk.json defines dev, prod/],
    ['an uppercase stage name', 'Prod', /must match/],
    ['a stage name that is not a string', 42, /must match/],
  ])('rejects %s', (_, stage, message) => {
    expect(() => read(stage, dev)).toThrow(message);
  });

  test('rejects a missing stages context', () => {
    expect(() => readStageConfig({ stage: 'dev' })).toThrow(/Context "stages" is missing/);
    expect(() => readStageConfig({ stage: 'dev', stages: [] })).toThrow(StageConfigError);
  });

  test.each([
    ['a log retention CloudWatch does not offer', { logRetentionDays: 10 }, 'logRetentionDays'],
    ['a malformed account', { account: '1234' }, 'account'],
    ['a malformed region', { region: 'europe' }, 'region'],
    ['too little memory', { lambdaMemoryMb: 64 }, 'lambdaMemoryMb'],
    ['fractional memory', { lambdaMemoryMb: 256.5 }, 'lambdaMemoryMb'],
    ['an unknown log level', { logLevel: 'TRACE' }, 'logLevel'],
    ['retainData as a string', { retainData: 'true' }, 'retainData'],
    ['a non-http web URL', { webUrl: 'ftp://example.com' }, 'webUrl'],
    ['a domain with a scheme', { domain: 'https://example.com' }, 'domain'],
    ['a misspelt key', { retainDate: true }, 'retainDate'],
    ['an alarm address that is no email', { alarmEmail: 'ops' }, 'alarmEmail'],
    ['a burst that is not a whole number', { apiThrottle: { rateLimit: 10, burstLimit: 1.5 } }, 'burstLimit'],
    ['web domain names without a certificate', { webDomainNames: ['app.example.org'] }, 'webCertificateArn'],
    [
      'a certificate outside us-east-1',
      {
        webDomainNames: ['app.example.org'],
        webCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      },
      'webCertificateArn',
    ],
  ])('rejects %s, naming the key', (_, change, key) => {
    expect(() => read('prod', { ...dev, ...change })).toThrow(StageConfigError);
    expect(() => read('prod', { ...dev, ...change })).toThrow(new RegExp(`stage "prod"[\\s\\S]*${key}`));
  });

  test('rejects a stage without required settings, listing each', () => {
    let message = '';
    try {
      read('prod', { region: 'eu-west-1' });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const key of ['retainData', 'logRetentionDays', 'lambdaMemoryMb']) expect(message).toContain(key);
  });
});
