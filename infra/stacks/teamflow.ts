import { Tags, type Environment } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { APP_NAME } from '../definitions.ts';
import { ApiStack } from './api-stack.ts';
import { AuthStack } from './auth-stack.ts';
import { DataStack } from './data-stack.ts';
import type { FunctionSettings } from './function.ts';

export interface TeamFlowStacks {
  data: DataStack;
  auth: AuthStack;
  api: ApiStack;
}

export function stackName(stage: string, concern: string): string {
  return `TeamFlow-${stage}-${concern}`;
}

/**
 * All of TeamFlow's stacks for one stage, one per concern: stateful data, identity, APIs and their functions.
 * The app and the tests both build them here. New concerns (CDN, monitoring) become new stacks next to these.
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
    streamFailureQueue: data.streamFailureQueue,
    jwtIssuer: auth.jwtIssuer,
    jwtAudience: auth.webClient.userPoolClientId,
  });

  // On every stack (CloudFormation passes stack tags on to the resources it creates) and on every taggable
  // resource in the templates, so cost reports and IAM conditions can select by app and stage.
  Tags.of(scope).add('app', APP_NAME);
  Tags.of(scope).add('stage', config.stage);
  return { data, auth, api };
}
