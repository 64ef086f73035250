/**
 * `npm run deploy -- --stage <dev|staging|prod> [extra cdk deploy arguments]`: builds the web app (Vite, into
 * web/dist, which the Web stack uploads), then deploys every stack of the stage with the CDK CLI pinned in
 * devDependencies. Credentials come from the usual AWS settings (profile, environment); the account and region
 * must be bootstrapped once (README, "Deploying a stage").
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findProjectRoot } from './stacks/function.ts';
import { readStageConfig } from './stage-config.ts';

const { values, positionals } = parseArgs({
  options: { stage: { type: 'string' }, 'skip-build': { type: 'boolean', default: false } },
  allowPositionals: true,
});
const root = findProjectRoot();
const context = (
  JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8')) as { context: { stages: unknown } }
).context;
if (!values.stage) {
  console.error(`Usage: npm run deploy -- --stage <${Object.keys(context.stages as object).join('|')}>`);
  process.exit(2);
}
// Fails here, naming the key, when the stage or its settings are wrong, before a minute of building.
const config = readStageConfig({ stage: values.stage, stages: context.stages });

function run(command: string, args: string[]): void {
  console.log(`\n$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
if (!values['skip-build']) run(bin('vite'), ['build', '--config', path.join('web', 'vite.config.mts')]);
run(bin('cdk'), ['deploy', '--all', '-c', `stage=${config.stage}`, ...positionals]);
