/** `npm run bench`: runs every benchmark and prints its figures. Nothing here is asserted by tests. */
import path from 'node:path';
import { gatewayOverhead } from './gateway-overhead.ts';

const benchmarks: Array<[string, (root: string) => Promise<void>]> = [['gateway-overhead', gatewayOverhead]];

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
