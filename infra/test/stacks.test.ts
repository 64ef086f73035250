/**
 * The synthesized templates against the shared definitions: what the stacks create must be exactly what
 * infra/definitions.ts, infra/functions.ts and shared/routes.ts describe (the local runtime reads the same).
 * Bundling is skipped (context `aws:cdk:bundling-stacks: []`), so each stage synthesizes in about a second.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import {
  physicalFunctionName,
  queueName,
  queues,
  streamFailureQueueName,
  table,
  tableName,
  userPool,
  type QueueName,
} from '../definitions.ts';
import { functions, type FunctionName, type QueueSource, type StreamSource } from '../functions.ts';
import { stackName } from '../stacks/teamflow.ts';
import { only, projectRoot, resources, synthStage, type Resource, type Synthesized } from './synth.ts';
import { defaultHttpRoute, httpRoutes, routeKeyOf, websocketRoutes } from '../../shared/routes.ts';

/** One synth per stage, from the stage settings in cdk.json, with bundling skipped (see synth.ts). */
const synth = (stage: string): Synthesized => synthStage(stage);

/** The logical id a `{ Ref }` or `{ Fn::GetAtt: [id, attr] }` points to. */
function logicalIdOf(reference: unknown): string {
  const value = reference as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = value.Ref ?? value['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`not a reference: ${JSON.stringify(reference)}`);
  return id;
}

/** Every logical id referenced anywhere inside a value (Refs and GetAtts, also inside Fn::Join). */
function referencedIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') return record.Ref.startsWith('AWS::') ? [] : [record.Ref];
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
  return Object.values(record).flatMap(referencedIds);
}

/** The function an API Gateway integration invokes. */
function integratedFunction(template: Template, integrationId: string): string {
  const integration = template.findResources('AWS::ApiGatewayV2::Integration')[integrationId] as Resource;
  expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
  const ids = referencedIds(integration.Properties.IntegrationUri);
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

/** `integrations/<id>` as CloudFormation gets it: Fn::Join ['', ['integrations/', { Ref: id }]]. */
function integrationIdOf(target: unknown): string {
  const parts = (target as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  expect(parts[0]).toBe('integrations/');
  return logicalIdOf(parts[1]);
}

function functionLogicalId(template: Template, name: FunctionName, stage: string): string {
  return only(template, 'AWS::Lambda::Function', { FunctionName: physicalFunctionName(stage, name) })[0];
}

let dev: Synthesized;
let prod: Synthesized;

beforeAll(() => {
  dev = synth('dev');
  prod = synth('prod');
});

describe('stage wiring', () => {
  test('stacks are named TeamFlow-<stage>-<Concern> and deploy to the stage region', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dev.assembly, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; environment?: string }>;
    };
    const stacks = Object.entries(manifest.artifacts).filter(
      ([, a]) => a.type === 'aws:cloudformation:stack',
    );
    expect(stacks.map(([id]) => id).sort()).toEqual(
      ['Api', 'Auth', 'Data', 'Ops', 'Web'].map((concern) => stackName('dev', concern)).sort(),
    );
    for (const [, artifact] of stacks)
      expect(artifact.environment).toBe(`aws://unknown-account/${dev.config.region}`);
  });

  test('every taggable resource carries app=teamflow and stage=<stage>', () => {
    const tags = expect.arrayContaining([
      { Key: 'app', Value: 'teamflow' },
      { Key: 'stage', Value: 'prod' },
    ]);
    for (const type of ['AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::S3::Bucket']) {
      expect(resources(prod.data, type).length).toBeGreaterThan(0);
      for (const [, r] of resources(prod.data, type)) expect(r.Properties.Tags).toEqual(tags);
    }
    for (const [, r] of resources(prod.api, 'AWS::Lambda::Function')) expect(r.Properties.Tags).toEqual(tags);
    prod.auth.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTags: { app: 'teamflow', stage: 'prod' },
    });
  });

  test('function code is not bundled in tests: assets point at the unbundled repository', () => {
    const assets = JSON.parse(
      fs.readFileSync(path.join(dev.assembly, `${stackName('dev', 'Api')}.assets.json`), 'utf8'),
    ).files as Record<string, { displayName: string; source: { path: string } }>;
    const code = Object.values(assets).filter((a) => a.displayName.endsWith('/Code'));
    expect(code.length).toBeGreaterThan(0);
    for (const asset of code) expect(path.resolve(dev.assembly, asset.source.path)).toBe(projectRoot);
  });

  test('stack outputs: API and WebSocket URLs, pool and client ids, table and bucket names', () => {
    expect(Object.keys(dev.data.findOutputs('*'))).toEqual(
      expect.arrayContaining(['TableName', 'AttachmentsBucketName']),
    );
    expect(Object.keys(dev.auth.findOutputs('*'))).toEqual(
      expect.arrayContaining(['UserPoolId', 'UserPoolClientId']),
    );
    expect(Object.keys(dev.api.findOutputs('*'))).toEqual(expect.arrayContaining(['ApiUrl', 'WebSocketUrl']));
  });
});

