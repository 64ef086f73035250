/**
 * The CDK app: `cdk synth -c stage=<dev|staging|prod>` (dev when absent). The stage's settings come from the
 * `stages` context in cdk.json; the stacks read resource names and shapes from infra/definitions.ts and
 * infra/functions.ts, the same modules the local runtime builds its resources from.
 */
import fs from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { readStageConfig } from './stage-config.ts';
import { findProjectRoot } from './stacks/function.ts';
import { addSecurityChecks, addTeamFlowStacks } from './stacks/teamflow.ts';

const app = new App();
// cdk-nag's AwsSolutions rules on every synth and deploy (docs/security.md); an unacknowledged finding fails it.
addSecurityChecks(app);
const config = readStageConfig({
  stage: app.node.tryGetContext('stage'),
  stages: app.node.tryGetContext('stages'),
});
const projectRoot = findProjectRoot();
const { version } = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
  version: string;
};
// A release pipeline passes the build's own version (`-c appVersion=1.2.3+abc123`); /api/health reports it.
const appVersion: unknown = app.node.tryGetContext('appVersion');

addTeamFlowStacks(app, {
  config,
  projectRoot,
  appVersion: typeof appVersion === 'string' && appVersion !== '' ? appVersion : version,
});
