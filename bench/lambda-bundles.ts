/**
 * Every function of infra/functions.ts bundled exactly as the CDK ships it (the esbuild options of
 * infra/bundling.ts, which infra/stacks/function.ts hands to NodejsFunction), then per function:
 * - minified size of index.mjs (the source map, shipped beside it, apart);
 * - zipped size of the asset as CDK uploads it (index.mjs + index.mjs.map, deflate level 9 with node:zlib,
 *   in a real zip file: local headers, central directory) and of the code alone;
 * - module init time in a fresh `node` process: the median of RUNS runs of `await import(bundle)`, timed inside
 *   the child with performance.now() (import alone, and process start to ready), with the function's environment
 *   set to dummy local values. Twice: as Lambda runs it (NODE_OPTIONS=--enable-source-maps, as the stack sets)
 *   and without source-map support.
 * Targets: < 350 KB minified (AWS SDK clients bundled), init < 150 ms. Node here may be older than Lambda's 22.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { lambdaBundling, lambdaEsbuildOptions } from '../infra/bundling.ts';
import { functions, type FunctionDefinition, type FunctionName } from '../infra/functions.ts';

const MINIFIED_TARGET = 350 * 1024;
const INIT_TARGET_MS = 150;
const RUNS = Number(process.env.BENCH_INIT_RUNS ?? 10);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)}`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A zip archive of `files` (deflate, level 9), byte for byte as a zip tool writes it. */
function zipBytes(files: Array<{ name: string; data: Buffer }>): number {
  let local = 0;
  let central = 0;
  for (const file of files) {
    const name = Buffer.byteLength(file.name);
    const compressed = zlib.deflateRawSync(file.data, { level: 9 }).length;
    local += 30 + name + compressed; // local file header + name + data
    central += 46 + name; // central directory entry
  }
  return local + central + 22; // end of central directory
}

/** The environment every function gets from the stack, with local dummy values (nothing is called at import). */
const DUMMY_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'DUMMY',
  AWS_SECRET_ACCESS_KEY: 'DUMMY',
  AWS_LAMBDA_FUNCTION_NAME: 'teamflow-bench',
  TABLE_NAME: 'teamflow-bench',
  ATTACHMENTS_BUCKET: 'teamflow-bench-attachments',
  EMAIL_QUEUE_URL: 'http://127.0.0.1:9/000000000000/teamflow-bench-email',
  MAIL_FROM: 'TeamFlow <no-reply@example.com>',
  WEB_URL: 'http://127.0.0.1:3000',
  WS_MANAGEMENT_ENDPOINT: 'http://127.0.0.1:9/bench',
  JWT_ISSUER: 'http://127.0.0.1:9/us-east-1_bench',
  JWT_AUDIENCE: 'bench',
  APP_VERSION: 'bench',
  POWERTOOLS_SERVICE_NAME: 'teamflow',
  POWERTOOLS_METRICS_NAMESPACE: 'TeamFlow/bench',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** The child: imports the bundle and reports import time and process-start-to-ready (performance.now()). */
const CHILD = `
const t0 = performance.now();
const mod = await import(process.env.BENCH_BUNDLE_URL);
const t1 = performance.now();
if (typeof mod.handler !== 'function') throw new Error('no handler export');
process.stdout.write(JSON.stringify({ importMs: t1 - t0, readyMs: t1 }));
`;

function initOnce(bundle: string, sourceMaps: boolean): Promise<{ importMs: number; readyMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: {
        PATH: process.env.PATH,
        ...DUMMY_ENV,
        BENCH_BUNDLE_URL: pathToFileURL(bundle).href,
        ...(sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`import of ${bundle} failed (${code}): ${err.slice(0, 500)}`));
      resolve(JSON.parse(out) as { importMs: number; readyMs: number });
    });
  });
}

/** Medians of RUNS runs with and without source maps, interleaved so that load on the machine hits both alike. */
async function initTimes(bundle: string) {
  const shipped: Array<{ importMs: number; readyMs: number }> = [];
  const noMaps: Array<{ importMs: number; readyMs: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    shipped.push(await initOnce(bundle, true));
    noMaps.push(await initOnce(bundle, false));
  }
  const summary = (runs: typeof shipped) => ({
    importMs: median(runs.map((r) => r.importMs)),
    readyMs: median(runs.map((r) => r.readyMs)),
  });
  return { shipped: summary(shipped), noMaps: summary(noMaps) };
}

