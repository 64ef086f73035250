import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  WebSocketApi,
  WebSocketStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  defaultHttpRoute,
  httpRoutes,
  websocketRoutes,
  websocketRouteSelectionExpression,
} from '../../shared/routes.ts';
import { APP_NAME, tableName } from '../definitions.ts';
import { functions, type FunctionName } from '../functions.ts';
import { TeamFlowFunction, type FunctionSettings } from './function.ts';

export interface ApiStackProps extends StackProps {
  settings: FunctionSettings;
  /** Must have its stream enabled: the stream functions (enqueue, cleanup) read it. */
  table: ITable;
  emailQueue: IQueue;
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
  readonly webSocketApi: WebSocketApi;
  readonly webSocketStage: WebSocketStage;
  readonly functions = new Map<FunctionName, TeamFlowFunction>();

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { settings, table, emailQueue } = props;
    const { config } = settings;

    // Every function gets the same names and URLs (as the local runtime gives them): they are not secrets, and a
    // function that starts reading one more of them then needs no infrastructure change. What a function may
    // *do* is decided by the grants below, one by one.
    const environment = {
      TABLE_NAME: tableName(config.stage),
      EMAIL_QUEUE_URL: emailQueue.queueUrl,
      MAIL_FROM: config.mailFrom,
      WEB_URL: config.webUrl,
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
    this.httpApi = new HttpApi(this, 'HttpApi', { apiName: `${APP_NAME}-${config.stage}-http` });
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
      this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integration(functionName(route.fn)),
        authorizer: route.auth === 'jwt' ? jwtAuthorizer : noAuthorizer,
      });
    }
    new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.httpApi,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integration(functionName(defaultHttpRoute.fn)),
      authorizer: defaultHttpRoute.auth === 'none' ? noAuthorizer : jwtAuthorizer,
    });

    // WebSocket API: $connect checks the ID token itself (browsers cannot send an Authorization header).
    this.webSocketApi = new WebSocketApi(this, 'WebSocketApi', {
      apiName: `${APP_NAME}-${config.stage}-ws`,
      routeSelectionExpression: websocketRouteSelectionExpression,
    });
    for (const route of websocketRoutes) {
      const name = functionName(route.fn);
      this.webSocketApi.addRoute(route.routeKey, {
        integration: new WebSocketLambdaIntegration(`${name}-integration`, fn(name)),
      });
    }
    this.webSocketStage = new WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: config.stage,
      autoDeploy: true,
    });
    // Only the function that replies through @connections may post to connections, and only on this stage.
    const wsMessage = fn('ws-message');
    wsMessage.addEnvironment('WS_MANAGEMENT_ENDPOINT', this.webSocketStage.callbackUrl);
    this.webSocketStage.grantManagementApiAccess(wsMessage);

    // Table access, least privilege: only what each function's code does.
    table.grantReadData(fn('health'));
    table.grantReadWriteData(fn('me'));
    table.grantReadWriteData(fn('workspaces'));
    table.grantReadWriteData(fn('projects'));
    table.grantReadWriteData(fn('tasks'));
    table.grantReadWriteData(fn('subtasks'));
    table.grantReadWriteData(fn('comments'));
    table.grantReadWriteData(fn('sprints'));
    table.grantReadWriteData(fn('goals'));
    table.grantReadData(fn('export'));
    table.grantWriteData(fn('ws-connect'));
    table.grantWriteData(fn('ws-disconnect'));
    // Deletes what a removed project, workspace or label leaves behind, and rewrites tasks' labelIds.
    table.grantReadWriteData(fn('cleanup'));

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

    // Email queue → email worker → SES.
    const source = functions['email-worker'].queue;
    if (source.queue !== 'email')
      throw new Error(`email-worker reads queue "${source.queue}", not the email queue`);
    const worker = fn('email-worker');
    worker.addEventSource(
      new SqsEventSource(emailQueue, {
        batchSize: source.batchSize,
        maxBatchingWindow: Duration.seconds(source.maxBatchingWindowSeconds),
        reportBatchItemFailures: source.reportBatchItemFailures,
      }),
    );
    worker.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
        // Any verified identity may be a recipient (in the SES sandbox), but the sender is always ours.
        conditions: { StringEquals: { 'ses:FromAddress': config.mailFrom } },
      }),
    );

    new CfnOutput(this, 'ApiUrl', { value: `${this.httpApi.apiEndpoint}/api` });
    new CfnOutput(this, 'WebSocketUrl', { value: this.webSocketStage.url });
  }
}
