import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat, CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  WebSocketApi,
  WebSocketStage,
  type CfnApi,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigurationSet, EmailSendingEvent, EventDestination } from 'aws-cdk-lib/aws-ses';
import { Queue, QueueEncryption, type IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  defaultHttpRoute,
  httpRoutes,
  websocketRoutes,
  websocketRouteSelectionExpression,
} from '../../shared/routes.ts';
import { APP_NAME, bucketName, tableName, type QueueName } from '../definitions.ts';
import { functions, type FunctionDefinition, type FunctionName } from '../functions.ts';
import { DEFAULT_AI_SETTINGS } from '../stage-config.ts';
import { logRetention, TeamFlowFunction, type FunctionSettings } from './function.ts';
import { grantTable } from './table-access.ts';

export interface ApiStackProps extends StackProps {
  settings: FunctionSettings;
  /** Must have its stream enabled: the stream functions (enqueue, cleanup) read it. */
  table: ITable;
  emailQueue: IQueue;
  /** The AI breakdown's jobs: the `ai` function sends, the ai-worker consumes. */
  aiQueue: IQueue;
  /** The stream mappings' on-failure destination. */
  streamFailureQueue: IQueue;
  jwtIssuer: string;
  /** The web app client's id: the audience of the ID tokens the APIs accept. */
  jwtAudience: string;
}

function functionName(fn: string): FunctionName {
  if (!Object.hasOwn(functions, fn))
    throw new Error(`Route function "${fn}" is not defined in infra/functions.ts`);
  return fn as FunctionName;
}

/**
 * The HTTP API (one route per entry of shared/routes.ts, plus `$default`), the WebSocket API, and the functions
 * behind them and behind the table stream and the email queue.
 */
export class ApiStack extends Stack {
  readonly httpApi: HttpApi;
  /** The `$default` stage: throttled, with JSON access logs. */
  readonly httpStage: HttpStage;
  readonly webSocketApi: WebSocketApi;
  readonly webSocketStage: WebSocketStage;
  readonly functions = new Map<FunctionName, TeamFlowFunction>();
  /** Where a scheduled invocation goes when every retry failed; only made when some function has a schedule. */
  readonly scheduleDeadLetterQueue?: Queue;
  readonly scheduleRules = new Map<FunctionName, Rule>();

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { settings, table, emailQueue, aiQueue } = props;
    const { config } = settings;
    const ai = config.ai ?? DEFAULT_AI_SETTINGS;
    // The Data stack's bucket, by its name (infra/definitions.ts): no cross-stack reference needed.
    const attachmentsBucket = bucketName(config.stage, 'attachments', config.account ?? Aws.ACCOUNT_ID);

    // Every function gets the same names and URLs (as the local runtime gives them): they are not secrets, and a
    // function that starts reading one more of them then needs no infrastructure change. What a function may
    // *do* is decided by the grants below, one by one.
    // Notification email (issue 13): the unsubscribe links' signing secret, and a configuration set whose bounce
    // and complaint events go to the ses-events function (below), which stops mailing those addresses.
    const unsubscribeSecret = new Secret(this, 'UnsubscribeSecret', {
      description: 'TeamFlow: signs one-click unsubscribe links (HMAC-SHA256)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(unsubscribeSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating it would invalidate the unsubscribe links in emails already sent; it only signs those links.',
    });
    const mailConfigurationSet = new ConfigurationSet(this, 'MailConfigurationSet', {
      configurationSetName: `${APP_NAME}-${config.stage}`,
    });
    mailConfigurationSet.addEventDestination('BouncesAndComplaints', {
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });
    const environment = {
      TABLE_NAME: tableName(config.stage),
      ATTACHMENTS_BUCKET: attachmentsBucket,
      EMAIL_QUEUE_URL: emailQueue.queueUrl,
      AI_QUEUE_URL: aiQueue.queueUrl,
      AI_PROVIDER: ai.provider,
      ...(ai.provider === 'bedrock' ? { AI_MODEL: ai.model } : {}),
      AI_REQUESTS_PER_HOUR: String(ai.requestsPerHour),
      AI_MONTHLY_TOKENS: String(ai.monthlyTokens),
      MAIL_FROM: config.mailFrom,
      WEB_URL: config.webUrl,
      // Signs one-click unsubscribe links (a generated secret; its value reaches only the functions' environment).
      UNSUBSCRIBE_SECRET: unsubscribeSecret.secretValue.unsafeUnwrap(),
      SES_CONFIGURATION_SET: mailConfigurationSet.configurationSetName,
      JWT_ISSUER: props.jwtIssuer,
      JWT_AUDIENCE: props.jwtAudience,
    };
    const fn = (name: FunctionName): TeamFlowFunction => {
      let made = this.functions.get(name);
      if (!made) {
        made = new TeamFlowFunction(this, name, { settings, environment });
        this.functions.set(name, made);
      }
      return made;
    };

