/**
 * The parts of a stage that issue 5 added around the APIs: web hosting (CloudFront + S3), operations (dashboard,
 * alarms, topic), schedules, API access logs and throttling, prod retention, and the security review (cdk-nag
 * AwsSolutions plus CDK's built-in CloudFormation validation) on the synth of every stage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { CfnQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import {
  physicalFunctionName,
  queueName,
  queues,
  streamFailureQueueName,
  table,
  type QueueName,
} from '../definitions.ts';
import { functions, type FunctionDefinition, type FunctionName } from '../functions.ts';
import { SPA_REWRITE_CODE, WEB_PLACEHOLDER } from '../stacks/web-stack.ts';
import { addSecurityChecks } from '../stacks/teamflow.ts';
import {
  cdkContext,
  findings,
  only,
  projectRoot,
  resources,
  synthStage,
  type Resource,
  type Synthesized,
} from './synth.ts';

const STAGES = ['dev', 'staging', 'prod'] as const;
const synthesized = new Map<string, Synthesized>();
const stage = (name: (typeof STAGES)[number]): Synthesized => synthesized.get(name) as Synthesized;

beforeAll(() => {
  for (const name of STAGES) synthesized.set(name, synthStage(name));
});

describe('security review and template validation', () => {
  test.each(STAGES)(
    'stage %s synthesizes with no unacknowledged cdk-nag finding and no validation finding',
    (name) => {
      // synthStage would have thrown on any error; warnings (e.g. AwsSolutions-COG2) only show in the report.
      expect(findings(stage(name).report)).toEqual([]);
    },
  );

  /** A stack that breaks both rule sets: a queue without DLQ or TLS policy, and a retention SQS does not allow. */
  function synthCanary(context: Record<string, unknown>): { error?: Error; report: string } {
    const app = new App({ context: { ...cdkContext, ...context } });
    addSecurityChecks(app);
    const stack = new Stack(app, 'Canary', { env: { region: 'eu-west-1' } });
    new CfnQueue(stack, 'Queue', { messageRetentionPeriod: 10 });
    let error: Error | undefined;
    let directory = app.outdir;
    try {
      directory = app.synth().directory;
    } catch (e) {
      error = e as Error;
    }
    return { error, report: fs.readFileSync(path.join(directory, 'validation-report.json'), 'utf8') };
  }

  test('a new finding fails the synth: cdk-nag and CloudFormation validation both run, as errors', () => {
    expect(cdkContext['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
    const { error } = synthCanary({});
    expect(error?.message).toMatch(/AwsSolutions-SQS3/);
    expect(error?.message).toMatch(/AwsSolutions-SQS4/);
    // The built-in validation (aws-cdk-lib's CloudFormation Validate plugin, rule F3034: below the minimum).
    expect(error?.message).toMatch(/MessageRetentionPeriod: 10 is less than the minimum of 60/);
  });

  test('without validateAgainstDefaultRules the CloudFormation findings would only be warnings', () => {
    const { report } = synthCanary({ '@aws-cdk/core:validateAgainstDefaultRules': false });
    const parsed = JSON.parse(report) as {
      pluginReports: Array<{ pluginName: string; violations: Array<{ severity: string }> }>;
    };
    const cfn = parsed.pluginReports.find((p) => p.pluginName === 'CloudFormation Validate');
    expect(cfn?.violations.map((v) => v.severity)).toEqual(['warning']);
  });

  test('an acknowledgement is narrow: it silences one rule on one construct', () => {
    const app = new App({ context: { ...cdkContext } });
    addSecurityChecks(app);
    const stack = new Stack(app, 'Canary', { env: { region: 'eu-west-1' } });
    const acknowledged = new Queue(stack, 'Acknowledged', { enforceSSL: true });
    new Queue(stack, 'Other', { enforceSSL: true });
    Validations.of(acknowledged).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'test' });
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('AwsSolutions-SQS3');
    expect(message).toContain('Canary/Other/Resource');
    expect(message).not.toContain('Canary/Acknowledged');
  });
});