describe('Data stack', () => {
  const keySchema = (pk: string, sk: string) => [
    { AttributeName: pk, KeyType: 'HASH' },
    { AttributeName: sk, KeyType: 'RANGE' },
  ];

  test('the single table has the keys, indexes, TTL, stream and recovery of the definition', () => {
    const [, resource] = only(dev.data, 'AWS::DynamoDB::Table');
    expect(resource.Properties).toMatchObject({
      TableName: tableName('dev'),
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keySchema(table.partitionKey.name, table.sortKey.name),
      TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
      StreamSpecification: { StreamViewType: table.stream },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(resource.Properties.GlobalSecondaryIndexes).toEqual(
      table.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: keySchema(index.partitionKey.name, index.sortKey.name),
        Projection: { ProjectionType: index.projection },
      })),
    );
    const keys = [
      table.partitionKey,
      table.sortKey,
      ...table.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
    ];
    expect(resource.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining(keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type }))),
    );
  });

  test('prod keeps the table (Retain + deletion protection); dev deletes it', () => {
    const [, prodTable] = only(prod.data, 'AWS::DynamoDB::Table');
    expect(prodTable.DeletionPolicy).toBe('Retain');
    expect(prodTable.UpdateReplacePolicy).toBe('Retain');
    expect(prodTable.Properties.DeletionProtectionEnabled).toBe(true);
    const [, devTable] = only(dev.data, 'AWS::DynamoDB::Table');
    expect(devTable.DeletionPolicy).toBe('Delete');
    expect(devTable.Properties.DeletionProtectionEnabled).toBe(false);
  });

  test.each(Object.keys(queues) as QueueName[])(
    'queue "%s" has its DLQ with the definition\'s redrive',
    (name) => {
      const definition = queues[name];
      const [dlqId] = only(dev.data, 'AWS::SQS::Queue', {
        QueueName: queueName('dev', name, true),
        MessageRetentionPeriod: definition.dlqRetentionDays * 86_400,
        SqsManagedSseEnabled: true,
      });
      const [queueId, queue] = only(dev.data, 'AWS::SQS::Queue', { QueueName: queueName('dev', name) });
      expect(queue.Properties).toMatchObject({
        VisibilityTimeout: definition.visibilityTimeoutSeconds,
        MessageRetentionPeriod: definition.retentionDays * 86_400,
        SqsManagedSseEnabled: true,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
          maxReceiveCount: definition.maxReceiveCount,
        },
      });
      // enforceSSL: a queue policy denying any request without TLS.
      for (const id of [queueId, dlqId]) {
        dev.data.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    },
  );

  test('the attachments bucket blocks public access, encrypts, requires TLS and allows the web origin', () => {
    const [bucketId, bucket] = only(dev.data, 'AWS::S3::Bucket');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      CorsConfiguration: {
        CorsRules: [
          { AllowedMethods: ['GET', 'PUT', 'HEAD'], AllowedOrigins: [dev.config.webUrl], MaxAge: 3000 },
        ],
      },
    });
    dev.data.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    expect(only(prod.data, 'AWS::S3::Bucket')[1].DeletionPolicy).toBe('Retain');
  });
});