    // HTTP API: routes exactly as in the route table; API Gateway checks ID tokens before 'jwt' routes run.
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `${APP_NAME}-${config.stage}-http`,
      // Made below with throttling and access logs (same construct id as CDK's own, so the same logical id).
      createDefaultStage: false,
    });
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const accessLogs = (api: string) =>
      new LogGroup(this, `${api}AccessLogs`, {
        logGroupName: `/aws/apigateway/${APP_NAME}-${config.stage}-${api.toLowerCase()}`,
        retention: logRetention(config.logRetentionDays),
        removalPolicy,
      });
    // One JSON object per request (CloudWatch Logs Insights reads its fields without parsing rules): the fields
    // both APIs have, and each API's own.
    const accessLogFormat = (own: Record<string, string>) =>
      AccessLogFormat.custom(
        JSON.stringify({
          requestId: '$context.requestId',
          ip: '$context.identity.sourceIp',
          requestTime: '$context.requestTime',
          routeKey: '$context.routeKey',
          status: '$context.status',
          integrationLatency: '$context.integrationLatency',
          integrationError: '$context.integrationErrorMessage',
          ...own,
        }),
      );
    const throttle = { rateLimit: config.apiThrottle.rateLimit, burstLimit: config.apiThrottle.burstLimit };
    this.httpStage = new HttpStage(this.httpApi, 'DefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs('Http')),
        format: accessLogFormat({
          method: '$context.httpMethod',
          path: '$context.path',
          protocol: '$context.protocol',
          responseLength: '$context.responseLength',
          responseLatency: '$context.responseLatency',
          authorizerError: '$context.authorizer.error',
          userAgent: '$context.identity.userAgent',
        }),
      },
    });
    const jwtAuthorizer = new HttpJwtAuthorizer('CognitoJwt', props.jwtIssuer, {
      jwtAudience: [props.jwtAudience],
      identitySource: ['$request.header.Authorization'],
    });
    // Explicit 'none' rather than "no authorizer": a default authorizer added later must not change these routes.
    const noAuthorizer = new HttpNoneAuthorizer();
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    // One integration per function, shared by its routes.
    const integration = (name: FunctionName): HttpLambdaIntegration => {
      let made = integrations.get(name);
      if (!made) {
        made = new HttpLambdaIntegration(`${name}-integration`, fn(name));
        integrations.set(name, made);
      }
      return made;
    };
    for (const route of httpRoutes) {
      const [made] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integration(functionName(route.fn)),
        authorizer: route.auth === 'jwt' ? jwtAuthorizer : noAuthorizer,
      });
      if (route.auth === 'none' && made) {
        Validations.of(made).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is public by design (shared/routes.ts, ../shared/API.md): it answers without a token.`,
        });
      }
    }
    const defaultRoute = new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.httpApi,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integration(functionName(defaultHttpRoute.fn)),
      authorizer: defaultHttpRoute.auth === 'none' ? noAuthorizer : jwtAuthorizer,
    });
    Validations.of(defaultRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        '$default only answers 404 in the API error shape for paths the route table does not have; it reads ' +
        'nothing and needs no identity.',
    });

    // WebSocket API: $connect checks the ID token itself (browsers cannot send an Authorization header).
    this.webSocketApi = new WebSocketApi(this, 'WebSocketApi', {
      apiName: `${APP_NAME}-${config.stage}-ws`,
      routeSelectionExpression: websocketRouteSelectionExpression,
    });
    for (const route of websocketRoutes) {
      const name = functionName(route.fn);
      const made = this.webSocketApi.addRoute(route.routeKey, {
        integration: new WebSocketLambdaIntegration(`${name}-integration`, fn(name)),
      });
      Validations.of(made).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          route.routeKey === '$connect'
            ? '$connect verifies the Cognito ID token itself (ws-connect): browsers cannot send an Authorization ' +
              'header on a WebSocket, so an API Gateway authorizer could not read it.'
            : `${route.routeKey} runs only on a connection that $connect accepted with a verified token; API ` +
              'Gateway allows authorizers on $connect only.',
      });
    }
    this.webSocketStage = new WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: config.stage,
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs('WebSocket')),
        format: accessLogFormat({
          eventType: '$context.eventType',
          connectionId: '$context.connectionId',
          error: '$context.error.message',
        }),
      },
    });
    // WebSocket stages log through the account's API Gateway CloudWatch role (HTTP APIs do not need it). Like
    // CDK's RestApi `cloudWatchRole`, both are retained when the stack goes: the setting is account-wide, and a
    // deleted dev stack must not take the role that another stage's logging still uses.
    const apiGatewayLogsRole = new Role(this, 'ApiGatewayCloudWatchRole', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      ],
    });
    apiGatewayLogsRole.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Validations.of(apiGatewayLogsRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's account-level logging role: AWS documents this managed policy for it, and API Gateway " +
        'picks the log group per stage at run time, so no narrower resource list can be written.',
    });
    const apiGatewayAccount = new CfnAccount(this, 'ApiGatewayAccount', {
      cloudWatchRoleArn: apiGatewayLogsRole.roleArn,
    });
    apiGatewayAccount.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.webSocketStage.node.addDependency(apiGatewayAccount);
    // Only the functions that post through @connections may do so (ws-message replies to the sender, broadcast
    // fans events out), and only on this API's own stage.
    for (const name of ['ws-message', 'broadcast'] as const) {
      const poster = fn(name);
      poster.addEnvironment('WS_MANAGEMENT_ENDPOINT', this.webSocketStage.callbackUrl);
      this.webSocketStage.grantManagementApiAccess(poster);
      Validations.of(poster.executionRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:${this.partition}:execute-api:${config.region}:<AWS::AccountId>:<${this.getLogicalId(this.webSocketApi.node.defaultChild as CfnApi)}>/${config.stage}/*/@connections/*]`,
        reason:
          `${name} posts to connections whose ids exist only at run time; the grant is already limited to ` +
          "this API's own stage and its @connections path.",
      });
    }

    // Table access, least privilege: only what each function's code does (see table-access.ts for the actions).
    grantTable(table, fn('health'), 'read');
    grantTable(table, fn('me'), 'read-write');
    grantTable(table, fn('workspaces'), 'read-write');
    grantTable(table, fn('projects'), 'read-write');
    grantTable(table, fn('tasks'), 'read-write');
    grantTable(table, fn('subtasks'), 'read-write');
    grantTable(table, fn('comments'), 'read-write');
    grantTable(table, fn('sprints'), 'read-write');
    grantTable(table, fn('goals'), 'read-write');
    // AI breakdown: reads the task and membership, writes the job and the quota counters.
    grantTable(table, fn('ai'), 'read-write');
    // Claims and finishes jobs, reads the task's subtasks, gives quota back and counts tokens.
    grantTable(table, fn('ai-worker'), 'read-write');
    grantTable(table, fn('export'), 'read');
    grantTable(table, fn('notifications'), 'read-write');
    // Reads the task, project, members and names; writes notifications (conditional puts).
    grantTable(table, fn('notify'), 'read-write');
    // Notification email batches and their "sent" markers; ses-events writes suppressed addresses.
    grantTable(table, fn('email-worker'), 'read-write');
    grantTable(table, fn('ses-events'), 'write');
    grantTable(table, fn('ws-connect'), 'write');
    grantTable(table, fn('ws-disconnect'), 'write');
    // Subscriptions and presence (reads the connection, the project and the membership; writes subscriptions).
    grantTable(table, fn('ws-message'), 'read-write');
    // Reads a board's subscribers and its workspace's members; drops gone connections and revoked subscriptions.
    grantTable(table, fn('broadcast'), 'read-write');
    // Deletes what a removed project, workspace or label leaves behind, and rewrites tasks' labelIds.
    grantTable(table, fn('cleanup'), 'read-write');
    // Due-date digests (reads due tasks, claims a reminder marker) and housekeeping (purges expired deleted tasks).
    grantTable(table, fn('daily'), 'read-write');
    grantTable(table, fn('attachments'), 'read-write');
    // Records a thumbnail's outcome on its attachment (a conditional UpdateItem).
    grantTable(table, fn('thumbnails'), 'write');
    this.grantAttachments(config);

    // Table stream → every function with a `stream` source in infra/functions.ts (enqueue → email queue, cleanup),
    // each through a mapping of its own with its own checkpoint. A mapping's filter passes only the records its
    // function handles, so the function is not even invoked for the others.
    for (const [name, definition] of Object.entries(functions) as Array<
      [FunctionName, (typeof functions)[FunctionName]]
    >) {
      if (!('stream' in definition)) continue;
      const stream = definition.stream;
      fn(name).addEventSource(
        new DynamoEventSource(table, {
          startingPosition: StartingPosition.LATEST,
          batchSize: stream.batchSize,
          maxBatchingWindow: Duration.seconds(stream.maxBatchingWindowSeconds),
          retryAttempts: stream.retryAttempts,
          bisectBatchOnError: stream.bisectBatchOnError,
          maxRecordAge: Duration.seconds(stream.maxRecordAgeSeconds),
          filters: stream.filters.map((pattern) => FilterCriteria.filter(pattern)),
          reportBatchItemFailures: stream.reportBatchItemFailures,
          onFailure: new SqsDlq(props.streamFailureQueue),
        }),
      );
    }
    emailQueue.grantSendMessages(fn('enqueue'));
    emailQueue.grantSendMessages(fn('workspaces'));
    emailQueue.grantSendMessages(fn('daily'));
    // Notifications: notify queues a person's email batch; the email worker re-queues one that grew meanwhile.
    emailQueue.grantSendMessages(fn('notify'));
    emailQueue.grantSendMessages(fn('email-worker'));

    aiQueue.grantSendMessages(fn('ai'));

    // Queues → every function with a `queue` source in infra/functions.ts (email → email worker → SES,
    // ai → AI worker → the model): partial batch responses; SQS moves a message to its DLQ after the redrive.
    const queuesByName: Record<QueueName, IQueue> = { email: emailQueue, ai: aiQueue };
    for (const [name, definition] of Object.entries(functions) as Array<[FunctionName, FunctionDefinition]>) {
      const source = definition.queue;
      if (!source) continue;
      fn(name).addEventSource(
        new SqsEventSource(queuesByName[source.queue], {
          batchSize: source.batchSize,
          maxBatchingWindow: Duration.seconds(source.maxBatchingWindowSeconds),
          reportBatchItemFailures: source.reportBatchItemFailures,
        }),
      );
    }
    // Events → every function with an `event` source in infra/functions.ts (SES bounces and complaints).
    for (const [name, definition] of Object.entries(functions) as Array<[FunctionName, FunctionDefinition]>) {
      if (!definition.event) continue;
      new Rule(this, `${name}-events`, {
        description: definition.event.description,
        eventPattern: { source: definition.event.source, detailType: definition.event.detailType },
        targets: [new LambdaFunction(fn(name))],
      });
    }
    const worker = fn('email-worker');
    worker.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
        // Any verified identity may be a recipient (in the SES sandbox), but the sender is always ours.
        conditions: { StringEquals: { 'ses:FromAddress': config.mailFrom } },
      }),
    );
    Validations.of(worker.executionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${this.partition}:ses:${config.region}:<AWS::AccountId>:identity/*]`,
      reason:
        'SES authorizes SendEmail against the recipient identities too while the account is in the SES sandbox, ' +
        'and those are not known here; the statement is limited to ses:SendEmail with ses:FromAddress equal to ' +
        "the stage's own sender.",
    });

    // The AI worker may invoke the stage's one Bedrock model (Converse is authorized as bedrock:InvokeModel),
    // nothing else; with the built-in planner it may invoke no model at all.
    if (ai.provider === 'bedrock') {
      fn('ai-worker').addToRolePolicy(
        new PolicyStatement({
          actions: ['bedrock:InvokeModel'],
          resources: [
            this.formatArn({
              service: 'bedrock',
              account: '',
              resource: 'foundation-model',
              resourceName: ai.model,
            }),
          ],
        }),
      );
    }

    // EventBridge schedules → every function with a `schedule` in infra/functions.ts (the daily run). Lambda is
    // invoked asynchronously; a target that still fails after the retries lands in a DLQ an alarm watches.
    const scheduled = (Object.entries(functions) as Array<[FunctionName, FunctionDefinition]>).filter(
      ([, definition]) => definition.schedule !== undefined,
    );
    if (scheduled.length > 0) {
      this.scheduleDeadLetterQueue = new Queue(this, 'schedule-dlq', {
        queueName: `${APP_NAME}-${config.stage}-schedule-dlq`,
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy,
      });
      Validations.of(this.scheduleDeadLetterQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself a dead-letter queue: the EventBridge schedule targets deliver to it.',
      });
    }
    for (const [name, definition] of scheduled) {
      const schedule = definition.schedule;
      if (!schedule) continue;
      const rule = new Rule(this, `${name}-schedule`, {
        ruleName: `${APP_NAME}-${config.stage}-${name}`,
        description: schedule.description,
        schedule: Schedule.expression(schedule.expression),
      });
      rule.addTarget(
        new LambdaFunction(fn(name), {
          retryAttempts: 2,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: this.scheduleDeadLetterQueue,
        }),
      );
      this.scheduleRules.set(name, rule);
    }

    new CfnOutput(this, 'ApiUrl', { value: `${this.httpApi.apiEndpoint}/api` });
    new CfnOutput(this, 'WebSocketUrl', { value: this.webSocketStage.url });
  }

  /**
   * The attachments bucket, least privilege, per prefix (functions/domain/attachments.ts: originals under
   * `tasks/`, thumbnails under `thumbs/`): the attachments function signs uploads (PutObject, with the upload's
   * tag: PutObjectTagging) and downloads of originals and thumbnails (GetObject, which also covers HeadObject),
   * and untags a confirmed upload; the tasks function signs cover thumbnails for the board; the thumbnail worker
   * reads originals and writes (or takes back) thumbnails; the clean-up deletes both for every attachment item
   * that goes. Nobody may list the bucket, and only the clean-up may delete an original.
   */
  private grantAttachments(config: FunctionSettings['config']): void {
    const { stage, account } = config;
    const arn = (prefix: string, accountId: string) =>
      `arn:${this.partition}:s3:::${bucketName(stage, 'attachments', accountId)}/${prefix}/*`;
    const grants: Array<[FunctionName, string[], Array<'tasks' | 'thumbs'>, string]> = [
      [
        'attachments',
        ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging'],
        ['tasks'],
        'signs uploads and downloads of',
      ],
      ['attachments', ['s3:GetObject'], ['thumbs'], 'signs thumbnail downloads of'],
      ['tasks', ['s3:GetObject'], ['thumbs'], 'signs the board cover thumbnails of'],
      ['thumbnails', ['s3:GetObject'], ['tasks'], 'reads the images of'],
      [
        'thumbnails',
        ['s3:DeleteObject', 's3:PutObject'],
        ['thumbs'],
        'writes (and takes back) thumbnails of',
      ],
      [
        'cleanup',
        ['s3:DeleteObject'],
        ['tasks', 'thumbs'],
        'deletes the files and thumbnails of removed attachment items among',
      ],
    ];
    for (const [name, actions, prefixes, what] of grants) {
      const fn = this.functions.get(name)!;
      fn.addToRolePolicy(
        new PolicyStatement({
          actions,
          resources: prefixes.map((prefix) => arn(prefix, account ?? Aws.ACCOUNT_ID)),
        }),
      );
      for (const prefix of prefixes) {
        Validations.of(fn.executionRole).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${arn(prefix, account ?? '<AWS::AccountId>')}]`,
          reason: `${name} ${what} attachment files, whose keys exist only at run time; the grant is limited to the attachments bucket's ${prefix}/ prefix and these actions.`,
        });
      }
    }
  }
}