describe('Web stack', () => {
  test('the site bucket is private, encrypted and TLS-only, and prod keeps it', () => {
    const { web } = stage('dev');
    const [bucketId, bucket] = only(web, 'AWS::S3::Bucket');
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
    });
    web.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          // Only CloudFront, only this distribution (origin access control).
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    expect(only(stage('prod').web, 'AWS::S3::Bucket')[1].DeletionPolicy).toBe('Retain');
    expect(bucket.DeletionPolicy).toBe('Delete');
  });

  function distributionConfig(template: Template) {
    return only(template, 'AWS::CloudFront::Distribution')[1].Properties.DistributionConfig as {
      DefaultCacheBehavior: Record<string, unknown>;
      CacheBehaviors: Array<Record<string, unknown>>;
      Origins: Array<Record<string, unknown>>;
      CustomErrorResponses?: unknown;
      DefaultRootObject: string;
    };
  }

  test('CloudFront reads the bucket through origin access control, over HTTPS', () => {
    const { web } = stage('dev');
    const [oacId] = only(web, 'AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
      }),
    });
    const config = distributionConfig(web);
    const s3Origin = config.Origins.find((o) => o.S3OriginConfig !== undefined);
    expect(s3Origin).toMatchObject({ OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] } });
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
  });

  test('/api/* goes to the HTTP API uncached, with every viewer header but Host, all methods', () => {
    const { web } = stage('dev');
    const config = distributionConfig(web);
    expect(config.CacheBehaviors).toHaveLength(1);
    const api = config.CacheBehaviors[0] as Record<string, unknown>;
    expect(api).toMatchObject({
      PathPattern: '/api/*',
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      ViewerProtocolPolicy: 'https-only',
    });
    const origin = config.Origins.find((o) => o.Id === api.TargetOriginId) as Record<string, unknown>;
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only' });
    // The API's own execute-api host name, from the Api stack.
    expect(JSON.stringify(origin.DomainName)).toContain('.execute-api.');
    expect(JSON.stringify(origin.DomainName)).toContain('HttpApi');
  });

  test('the SPA fallback is a viewer-request function on the default behaviour, not error responses', () => {
    const { web } = stage('dev');
    const [functionId, fn] = only(web, 'AWS::CloudFront::Function');
    expect(fn.Properties).toMatchObject({
      FunctionCode: SPA_REWRITE_CODE,
      FunctionConfig: expect.objectContaining({ Runtime: 'cloudfront-js-2.0' }),
      AutoPublish: true,
    });
    const config = distributionConfig(web);
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
    ]);
    expect(config.CacheBehaviors[0]?.FunctionAssociations).toBeUndefined();
    // Error responses would also turn the API's 403/404 into index.html.
    expect(config.CustomErrorResponses).toBeUndefined();
  });

  test('the SPA function sends extension-less paths to /index.html and files through', () => {
    // The function is plain cloudfront-js: run it as CloudFront would.
    const handler = new Function(`${SPA_REWRITE_CODE}; return handler;`)() as (event: {
      request: { uri: string };
    }) => { uri: string };
    const rewrite = (uri: string) => handler({ request: { uri } }).uri;
    expect(rewrite('/')).toBe('/index.html');
    expect(rewrite('/w/01HX/board')).toBe('/index.html');
    expect(rewrite('/assets/index-3f2a1b.js')).toBe('/assets/index-3f2a1b.js');
    expect(rewrite('/config.json')).toBe('/config.json');
    expect(rewrite('/v1.2/settings')).toBe('/index.html');
  });

  test('every response carries the security headers, with the CSP the app needs', () => {
    const { web, config } = stage('dev');
    const [policyId, policy] = only(web, 'AWS::CloudFront::ResponseHeadersPolicy');
    const security = (policy.Properties.ResponseHeadersPolicyConfig as { SecurityHeadersConfig: object })
      .SecurityHeadersConfig as Record<string, Record<string, unknown>>;
    expect(security).toMatchObject({
      StrictTransportSecurity: {
        AccessControlMaxAgeSec: 63_072_000,
        IncludeSubdomains: true,
        Override: true,
      },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ContentTypeOptions: { Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
    });
    const csp = JSON.stringify(security.ContentSecurityPolicy?.ContentSecurityPolicy);
    for (const directive of [
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: https:",
      "frame-ancestors 'none'",
      `connect-src 'self' https://cognito-idp.${config.region}.amazonaws.com wss://`,
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).toContain('WebSocketApi'); // the wss:// host is the WebSocket API's
    const behaviours = distributionConfig(web);
    for (const behaviour of [behaviours.DefaultCacheBehavior, ...behaviours.CacheBehaviors])
      expect(behaviour.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
  });

  test('the SPA and config.json are deployed: hashed assets cached a year, the shell not cached', () => {
    const { web, stacks } = stage('dev');
    expect(stacks.web.siteDirectory).toBe(path.join(projectRoot, WEB_PLACEHOLDER));
    const deployments = resources(web, 'Custom::CDKBucketDeployment');
    expect(deployments).toHaveLength(2);
    const [assetsId, assets] = deployments.find(
      ([, d]) => d.Properties.DestinationBucketKeyPrefix === 'assets/',
    )!;
    expect(assets.Properties).toMatchObject({
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    const [, shell] = deployments.find(([id]) => id !== assetsId)!;
    expect(shell.Properties).toMatchObject({
      Prune: true,
      Exclude: ['assets/*'],
      SystemMetadata: { 'cache-control': 'no-cache' },
      DistributionPaths: ['/*'],
    });
    expect(shell.Properties.DistributionId).toBeDefined();
    expect(shell.DependsOn).toEqual(expect.arrayContaining([assetsId]));
    // config.json is made from the other stacks' outputs, with exactly the keys the web app reads (WebConfig).
    const { assembly } = stage('dev');
    const configFiles = fs
      .readdirSync(assembly)
      .map((entry) => path.join(assembly, entry, 'config.json'))
      .filter((file) => fs.existsSync(file));
    expect(configFiles).toHaveLength(1);
    const webConfig = JSON.parse(fs.readFileSync(configFiles[0] as string, 'utf8')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(webConfig).sort()).toEqual(
      ['apiUrl', 'cognitoEndpoint', 'region', 'userPoolClientId', 'userPoolId', 'wsUrl'].sort(),
    );
    expect(webConfig).toMatchObject({ region: 'eu-west-1', cognitoEndpoint: null });
    expect(webConfig.apiUrl).toMatch(/^https:\/\/.*\/api$/);
    // The other values are deploy-time tokens, filled in by the deployment from these references.
    const markers = JSON.stringify(shell.Properties.SourceMarkers);
    for (const reference of ['UserPool', 'WebClient', 'WebSocketApi', 'Distribution'])
      expect(markers).toContain(reference);
  });

  test('outputs: the web URL, the distribution and the bucket', () => {
    expect(Object.keys(stage('dev').web.findOutputs('*'))).toEqual(
      expect.arrayContaining(['WebUrl', 'DistributionId', 'SiteBucketName']),
    );
  });
});

describe('Ops stack', () => {
  const alarmsOf = (template: Template) => resources(template, 'AWS::CloudWatch::Alarm');
  /** The one metric an alarm watches (a labelled metric is rendered in the `Metrics` form). */
  const metricOf = (alarm: Resource) => {
    const single = alarm.Properties.Metrics as
      | Array<{ MetricStat: { Metric: { MetricName: string; Namespace: string; Dimensions: unknown } } }>
      | undefined;
    const props = alarm.Properties as { MetricName?: string; Namespace?: string; Dimensions?: unknown };
    return single?.length === 1 ? (single[0] as (typeof single)[0]).MetricStat.Metric : props;
  };

  test('one dashboard per stage, with the API, functions, table, stream, queues and WebSocket', () => {
    const { ops } = stage('dev');
    const [, dashboard] = only(ops, 'AWS::CloudWatch::Dashboard', { DashboardName: 'teamflow-dev' });
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const metric of [
      'AWS/ApiGateway',
      '4xx',
      '5xx',
      'p50',
      'p95',
      'p99',
      'Errors',
      'Throttles',
      'Duration',
      'ConcurrentExecutions',
      'ConsumedReadCapacityUnits',
      'ReadThrottleEvents',
      'IteratorAge',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'ConnectCount',
      'MessageCount',
      'FramesSent',
      'ConnectionsGone',
    ]) {
      expect(body).toContain(metric);
    }
  });

  test.each(STAGES)('%s: every dead-letter queue has one alarm on its first message', (name) => {
    const { data, api, ops } = stage(name);
    // The dead-letter queues as the templates use them: redrive targets of queues, on-failure destinations of
    // the stream mappings, dead-letter targets of the schedule rules. Found by logical id in Data or Api.
    const queueIds = [...resources(data, 'AWS::SQS::Queue'), ...resources(api, 'AWS::SQS::Queue')].map(
      ([id]) => id,
    );
    const mentioned = (value: unknown) => {
      const text = JSON.stringify(value ?? null);
      return queueIds.filter((id) => text.includes(`"${id}"`) || text.includes(`GetAtt${id}Arn`));
    };
    const dlqIds = new Set([
      ...resources(data, 'AWS::SQS::Queue').flatMap(([, q]) => mentioned(q.Properties.RedrivePolicy)),
      ...resources(api, 'AWS::Lambda::EventSourceMapping').flatMap(([, m]) =>
        mentioned(m.Properties.DestinationConfig),
      ),
      ...resources(api, 'AWS::Events::Rule').flatMap(([, r]) =>
        mentioned(
          (r.Properties.Targets as Array<{ DeadLetterConfig?: unknown }>).map((t) => t.DeadLetterConfig),
        ),
      ),
    ]);
    // Every queue of the definition has its DLQ; the stream failures and the schedules have theirs.
    const dlqNames = [
      ...(Object.keys(queues) as QueueName[]).map((queue) => queueName(name, queue, true)),
      streamFailureQueueName(name),
      `teamflow-${name}-schedule-dlq`,
    ];
    const named = [...resources(data, 'AWS::SQS::Queue'), ...resources(api, 'AWS::SQS::Queue')]
      .filter(([, q]) => dlqNames.includes(q.Properties.QueueName as string))
      .map(([id]) => id);
    expect([...dlqIds].sort()).toEqual(named.sort());

    const depthAlarms = alarmsOf(ops).filter(
      ([, a]) => metricOf(a).MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(depthAlarms).toHaveLength(dlqIds.size);
    for (const [, alarm] of depthAlarms) {
      expect(metricOf(alarm).Namespace).toBe('AWS/SQS');
      expect(alarm.Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
    // Each DLQ is watched by exactly one of them (its QueueName, by a reference into the Data or Api stack).
    for (const id of dlqIds) {
      const watching = depthAlarms.filter(([, a]) =>
        JSON.stringify(metricOf(a).Dimensions).includes(`GetAtt${id}QueueName`),
      );
      expect([id, watching.length]).toEqual([id, 1]);
    }
  });

  test('alarms: 5xx rate, iterator age per stream function, errors and throttles per function', () => {
    const { ops } = stage('dev');
    const names = alarmsOf(ops).map(([, a]) => a.Properties.AlarmName as string);
    expect(names).toContain('teamflow-dev-http-5xx-rate');
    expect(names).toContain('teamflow-dev-table-throttles');
    const [, framesFailed] = only(ops, 'AWS::CloudWatch::Alarm', {
      AlarmName: 'teamflow-dev-broadcast-frames-failed',
    });
    // The metric the broadcast publishes (Powertools: the stage's namespace, the service dimension).
    expect(metricOf(framesFailed)).toMatchObject({
      Namespace: 'TeamFlow/dev',
      MetricName: 'FramesFailed',
      Dimensions: [{ Name: 'service', Value: 'teamflow' }],
    });
    const streamFns = (Object.keys(functions) as FunctionName[]).filter(
      (name) => 'stream' in functions[name],
    );
    for (const name of streamFns) expect(names).toContain(`teamflow-dev-${name}-iterator-age`);
    for (const name of [...Object.keys(functions), 'post-confirmation']) {
      expect(names).toContain(`teamflow-dev-${name}-errors`);
      expect(names).toContain(`teamflow-dev-${name}-throttles`);
    }
  });

  test('every alarm notifies the encrypted, TLS-only topic', () => {
    const { ops } = stage('dev');
    const [topicId, topic] = only(ops, 'AWS::SNS::Topic');
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    ops.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    // CloudWatch may use the key (an alarm cannot publish to a topic whose key it cannot use).
    ops.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Effect: 'Allow' }),
        ]),
      },
    });
    for (const [, alarm] of alarmsOf(ops)) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  test('the topic emails the alarm address only when the stage sets one', () => {
    expect(resources(stage('dev').ops, 'AWS::SNS::Subscription')).toHaveLength(0);
    const stages = cdkContext.stages as Record<string, object>;
    const withEmail = synthStage('dev', {
      stages: { ...stages, dev: { ...stages.dev, alarmEmail: 'ops@example.org' } },
    });
    const [, subscription] = only(withEmail.ops, 'AWS::SNS::Subscription');
    expect(subscription.Properties).toMatchObject({ Protocol: 'email', Endpoint: 'ops@example.org' });
    expect(findings(withEmail.report)).toEqual([]);
  });
});

