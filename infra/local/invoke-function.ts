/**
 * `npm run daily` (or `tsx infra/local/invoke-function.ts <function>`): runs a scheduled function of the stack
 * that `npm start` is running, now, through the local Lambda Invoke API (the same path the Cognito emulator
 * uses), with the Scheduled Event EventBridge would send. Prints the function's result.
 */
import { physicalFunctionName } from '../definitions.ts';
import { functions, type FunctionName } from '../functions.ts';
import { scheduledEvent } from './scheduler.ts';
import { settingsFromEnv, url } from './settings.ts';

async function main() {
  const name = process.argv[2] as FunctionName | undefined;
  if (!name || !(name in functions)) {
    console.error(`Usage: tsx infra/local/invoke-function.ts <${Object.keys(functions).join('|')}>`);
    process.exit(2);
  }
  const settings = settingsFromEnv();
  const physical = physicalFunctionName(settings.stage, name);
  const event = scheduledEvent(physical, new Date(), settings.region);
  let response: Response;
  try {
    response = await fetch(`${url(settings, 'lambda')}/2015-03-31/functions/${physical}/invocations`, {
      method: 'POST',
      body: JSON.stringify(event),
    });
  } catch {
    console.error(`Nothing answers at ${url(settings, 'lambda')}: start TeamFlow first (npm start).`);
    process.exit(1);
  }
  const body = await response.text();
  const failed = response.headers.get('x-amz-function-error');
  console.log(`${physical}${failed ? ` failed (${failed})` : ''}:`);
  console.log(JSON.stringify(JSON.parse(body || 'null'), null, 2));
  process.exit(failed || !response.ok ? 1 : 0);
}

void main();