describe('Auth stack', () => {
  test('the user pool signs in with email, verifies it, and runs the post-confirmation trigger', () => {
    const [, pool] = only(dev.auth, 'AWS::Cognito::UserPool');
    const postConfirmation = functionLogicalId(dev.auth, 'post-confirmation', 'dev');
    expect(pool.Properties).toMatchObject({
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      Policies: {
        PasswordPolicy: {
          MinimumLength: userPool.passwordPolicy.minimumLength,
          RequireLowercase: userPool.passwordPolicy.requireLowercase,
          RequireUppercase: userPool.passwordPolicy.requireUppercase,
          RequireNumbers: userPool.passwordPolicy.requireDigits,
          RequireSymbols: userPool.passwordPolicy.requireSymbols,
        },
      },
      LambdaConfig: { PostConfirmation: { 'Fn::GetAtt': [postConfirmation, 'Arn'] } },
    });
  });

  test("the web client has the definition's flows and token validity, and no secret", () => {
    const [, client] = only(dev.auth, 'AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: false,
      IdTokenValidity: userPool.tokenValidity.idTokenMinutes,
      AccessTokenValidity: userPool.tokenValidity.accessTokenMinutes,
      RefreshTokenValidity: userPool.tokenValidity.refreshTokenDays * 24 * 60,
    });
    expect([...(client.Properties.ExplicitAuthFlows as string[])].sort()).toEqual(
      [...userPool.explicitAuthFlows].sort(),
    );
  });

  test('the trigger may only get, put and update table items', () => {
    const [, fnResource] = only(dev.auth, 'AWS::Lambda::Function', {
      FunctionName: physicalFunctionName('dev', 'post-confirmation'),
    });
    expect(fnResource.Properties.Environment).toEqual({
      Variables: expect.objectContaining({ TABLE_NAME: 'teamflow-dev' }),
    });
    const role = logicalIdOf(fnResource.Properties.Role);
    const [, policy] = only(dev.auth, 'AWS::IAM::Policy', { Roles: [{ Ref: role }] });
    const statements = (
      policy.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }
    ).Statement;
    const dynamodb = statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('dynamodb:'));
    expect(dynamodb.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });
});

