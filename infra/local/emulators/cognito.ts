import fs from 'node:fs';
import path from 'node:path';
import { url, type LocalSettings } from '../settings.ts';
import { httpOk, startChild, waitFor, type RunningService } from './process.ts';

/**
 * cognito-local, run as a child process (it keeps its data in `.cognito/` under its working directory, here
 * `<dataDir>/cognito`). Its Lambda triggers are sent to our local Lambda invoke endpoint, so the same
 * post-confirmation handler the cloud pool calls runs when a person confirms locally.
 */
export async function startCognito(
  settings: LocalSettings,
  triggers: { PostConfirmation: string },
): Promise<RunningService> {
  const cwd = path.join(settings.dataDir, 'cognito');
  fs.mkdirSync(path.join(cwd, '.cognito'), { recursive: true });
  const endpoint = url(settings, 'cognito');
  const config = {
    LambdaClient: {
      endpoint: url(settings, 'lambda'),
      region: settings.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    },
    TriggerFunctions: triggers,
    TokenConfig: { IssuerDomain: endpoint },
    UserPoolDefaults: { UsernameAttributes: ['email'] },
  };
  fs.writeFileSync(path.join(cwd, '.cognito', 'config.json'), JSON.stringify(config, null, 2));
  const bin = require.resolve('cognito-local/lib/bin/start.js', { paths: [settings.root] });
  const proc = startChild('cognito', process.execPath, [bin], {
    cwd,
    env: { PORT: String(settings.ports.cognito), HOST: settings.host, CODE: settings.confirmationCode },
    logFile: path.join(settings.dataDir, 'logs', 'cognito.log'),
  });
  const exitedEarly = proc.exited.then((code) => {
    throw new Error(`The Cognito emulator exited (code ${code}); see ${settings.dataDir}/logs/cognito.log`);
  });
  await Promise.race([
    waitFor(
      `Cognito emulator (see ${settings.dataDir}/logs/cognito.log)`,
      () => httpOk(`${endpoint}/health`),
      30_000,
    ),
    exitedEarly,
  ]);
  exitedEarly.catch(() => undefined);
  return { name: 'Cognito (cognito-local)', url: endpoint, stop: proc.stop };
}
