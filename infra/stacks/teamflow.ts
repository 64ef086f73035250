import { Tags, Validations, type Environment } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { APP_NAME, queues as queueDefinitions, type QueueName } from '../definitions.ts';
import { functions, type FunctionName } from '../functions.ts';
import { ApiStack } from './api-stack.ts';
import { AuthStack } from './auth-stack.ts';
import { DataStack } from './data-stack.ts';
import type { FunctionSettings } from './function.ts';
import { OpsStack } from './ops-stack.ts';
import { WebStack } from './web-stack.ts';

export interface TeamFlowStacks {
  data: DataStack;
  auth: AuthStack;
  api: ApiStack;
  web: WebStack;
  ops: OpsStack;
}

export function stackName(stage: string, concern: string): string {
  return `TeamFlow-${stage}-${concern}`;
}

/**
 * The security review (docs/security.md): the AwsSolutions rules of cdk-nag run on every synth as a validation
 * plugin, next to CDK's built-in CloudFormation validation. Each finding is either fixed or acknowledged, next to
 * the construct it concerns, with `Validations.of(construct).acknowledge(...)`; any other fails the synth.
 */
export function addSecurityChecks(app: Construct): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/**
 * All of TeamFlow's stacks for one stage, one per concern: stateful data, identity, APIs and their functions,
 * the web app on CloudFront, and operations (dashboard, alarms). The app and the tests both build them here.
 */
export function addTeamFlowStacks(scope: Construct, settings: FunctionSettings): TeamFlowStacks {
  const { config } = settings;
  const env: Environment = { account: config.account, region: config.region };
  const common = { env, terminationProtection: config.retainData };

  const data = new DataStack(scope, stackName(config.stage, 'Data'), { ...common, config });
  const auth = new AuthStack(scope, stackName(config.stage, 'Auth'), {
    ...common,
    settings,
    table: data.table,
  });
  const api = new ApiStack(scope, stackName(config.stage, 'Api'), {
    ...common,
    settings,
    table: data.table,
    emailQueue: data.queues.email,
    aiQueue: data.queues.ai,
    streamFailureQueue: data.streamFailureQueue,
    jwtIssuer: auth.jwtIssuer,
    jwtAudience: auth.webClient.userPoolClientId,
  });
  const web = new WebStack(scope, stackName(config.stage, 'Web'), {
    ...common,
    config,
    projectRoot: settings.projectRoot,
    httpApi: api.httpApi,
    webSocketApi: api.webSocketApi,
    webSocketStage: api.webSocketStage,
    userPoolId: auth.userPool.userPoolId,
    userPoolClientId: auth.webClient.userPoolClientId,
    attachmentsBucket: data.attachmentsBucket,
  });

  const allFunctions = new Map<string, IFunction>(api.functions);
  allFunctions.set(auth.postConfirmation.node.id, auth.postConfirmation);
  const queueNames = Object.keys(queueDefinitions) as QueueName[];
  const deadLetterQueues = new Map<string, IQueue>(
    queueNames.map((name) => [`${name}-dlq`, data.deadLetterQueues[name]]),
  );
  deadLetterQueues.set('stream-failures', data.streamFailureQueue);
  if (api.scheduleDeadLetterQueue) deadLetterQueues.set('schedule-dlq', api.scheduleDeadLetterQueue);
  const ops = new OpsStack(scope, stackName(config.stage, 'Ops'), {
    ...common,
    config,
    httpApi: api.httpApi,
    webSocketApi: api.webSocketApi,
    webSocketStage: api.webSocketStage,
    table: data.table,
    functions: allFunctions,
    streamFunctions: (Object.keys(functions) as FunctionName[]).filter((name) => 'stream' in functions[name]),
    queues: new Map<string, IQueue>(queueNames.map((name) => [name, data.queues[name]])),
    deadLetterQueues,
  });

  // On every stack (CloudFormation passes stack tags on to the resources it creates) and on every taggable
  // resource in the templates, so cost reports and IAM conditions can select by app and stage.
  Tags.of(scope).add('app', APP_NAME);
  Tags.of(scope).add('stage', config.stage);
  return { data, auth, api, web, ops };
}
