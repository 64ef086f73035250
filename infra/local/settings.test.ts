import { settingsFromEnv } from './settings.ts';

describe('settingsFromEnv', () => {
  it('uses the documented default ports and data folder', () => {
    const settings = settingsFromEnv({}, '/repo');
    expect(settings.ports).toEqual({
      web: 3000,
      api: 4000,
      websocket: 4001,
      lambda: 4002,
      dynamodb: 8000,
      cognito: 9229,
      sqs: 9324,
      s3: 4569,
      ses: 8005,
    });
    expect(settings.dataDir).toBe('/repo/.teamflow');
    expect(settings.host).toBe('127.0.0.1');
  });

  it('moves a port with its variable', () => {
    expect(settingsFromEnv({ TEAMFLOW_DYNAMODB_PORT: '8100' }, '/repo').ports.dynamodb).toBe(8100);
  });

  it('refuses a port that is not a port, naming the variable', () => {
    expect(() => settingsFromEnv({ TEAMFLOW_API_PORT: 'abc' }, '/repo')).toThrow(/TEAMFLOW_API_PORT/);
    expect(() => settingsFromEnv({ TEAMFLOW_API_PORT: '70000' }, '/repo')).toThrow(/TEAMFLOW_API_PORT/);
  });

  it('can leave the web app out', () => {
    expect(settingsFromEnv({ TEAMFLOW_WEB: '0' }, '/repo').web).toBe(false);
  });
});