describe('Api stack additions', () => {
  const scheduled = (Object.entries(functions) as Array<[FunctionName, FunctionDefinition]>).filter(
    ([, definition]) => definition.schedule !== undefined,
  );

  test('one EventBridge rule per scheduled function, with retries, a max event age and a DLQ', () => {
    const { api } = stage('dev');
    expect(scheduled.length).toBeGreaterThan(0);
    const rules = resources(api, 'AWS::Events::Rule').filter(([, r]) => r.Properties.ScheduleExpression);
    expect(rules).toHaveLength(scheduled.length);
    const [dlqId] = only(api, 'AWS::SQS::Queue', { QueueName: 'teamflow-dev-schedule-dlq' });
    for (const [name, definition] of scheduled) {
      const [fnId] = only(api, 'AWS::Lambda::Function', { FunctionName: physicalFunctionName('dev', name) });
      const [, rule] = only(api, 'AWS::Events::Rule', {
        ScheduleExpression: definition.schedule?.expression,
      });
      expect(rule.Properties).toMatchObject({
        State: 'ENABLED',
        Description: definition.schedule?.description,
        Targets: [
          {
            Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 7200 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          },
        ],
      });
      api.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
        Principal: 'events.amazonaws.com',
      });
    }
    api.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'teamflow-dev-schedule-dlq',
      SqsManagedSseEnabled: true,
    });
  });

  test.each([
    ['HTTP', 'Http'],
    ['WEBSOCKET', 'WebSocket'],
  ])(
    'the %s API stage is throttled per stage and logs JSON to a log group with the stage retention',
    (protocol, name) => {
      for (const stageName of ['dev', 'prod'] as const) {
        const { api, config } = stage(stageName);
        const [apiId] = only(api, 'AWS::ApiGatewayV2::Api', { ProtocolType: protocol });
        const [, apiStage] = only(api, 'AWS::ApiGatewayV2::Stage', { ApiId: { Ref: apiId } });
        const [logGroupId, logGroup] = only(api, 'AWS::Logs::LogGroup', {
          LogGroupName: `/aws/apigateway/teamflow-${stageName}-${name.toLowerCase()}`,
        });
        expect(logGroup.Properties.RetentionInDays).toBe(config.logRetentionDays);
        expect(logGroup.DeletionPolicy).toBe(config.retainData ? 'Retain' : 'Delete');
        expect(apiStage.Properties).toMatchObject({
          AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
          DefaultRouteSettings: {
            ThrottlingRateLimit: config.apiThrottle.rateLimit,
            ThrottlingBurstLimit: config.apiThrottle.burstLimit,
          },
        });
        const format = JSON.parse(
          (apiStage.Properties.AccessLogSettings as { Format: string }).Format,
        ) as Record<string, string>;
        expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
      }
    },
  );

  test('no function role uses a managed policy or a table index wildcard', () => {
    for (const template of [stage('prod').api, stage('prod').auth]) {
      for (const [, fn] of resources(template, 'AWS::Lambda::Function')) {
        if (!String(fn.Properties.FunctionName ?? '').startsWith('teamflow-')) continue;
        const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        const role = template.findResources('AWS::IAM::Role')[roleId] as Resource;
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        const policies = resources(template, 'AWS::IAM::Policy', { Roles: [{ Ref: roleId }] });
        expect(JSON.stringify(policies)).not.toContain('/index/*');
        expect(JSON.stringify(policies)).not.toContain('dynamodb:Scan');
      }
    }
  });
});

