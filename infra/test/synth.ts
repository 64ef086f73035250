/**
 * One synth of a whole stage for the assertion tests: the stage settings of cdk.json with its feature flags
 * (`@aws-cdk/core:validateAgainstDefaultRules` among them), cdk-nag's AwsSolutions checks as in infra/app.ts,
 * and bundling skipped (context `aws:cdk:bundling-stacks: []`), so a stage synthesizes in a few seconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readStageConfig, type StageConfig } from '../stage-config.ts';
import { findProjectRoot } from '../stacks/function.ts';
import { addSecurityChecks, addTeamFlowStacks, type TeamFlowStacks } from '../stacks/teamflow.ts';

export const projectRoot = findProjectRoot();
export const cdkContext = (
  JSON.parse(fs.readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/** The validation report CDK writes into the cloud assembly (every plugin's violations, after acknowledgements). */
export interface ValidationReport {
  pluginReports: Array<{
    pluginName: string;
    violations: Array<{
      ruleName: string;
      severity: string;
      violatingConstructs: Array<{ constructPath: string }>;
    }>;
  }>;
}

export interface Synthesized {
  config: StageConfig;
  stacks: TeamFlowStacks;
  data: Template;
  auth: Template;
  api: Template;
  web: Template;
  ops: Template;
  assembly: string;
  report: ValidationReport;
}

export function synthStage(stage: string, extraContext: Record<string, unknown> = {}): Synthesized {
  const app = new App({ context: { ...cdkContext, stage, 'aws:cdk:bundling-stacks': [], ...extraContext } });
  addSecurityChecks(app);
  const config = readStageConfig({ stage, stages: app.node.tryGetContext('stages') });
  const stacks = addTeamFlowStacks(app, { config, projectRoot, appVersion: '1.2.3-test' });
  // Under jest (NODE_ENV=test) a validation error throws here, with the whole report in the message.
  const assembly = app.synth().directory;
  return {
    config,
    stacks,
    data: Template.fromStack(stacks.data),
    auth: Template.fromStack(stacks.auth),
    api: Template.fromStack(stacks.api),
    web: Template.fromStack(stacks.web),
    ops: Template.fromStack(stacks.ops),
    assembly,
    report: JSON.parse(
      fs.readFileSync(path.join(assembly, 'validation-report.json'), 'utf8'),
    ) as ValidationReport,
  };
}

/** Every finding left in a report, as `rule @ construct path`: empty when all are fixed or acknowledged. */
export function findings(report: ValidationReport): string[] {
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map(
        (c) => `${plugin.pluginName}: ${violation.severity} ${violation.ruleName} @ ${c.constructPath}`,
      ),
    ),
  );
}

/** A resource of a synthesized template, as the assertions read it. */
export interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string[];
}

/** The resources of `type` in `template` (with these properties, if given), as [logical id, resource] pairs. */
export function resources(template: Template, type: string, props?: object): Array<[string, Resource]> {
  return Object.entries(template.findResources(type, props ? { Properties: props } : undefined)) as Array<
    [string, Resource]
  >;
}

/** The one resource of `type` (with these properties); fails the test when there is not exactly one. */
export function only(template: Template, type: string, props?: object): [string, Resource] {
  const found = resources(template, type, props);
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}
