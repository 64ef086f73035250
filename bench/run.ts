/** `npm run bench`: runs every benchmark and prints its figures. Nothing here is asserted by tests. */
import path from 'node:path';
import { ai } from './ai.ts';
import { apiCalls } from './api-calls.ts';
import { attachments } from './attachments.ts';
import { boardLoad } from './board-load.ts';
import { createRate } from './create-rate.ts';
import { gatewayOverhead } from './gateway-overhead.ts';
import { lambdaBundles } from './lambda-bundles.ts';
import { live } from './live.ts';
import { mixedWorkload } from './mixed-workload.ts';
import { notify } from './notify.ts';
import { webBoard } from './web-board.ts';
import { webBundle } from './web-bundle.ts';

const benchmarks: Array<[string, (root: string) => Promise<void>]> = [
  ['gateway-overhead', gatewayOverhead],
  ['api-calls', apiCalls],
  ['board-load', boardLoad],
  ['mixed-workload', mixedWorkload],
  ['create-rate', createRate],
  ['live', live],
  ['ai', ai],
  ['notify', notify],
  ['attachments', attachments],
  ['web-bundle', webBundle],
  ['web-board', webBoard],
  ['lambda-bundles', lambdaBundles],
];

// The SDK's notice about Node 20 (Lambdas run 22) is noise in the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main() {
  const root = path.resolve(__dirname, '..');
  const only = process.argv[2];
  console.log(`TeamFlow benchmarks on ${process.platform}/${process.arch}, Node ${process.version}`);
  for (const [name, run] of benchmarks) {
    if (only && only !== name) continue;
    await run(root);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