/** Bytes of the output per npm package (or "own code"), largest first. */
function byPackage(metafile: Metafile): Array<[string, number]> {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const owner = match ? match[1]! : 'own code';
      sizes.set(owner, (sizes.get(owner) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

interface Row {
  name: FunctionName;
  minified: number;
  map: number;
  zipCode: number;
  zipAsset: number;
  shipped: { importMs: number; readyMs: number };
  noMaps: { importMs: number; readyMs: number };
  buildMs: number;
  packages: Array<[string, number]>;
}

export async function lambdaBundles(root: string): Promise<void> {
  const outRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'teamflow-lambda-bundles-'));
  const tsconfig = path.join(root, 'tsconfig.json');
  const rows: Row[] = [];
  try {
    for (const name of Object.keys(functions) as FunctionName[]) {
      const outdir = path.join(outRoot, name);
      const started = performance.now();
      const result = await build({
        ...lambdaEsbuildOptions({ projectRoot: root, entry: functions[name].entry, outdir, tsconfig }),
        metafile: true,
      });
      const buildMs = performance.now() - started;
      const bundle = path.join(outdir, lambdaBundling.outFile);
      // Packages shipped beside the bundle (sharp, `nodeModules` in infra/functions.ts): the import finds them
      // where the asset has them, here this machine's build (their size is not in the zip figures).
      const definition: FunctionDefinition = functions[name];
      if (definition.nodeModules?.length)
        fs.symlinkSync(path.join(root, 'node_modules'), path.join(outdir, 'node_modules'), 'dir');
      const code = fs.readFileSync(bundle);
      const map = fs.readFileSync(`${bundle}.map`);
      rows.push({
        name,
        minified: code.length,
        map: map.length,
        zipCode: zipBytes([{ name: lambdaBundling.outFile, data: code }]),
        zipAsset: zipBytes([
          { name: lambdaBundling.outFile, data: code },
          { name: `${lambdaBundling.outFile}.map`, data: map },
        ]),
        ...(await initTimes(bundle)),
        buildMs,
        packages: byPackage(result.metafile),
      });
    }
  } finally {
    fs.rmSync(outRoot, { recursive: true, force: true });
  }

  console.log('\n## Lambda bundles: what each function ships, and its module init (fresh node process)');
  console.log(
    `esbuild ${lambdaBundling.format}, ${lambdaBundling.target}, minify, sourcemap, externals: ` +
      `${lambdaBundling.externalModules.length ? lambdaBundling.externalModules.join(', ') : 'none (AWS SDK bundled)'}; ` +
      `zip: node:zlib deflate level 9; init: median of ${RUNS} runs on Node ${process.version}.`,
  );
  console.log(
    'Targets: minified < 350 KB, init (import, as shipped with --enable-source-maps) < 150 ms. "!" marks a miss.',
  );
  const header = [
    'function'.padEnd(18),
    'min KB'.padStart(8),
    'map KB'.padStart(8),
    'zip KB'.padStart(8),
    'asset zip'.padStart(10),
    'import ms'.padStart(10),
    'ready ms'.padStart(9),
    'no-map import'.padStart(14),
    'no-map ready'.padStart(13),
  ].join(' ');
  console.log(header);
  console.log('-'.repeat(header.length));
  const misses: string[] = [];
  for (const r of rows) {
    const bigMiss = r.minified >= MINIFIED_TARGET;
    const slowMiss = r.shipped.importMs >= INIT_TARGET_MS;
    if (bigMiss) misses.push(`${r.name}: ${kb(r.minified)} KB minified`);
    if (slowMiss) misses.push(`${r.name}: ${r.shipped.importMs.toFixed(0)} ms init`);
    console.log(
      [
        r.name.padEnd(18),
        `${kb(r.minified)}${bigMiss ? '!' : ' '}`.padStart(8),
        kb(r.map).padStart(8),
        kb(r.zipCode).padStart(8),
        kb(r.zipAsset).padStart(10),
        `${r.shipped.importMs.toFixed(1)}${slowMiss ? '!' : ' '}`.padStart(10),
        r.shipped.readyMs.toFixed(1).padStart(9),
        r.noMaps.importMs.toFixed(1).padStart(14),
        r.noMaps.readyMs.toFixed(1).padStart(13),
      ].join(' '),
    );
  }
  const largest = rows.reduce((a, b) => (b.minified > a.minified ? b : a));
  const slowest = rows.reduce((a, b) => (b.shipped.importMs > a.shipped.importMs ? b : a));
  console.log(
    `Largest: ${largest.name} ${kb(largest.minified)} KB; slowest init: ${slowest.name} ` +
      `${slowest.shipped.importMs.toFixed(1)} ms; build ${rows.reduce((s, r) => s + r.buildMs, 0).toFixed(0)} ms in all.`,
  );
  for (const r of [largest, rows.reduce((a, b) => (b.minified < a.minified ? b : a))]) {
    const top = r.packages.slice(0, 8).map(([pkg, bytes]) => `${pkg} ${kb(bytes)}`);
    console.log(`What ${r.name} is made of (KB of the minified bundle): ${top.join(', ')}`);
  }
  console.log(misses.length ? `Targets missed: ${misses.join('; ')}` : 'Every function meets both targets.');
}
