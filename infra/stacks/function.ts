import fs from 'node:fs';
import path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { externalModulesOf, lambdaBundling, lambdaNpmPlatform } from '../bundling.ts';
import { APP_NAME, physicalFunctionName } from '../definitions.ts';
import { functions, type FunctionDefinition, type FunctionName } from '../functions.ts';
import type { StageConfig } from '../stage-config.ts';

/** What every function of a deployment shares; made once by the app and handed to each stack. */
export interface FunctionSettings {
  config: StageConfig;
  /** The repository root: entries in infra/functions.ts are relative to it, and esbuild runs there. */
  projectRoot: string;
  appVersion: string;
}

export interface TeamFlowFunctionProps {
  settings: FunctionSettings;
  /** Variables beyond the ones every function gets (see TeamFlowFunction). */
  environment?: Record<string, string>;
}

/**
 * The repository root: the nearest folder up from the working directory (the CDK and jest run from the root) with
 * the lockfile NodejsFunction needs. Without one, synth fails here with a message instead of deep in bundling.
 */
export function findProjectRoot(start: string = process.cwd()): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package-lock.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(`No package-lock.json in ${start} or above: run the CDK from the repository`);
    dir = parent;
  }
}

export function logRetention(days: StageConfig['logRetentionDays']): RetentionDays {
  // RetentionDays is a numeric enum whose values are the day counts; stage-config only admits those counts.
  const match = Object.values(RetentionDays).find((value): value is RetentionDays => value === days);
  if (match === undefined) throw new Error(`CloudWatch Logs has no retention of ${days} days`);
  return match;
}

/**
 * The one way TeamFlow makes a Lambda function: the entry, memory and timeout of its definition in
 * infra/functions.ts, Node.js 22 on Graviton, an ESM bundle made by the repository's own esbuild (never Docker),
 * X-Ray tracing, and a log group of its own whose retention and removal follow the stage.
 */
export class TeamFlowFunction extends NodejsFunction {
  /** The function's own execution role (NodejsFunction's `role` is typed as optional). */
  readonly executionRole: Role;

  constructor(scope: Construct, name: FunctionName, props: TeamFlowFunctionProps) {
    const { config, projectRoot, appVersion } = props.settings;
    // Typed as optional so a definition without memory falls back to the stage's default.
    const definition: Omit<FunctionDefinition, 'memoryMb'> & { memoryMb?: number } = functions[name];
    const functionName = physicalFunctionName(config.stage, name);
    // A sibling of the function, made before it: the function's props need it, and `this` does not exist yet.
    // An explicit log group (instead of the deprecated logRetention custom resource) is tagged and removed with
    // the stack like everything else.
    const logGroup = new LogGroup(scope, `${name}-logs`, {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: logRetention(config.logRetentionDays),
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // A role of its own without the AWSLambdaBasicExecutionRole managed policy (which may write to every log
    // group of the account): the function may write to its own log group only (granted below).
    const role = new Role(scope, `${name}-role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `TeamFlow ${config.stage} function ${name}`,
    });
    super(scope, name, {
      functionName,
      role,
      entry: path.join(projectRoot, definition.entry),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: definition.memoryMb ?? config.lambdaMemoryMb,
      timeout: Duration.seconds(definition.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: {
        APP_VERSION: appVersion,
        POWERTOOLS_SERVICE_NAME: APP_NAME,
        // One namespace per stage: stages that share an account must not add up in the same metrics.
        POWERTOOLS_METRICS_NAMESPACE: `TeamFlow/${config.stage}`,
        POWERTOOLS_LOG_LEVEL: config.logLevel,
        // Stack traces in the logs point into the TypeScript sources (the bundle ships its source map).
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      // The settings of infra/bundling.ts (shared with bench/lambda-bundles.ts, which measures what ships).
      bundling: {
        minify: lambdaBundling.minify,
        sourceMap: lambdaBundling.sourceMap,
        format: lambdaBundling.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
        target: lambdaBundling.target,
        mainFields: [...lambdaBundling.mainFields],
        banner: lambdaBundling.banner,
        externalModules: externalModulesOf(definition),
        // Native packages (sharp): installed beside the bundle by `npm ci` from package-lock.json, for linux-arm64.
        ...(definition.nodeModules
          ? { nodeModules: [...definition.nodeModules], environment: { ...lambdaNpmPlatform } }
          : {}),
        // The repository's tsconfig: esbuild reads it for the TypeScript settings; the #functions/* and
        // #shared/* aliases resolve through package.json "imports", which esbuild supports natively.
        tsconfig: path.join(projectRoot, 'tsconfig.json'),
        forceDockerBundling: false,
      },
    });
    this.executionRole = role;
    logGroup.grantWrite(role);

    // Security review (cdk-nag AwsSolutions; docs/security.md), acknowledged on this function's own constructs:
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the code is built for and tested on (esbuild target node22, issue 5); a ' +
        'runtime upgrade is a deliberate change of its own, not something a newer Lambda runtime should force.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level ' +
        'permissions, so AWS requires Resource "*" for them (and only they are granted on "*").',
    });
  }
}