describe('Api stack', () => {
  const distinctFns = [
    ...new Set<string>([
      ...httpRoutes.map((r) => r.fn),
      defaultHttpRoute.fn,
      ...websocketRoutes.map((r) => r.fn),
    ]),
  ];

  /** The functions an event source mapping invokes: every one with a `stream` or a `queue` source. */
  const streamFns = (Object.keys(functions) as FunctionName[]).filter((name) => 'stream' in functions[name]);
  const eventFns = (Object.keys(functions) as FunctionName[]).filter(
    (name) =>
      'stream' in functions[name] ||
      'queue' in functions[name] ||
      'schedule' in functions[name] ||
      'event' in functions[name],
  );

  test('one function per distinct route function, plus the stream, queue and scheduled functions', () => {
    expect(streamFns).toEqual(expect.arrayContaining(['enqueue', 'cleanup']));
    expect(eventFns).toEqual(expect.arrayContaining(['email-worker']));
    const names = resources(dev.api, 'AWS::Lambda::Function').map(([, r]) => r.Properties.FunctionName);
    expect(names.sort()).toEqual(
      [...distinctFns, ...eventFns].map((fn) => physicalFunctionName('dev', fn as FunctionName)).sort(),
    );
  });

  test("every function: Node.js 22 on arm64, traced, the definition's memory and timeout, its own log group", () => {
    for (const template of [dev.api, dev.auth]) {
      for (const [, fn] of resources(template, 'AWS::Lambda::Function')) {
        const name = (fn.Properties.FunctionName as string).replace('teamflow-dev-', '') as FunctionName;
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          TracingConfig: { Mode: 'Active' },
          MemorySize: functions[name].memoryMb,
          Timeout: functions[name].timeoutSeconds,
          Environment: {
            Variables: expect.objectContaining({
              APP_VERSION: '1.2.3-test',
              POWERTOOLS_LOG_LEVEL: 'DEBUG',
              POWERTOOLS_SERVICE_NAME: 'teamflow',
              POWERTOOLS_METRICS_NAMESPACE: 'TeamFlow/dev',
            }),
          },
        });
        const logGroup = logicalIdOf((fn.Properties.LoggingConfig as { LogGroup: unknown }).LogGroup);
        template.hasResource('AWS::Logs::LogGroup', {
          Properties: {
            LogGroupName: `/aws/lambda/teamflow-dev-${name}`,
            RetentionInDays: dev.config.logRetentionDays,
          },
          DeletionPolicy: 'Delete',
        });
        expect(template.findResources('AWS::Logs::LogGroup')[logGroup]).toBeDefined();
      }
    }
  });

  test('every API function gets the names and URLs it reads from the environment', () => {
    for (const [, fn] of resources(dev.api, 'AWS::Lambda::Function')) {
      expect((fn.Properties.Environment as { Variables: object }).Variables).toEqual(
        expect.objectContaining({
          TABLE_NAME: tableName('dev'),
          EMAIL_QUEUE_URL: expect.anything(),
          MAIL_FROM: dev.config.mailFrom,
          WEB_URL: dev.config.webUrl,
          JWT_ISSUER: expect.anything(),
          JWT_AUDIENCE: expect.anything(),
        }),
      );
    }
  });

  test.each(httpRoutes.map((r) => [routeKeyOf(r), r] as const))(
    'route %s exists with its function and auth',
    (key, route) => {
      const [, resource] = only(dev.api, 'AWS::ApiGatewayV2::Route', { RouteKey: key });
      const integrationId = integrationIdOf(resource.Properties.Target);
      expect(dev.api.findResources('AWS::ApiGatewayV2::Integration')[integrationId]).toMatchObject({
        Properties: { PayloadFormatVersion: '2.0' },
      });
      expect(integratedFunction(dev.api, integrationId)).toBe(
        functionLogicalId(dev.api, route.fn as FunctionName, 'dev'),
      );
      if (route.auth === 'jwt') {
        const [authorizerId] = only(dev.api, 'AWS::ApiGatewayV2::Authorizer');
        expect(resource.Properties).toMatchObject({
          AuthorizationType: 'JWT',
          AuthorizerId: { Ref: authorizerId },
        });
      } else {
        expect(resource.Properties.AuthorizationType).toBe('NONE');
        expect(resource.Properties.AuthorizerId).toBeUndefined();
      }
    },
  );

  test("the HTTP API has exactly the route table's routes plus $default → not-found", () => {
    const [apiId] = only(dev.api, 'AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routes = resources(dev.api, 'AWS::ApiGatewayV2::Route', { ApiId: { Ref: apiId } });
    expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(
      [...httpRoutes.map(routeKeyOf), defaultHttpRoute.routeKey].sort(),
    );
    const [, fallback] = only(dev.api, 'AWS::ApiGatewayV2::Route', {
      ApiId: { Ref: apiId },
      RouteKey: '$default',
    });
    expect(fallback.Properties.AuthorizationType).toBe('NONE');
    expect(integratedFunction(dev.api, integrationIdOf(fallback.Properties.Target))).toBe(
      functionLogicalId(dev.api, defaultHttpRoute.fn, 'dev'),
    );
  });

  test('the JWT authorizer trusts the user pool issuer and the web client audience', () => {
    const [, authorizer] = only(dev.api, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: [expect.anything()] },
    });
    const issuer = JSON.stringify((authorizer.Properties.JwtConfiguration as { Issuer: unknown }).Issuer);
    expect(issuer).toContain(`https://cognito-idp.${dev.config.region}.amazonaws.com/`);
  });

  test('the WebSocket API routes $connect, $disconnect and $default; its stage is the stage name', () => {
    const [apiId] = only(dev.api, 'AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET' });
    for (const route of websocketRoutes) {
      const [, resource] = only(dev.api, 'AWS::ApiGatewayV2::Route', {
        ApiId: { Ref: apiId },
        RouteKey: route.routeKey,
      });
      expect(integratedFunction(dev.api, integrationIdOf(resource.Properties.Target))).toBe(
        functionLogicalId(dev.api, route.fn, 'dev'),
      );
    }
    dev.api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: apiId },
      StageName: 'dev',
      AutoDeploy: true,
    });
  });

  test('only ws-message and broadcast may post to connections, and they know the management endpoint', () => {
    const posting = resources(dev.api, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('execute-api:ManageConnections'),
    );
    const posters = (['ws-message', 'broadcast'] as const).map(
      (name) =>
        dev.api.findResources('AWS::Lambda::Function')[functionLogicalId(dev.api, name, 'dev')] as Resource,
    );
    expect(posting.map(([, p]) => p.Properties.Roles).sort()).toEqual(
      posters.map((fn) => [{ Ref: logicalIdOf(fn.Properties.Role) }]).sort(),
    );
    for (const [, policy] of posting) {
      // This API's own stage and @connections path, nothing wider.
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('/dev/*/@connections/*');
    }
    for (const fn of posters) {
      expect((fn.Properties.Environment as { Variables: object }).Variables).toHaveProperty(
        'WS_MANAGEMENT_ENDPOINT',
      );
    }
    const others = resources(dev.api, 'AWS::Lambda::Function').filter(([, f]) => !posters.includes(f));
    for (const [, fn] of others) {
      expect((fn.Properties.Environment as { Variables: object }).Variables).not.toHaveProperty(
        'WS_MANAGEMENT_ENDPOINT',
      );
    }
  });

  test.each(streamFns)(
    'the %s stream mapping filters, retries, bisects, reports item failures and has an on-failure queue',
    (name) => {
      const stream = (functions[name] as { stream: StreamSource }).stream;
      const [, mapping] = only(dev.api, 'AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: functionLogicalId(dev.api, name, 'dev') },
      });
      expect(mapping.Properties).toMatchObject({
        BatchSize: stream.batchSize,
        MaximumBatchingWindowInSeconds: stream.maxBatchingWindowSeconds,
        MaximumRetryAttempts: stream.retryAttempts,
        BisectBatchOnFunctionError: stream.bisectBatchOnError,
        MaximumRecordAgeInSeconds: stream.maxRecordAgeSeconds,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        StartingPosition: 'LATEST',
        FilterCriteria: { Filters: stream.filters.map((filter) => ({ Pattern: JSON.stringify(filter) })) },
        DestinationConfig: { OnFailure: { Destination: expect.anything() } },
      });
      // Both point into the Data stack: the table's stream and the stream-failures queue.
      expect(JSON.stringify(mapping.Properties.EventSourceArn)).toContain('StreamArn');
      expect(JSON.stringify(mapping.Properties.DestinationConfig)).toContain('streamfailures');
      dev.data.hasResourceProperties('AWS::SQS::Queue', { QueueName: streamFailureQueueName('dev') });
    },
  );

  test('the cleanup mapping passes only removed projects, workspaces, labels and attachments', () => {
    const [, mapping] = only(dev.api, 'AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionLogicalId(dev.api, 'cleanup', 'dev') },
    });
    const patterns = (
      mapping.Properties.FilterCriteria as { Filters: Array<{ Pattern: string }> }
    ).Filters.map((f) => JSON.parse(f.Pattern) as unknown);
    expect(patterns).toEqual([
      {
        eventName: ['REMOVE'],
        dynamodb: { OldImage: { type: { S: ['PROJECT', 'WORKSPACE', 'LABEL', 'ATTACHMENT'] } } },
      },
    ]);
  });

  const queueFns = (Object.keys(functions) as FunctionName[]).filter((name) => 'queue' in functions[name]);

  test.each(queueFns)(
    'the %s queue mapping reads its queue in batches of the definition and reports item failures',
    (name) => {
      const source = (functions[name] as { queue: QueueSource }).queue;
      const [, mapping] = only(dev.api, 'AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: functionLogicalId(dev.api, name, 'dev') },
      });
      expect(mapping.Properties).toMatchObject({
        BatchSize: source.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      expect(mapping.Properties.MaximumBatchingWindowInSeconds ?? 0).toBe(source.maxBatchingWindowSeconds);
      // Its own queue of the Data stack (by a reference to that queue's ARN), not its DLQ or another queue.
      const [queueId, queue] = only(dev.data, 'AWS::SQS::Queue', {
        QueueName: queueName('dev', source.queue),
      });
      expect(JSON.stringify(mapping.Properties.EventSourceArn)).toContain(`GetAtt${queueId}Arn`);
      // SQS refuses a mapping whose function may run longer than a message stays invisible.
      expect(queue.Properties.VisibilityTimeout as number).toBeGreaterThanOrEqual(
        functions[name].timeoutSeconds,
      );
    },
  );

  test('the email worker consumes the email queue, reports item failures, and may send as MAIL_FROM only', () => {
    const source = functions['email-worker'].queue;
    const worker = functionLogicalId(dev.api, 'email-worker', 'dev');
    const [, mapping] = only(dev.api, 'AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: worker } });
    expect(mapping.Properties).toMatchObject({
      BatchSize: source.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(JSON.stringify(mapping.Properties.EventSourceArn)).toContain('emailqueue');
    const role = (dev.api.findResources('AWS::Lambda::Function')[worker] as Resource).Properties.Role;
    const statements = (
      only(dev.api, 'AWS::IAM::Policy', { Roles: [{ Ref: logicalIdOf(role) }] })[1].Properties
        .PolicyDocument as {
        Statement: object[];
      }
    ).Statement;
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'ses:SendEmail',
          Condition: { StringEquals: { 'ses:FromAddress': dev.config.mailFrom } },
        }),
        expect.objectContaining({
          Action: expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']),
        }),
      ]),
    );
  });

  test('table and queue permissions go only to the functions that use them', () => {
    const actionsOf = (name: FunctionName): string[] => {
      const fn = dev.api.findResources('AWS::Lambda::Function')[
        functionLogicalId(dev.api, name, 'dev')
      ] as Resource;
      return resources(dev.api, 'AWS::IAM::Policy', {
        Roles: [{ Ref: logicalIdOf(fn.Properties.Role) }],
      }).flatMap(([, p]) =>
        (
          p.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }
        ).Statement.flatMap((s) => [s.Action].flat()),
      );
    };
    const writesTable = (actions: string[]) =>
      actions.some((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a));
    const readsTable = (actions: string[]) => actions.includes('dynamodb:GetItem');
    expect(readsTable(actionsOf('health')) && !writesTable(actionsOf('health'))).toBe(true);
    expect(readsTable(actionsOf('me')) && writesTable(actionsOf('me'))).toBe(true);
    expect(readsTable(actionsOf('cleanup')) && writesTable(actionsOf('cleanup'))).toBe(true);
    expect(readsTable(actionsOf('ws-message')) && writesTable(actionsOf('ws-message'))).toBe(true);
    expect(readsTable(actionsOf('broadcast')) && writesTable(actionsOf('broadcast'))).toBe(true);
    // The email worker reads and writes notification email batches (issue 13).
    expect(readsTable(actionsOf('email-worker')) && writesTable(actionsOf('email-worker'))).toBe(true);
    for (const name of ['not-found', 'enqueue'] as const) {
      expect(
        actionsOf(name).filter(
          (a) => a.startsWith('dynamodb:') && !/Stream|GetRecords|GetShardIterator/.test(a),
        ),
      ).toEqual([]);
    }
    const sends = (
      [
        'health',
        'me',
        'not-found',
        'ws-connect',
        'ws-disconnect',
        'ws-message',
        'enqueue',
        'email-worker',
      ] as const
    ).filter((name) => actionsOf(name).includes('sqs:SendMessage'));
    // The email worker queues a notification batch again when it grew while being sent.
    expect(sends).toEqual(['enqueue', 'email-worker']);
  });
});