describe('prod keeps its data', () => {
  test('table, attachments bucket and site bucket are retained; the table is deletion-protected', () => {
    const prod = stage('prod');
    const [, table] = only(prod.data, 'AWS::DynamoDB::Table');
    expect(table).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: expect.objectContaining({ DeletionProtectionEnabled: true }),
    });
    for (const template of [prod.data, prod.web]) {
      const [, bucket] = only(template, 'AWS::S3::Bucket');
      expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
    // No stage that keeps data empties its buckets on deletion.
    expect(resources(prod.data, 'Custom::S3AutoDeleteObjects')).toHaveLength(0);
    expect(resources(prod.web, 'Custom::S3AutoDeleteObjects')).toHaveLength(0);
    const { data, web } = stage('dev');
    expect(only(data, 'AWS::DynamoDB::Table')[1].DeletionPolicy).toBe('Delete');
    expect(only(web, 'AWS::S3::Bucket')[1].DeletionPolicy).toBe('Delete');
  });

  test('prod stacks have termination protection; dev stacks do not', () => {
    const manifest = (name: string) =>
      JSON.parse(fs.readFileSync(path.join(stage(name as 'dev').assembly, 'manifest.json'), 'utf8')) as {
        artifacts: Record<string, { type: string; properties?: { terminationProtection?: boolean } }>;
      };
    const protection = (name: string) =>
      Object.values(manifest(name).artifacts)
        .filter((a) => a.type === 'aws:cloudformation:stack')
        .map((a) => a.properties?.terminationProtection ?? false);
    expect(protection('prod').length).toBeGreaterThan(0);
    expect(protection('prod').every(Boolean)).toBe(true);
    expect(protection('dev').some(Boolean)).toBe(false);
  });
});

