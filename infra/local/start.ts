/**
 * `npm start`: the whole of TeamFlow on this machine, the web app as its production build (built when web/
 * changed, see infra/local/web.ts). `npm run dev` (`--dev`): the same with Vite's dev server and hot reload
 * instead. Prints one line with the URL to open; Ctrl-C stops it all.
 */
import { JavaMissingError } from './emulators/dynamodb.ts';
import { PortInUseError } from './ports.ts';
import { settingsFromEnv } from './settings.ts';
import { startLocalStack } from './stack.ts';

// Lambdas run Node 22 in the cloud; here the SDK's notice about Node 20 would only be noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
if (process.argv.includes('--dev')) process.env.TEAMFLOW_WEB_DEV = '1';

async function main() {
  const started = performance.now();
  let settings;
  try {
    settings = settingsFromEnv();
  } catch (error) {
    console.error(`TeamFlow cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
  console.log(`Starting TeamFlow (data in ${settings.dataDir}) ...`);
  let stack;
  try {
    stack = await startLocalStack(settings, (line) => console.log(line));
  } catch (error) {
    const known = error instanceof JavaMissingError || error instanceof PortInUseError;
    console.error(`\nTeamFlow cannot start: ${known ? (error as Error).message : String(error)}`);
    if (!known) console.error((error as Error).stack);
    process.exit(1);
  }
  const { outputs } = stack;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    [
      `  API ${outputs.local.gatewayUrl}/api   WebSocket ${outputs.wsUrl}   Mail ${outputs.mailUrl}`,
      `  Sign-up confirmation code (local only): ${outputs.local.confirmationCode}   Stop: Ctrl-C`,
      `TeamFlow is ready in ${seconds} s: open ${outputs.webUrl}`,
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping TeamFlow ...');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

void main();