describe('every stage', () => {
  const templates = (s: Synthesized) => [s.data, s.auth, s.api, s.web, s.ops];

  test.each(STAGES)('%s: the table has point-in-time recovery, TTL and its stream', (name) => {
    const [, resource] = only(stage(name).data, 'AWS::DynamoDB::Table');
    expect(resource.Properties).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
      StreamSpecification: { StreamViewType: table.stream },
    });
  });

  test.each(STAGES)('%s: every bucket blocks all public access', (name) => {
    const buckets = templates(stage(name)).flatMap((t) => resources(t, 'AWS::S3::Bucket'));
    expect(buckets.length).toBeGreaterThan(0);
    for (const [, bucket] of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
  });

  test.each(STAGES)(
    '%s: table, buckets and user pool are kept and protected exactly when the stage keeps data',
    (name) => {
      const s = stage(name);
      const keep = s.config.retainData;
      const policy = keep ? 'Retain' : 'Delete';
      const [, tableResource] = only(s.data, 'AWS::DynamoDB::Table');
      expect([tableResource.DeletionPolicy, tableResource.UpdateReplacePolicy]).toEqual([policy, policy]);
      expect(tableResource.Properties.DeletionProtectionEnabled).toBe(keep);
      for (const [, bucket] of templates(s).flatMap((t) => resources(t, 'AWS::S3::Bucket')))
        expect([bucket.DeletionPolicy, bucket.UpdateReplacePolicy]).toEqual([policy, policy]);
      const [, pool] = only(s.auth, 'AWS::Cognito::UserPool');
      expect(pool.DeletionPolicy).toBe(policy);
      expect(pool.Properties.DeletionProtection).toBe(keep ? 'ACTIVE' : 'INACTIVE');
      const manifest = JSON.parse(fs.readFileSync(path.join(s.assembly, 'manifest.json'), 'utf8')) as {
        artifacts: Record<string, { type: string; properties?: { terminationProtection?: boolean } }>;
      };
      const stacks = Object.values(manifest.artifacts).filter((a) => a.type === 'aws:cloudformation:stack');
      expect(stacks.length).toBeGreaterThan(0);
      for (const artifact of stacks) expect(artifact.properties?.terminationProtection ?? false).toBe(keep);
    },
  );
});
