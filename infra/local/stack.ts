import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type {
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  ScheduledEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import type { WebConfig } from '#shared/config';
import { createIdTokenVerifier } from '#functions/lib/jwt';
import { functions, type FunctionName } from '../functions.ts';
import { bootstrap, type LocalResources } from './bootstrap.ts';
import { startCognito } from './emulators/cognito.ts';
import { startDynamoDb } from './emulators/dynamodb.ts';
import { startS3 } from './emulators/s3.ts';
import { startSes } from './emulators/ses.ts';
import { startSqs } from './emulators/sqs.ts';
import { LocalFunctionRuntime } from './function-runtime.ts';
import { startHttpApi } from './gateway/http-api.ts';
import { startLambdaApi } from './gateway/lambda-api.ts';
import { cacheVerifiedTokens } from './gateway/token-cache.ts';
import { startWebSocketApi } from './gateway/websocket-api.ts';
import { assertPortsFree } from './ports.ts';
import { SqsPoller } from './pollers/sqs-poller.ts';
import { LocalScheduler } from './scheduler.ts';
import { StreamPoller } from './pollers/stream-poller.ts';
import { LOCAL_CREDENTIALS, sqsEndpoint, url, type LocalSettings } from './settings.ts';
import { startWeb } from './web.ts';

/** `.teamflow/outputs.json`: the web config plus where the web app and the mailbox are, and local details. */
export interface LocalOutputs extends WebConfig {
  webUrl: string;
  mailUrl: string;
  local: {
    gatewayUrl: string;
    /** The Lambda Invoke API (`POST /2015-03-31/functions/<name>/invocations`): runs any function on demand. */
    lambdaUrl: string;
    websocketManagementEndpoint: string;
    jwtIssuer: string;
    confirmationCode: string;
    dataDir: string;
    endpoints: { dynamodb: string; sqs: string; s3: string; ses: string; cognito: string };
    resources: LocalResources;
  };
}

export interface RunningStack {
  outputs: LocalOutputs;
  stop(): Promise<void>;
}

type Log = (line: string) => void;

/**
 * How often the local stream pollers read an idle shard (the poller's default is 100 ms). The live board's
 * broadcast polls more often: its frames are what people watch arrive (Lambda's own poller reads a shard about
 * four times a second; DynamoDB Local is on this machine, so polling it often is cheap).
 */
const STREAM_POLL_INTERVAL_MS: Partial<Record<FunctionName, number>> = { broadcast: 20 };

/** A random secret kept in the data folder (so links signed with it survive a restart of the stack). */
function localSecret(settings: LocalSettings, name: string): string {
  const file = path.join(settings.dataDir, name);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(settings.dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

function functionEnvironment(
  settings: LocalSettings,
  resources: LocalResources,
  webUrl: string,
  issuer: string,
) {
  return {
    AWS_REGION: settings.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // The SDK's own per-service endpoint settings: the function code is the cloud code, unchanged.
    AWS_ENDPOINT_URL_DYNAMODB: url(settings, 'dynamodb'),
    AWS_ENDPOINT_URL_SQS: sqsEndpoint(settings),
    AWS_ENDPOINT_URL_S3: url(settings, 's3'),
    AWS_ENDPOINT_URL_SESV2: url(settings, 'ses'),
    TABLE_NAME: resources.tableName,
    ATTACHMENTS_BUCKET: resources.buckets.attachments,
    EMAIL_QUEUE_URL: resources.queues.email.url,
    AI_QUEUE_URL: resources.queues.ai.url,
    ...(settings.ai
      ? {
          AI_PROVIDER: 'openai-compatible',
          AI_BASE_URL: settings.ai.baseUrl,
          AI_MODEL: settings.ai.model,
          ...(settings.ai.apiKey ? { AI_API_KEY: settings.ai.apiKey } : {}),
        }
      : { AI_PROVIDER: 'built-in' }),
    MAIL_FROM: 'TeamFlow <no-reply@teamflow.local>',
    WEB_URL: webUrl,
    UNSUBSCRIBE_SECRET: localSecret(settings, 'unsubscribe-secret'),
    // A short batching window locally (minutes in the cloud), so a demo or a test sees its email soon.
    NOTIFICATION_EMAIL_WINDOW_SECONDS: process.env.TEAMFLOW_NOTIFICATION_EMAIL_WINDOW_SECONDS ?? '3',
    WS_MANAGEMENT_ENDPOINT: `${url(settings, 'websocket')}/${settings.stage}`,
    JWT_ISSUER: issuer,
    JWT_AUDIENCE: resources.userPoolClientId,
    APP_VERSION: process.env.npm_package_version ?? '0.0.0-local',
    POWERTOOLS_SERVICE_NAME: 'teamflow',
    POWERTOOLS_METRICS_NAMESPACE: 'TeamFlow',
    // CloudWatch is not here: EMF lines would only be noise on the console.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    POWERTOOLS_LOG_LEVEL: process.env.TEAMFLOW_LOG_LEVEL ?? 'WARN',
  };
}

/**
 * Brings the whole product up on this machine: emulators, resources, gateways, event-source pollers and the
 * web app. Everything started is stopped by stop(), in reverse order.
 */
export async function startLocalStack(
  settings: LocalSettings,
  log: Log = console.log,
): Promise<RunningStack> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((e: Error) => log(`stop failed: ${e.message}`));
  };
  try {
    await assertPortsFree(settings);
    fs.mkdirSync(path.join(settings.dataDir, 'logs'), { recursive: true });
    const runtime = new LocalFunctionRuntime(settings.root, settings.stage, settings.region);

    // The Lambda invoke endpoint first: the Cognito emulator calls it when someone confirms.
    const lambdaApi = await startLambdaApi({ host: settings.host, port: settings.ports.lambda, runtime });
    stops.push(() => new Promise((r) => lambdaApi.close(() => r())));

    // allSettled, not all: when one emulator fails, the ones that did start must still be stopped.
    const started = await Promise.allSettled([
      startDynamoDb(settings),
      startCognito(settings, { PostConfirmation: runtime.physicalName('post-confirmation') }),
      startSqs(settings),
      startS3(settings),
      startSes(settings),
    ]);
    for (const result of started) if (result.status === 'fulfilled') stops.push(result.value.stop);
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;

    const clientConfig = { region: settings.region, credentials: LOCAL_CREDENTIALS };
    const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: url(settings, 'dynamodb') });
    const sqs = new SQSClient({ ...clientConfig, endpoint: sqsEndpoint(settings) });
    const s3 = new S3Client({ ...clientConfig, endpoint: url(settings, 's3'), forcePathStyle: true });
    const cognito = new CognitoIdentityProviderClient({
      ...clientConfig,
      endpoint: url(settings, 'cognito'),
    });
    const webUrl = settings.web ? url(settings, 'web') : url(settings, 'api');
    const resources = await bootstrap(
      { dynamodb, sqs, s3, cognito },
      { stage: settings.stage, webOrigin: webUrl },
    );
    const issuer = `${url(settings, 'cognito')}/${resources.userPoolId}`;
    Object.assign(process.env, functionEnvironment(settings, resources, webUrl, issuer));

    const webConfig: WebConfig = {
      apiUrl: `${webUrl}/api`,
      wsUrl: `${url(settings, 'websocket', 'ws')}/${settings.stage}`,
      region: settings.region,
      userPoolId: resources.userPoolId,
      userPoolClientId: resources.userPoolClientId,
      cognitoEndpoint: url(settings, 'cognito'),
    };
    const verifyToken = cacheVerifiedTokens(
      createIdTokenVerifier({ issuer, audience: resources.userPoolClientId }),
    );
    const httpApi = await startHttpApi({
      host: settings.host,
      port: settings.ports.api,
      runtime,
      verifyToken,
      staticJson: { '/config.json': () => webConfig },
      accessLog: process.env.TEAMFLOW_ACCESS_LOG === '0' ? undefined : (line) => log(`[api] ${line}`),
    });
    stops.push(() => new Promise((r) => httpApi.close(() => r())));
    const websocketApi = await startWebSocketApi({
      host: settings.host,
      port: settings.ports.websocket,
      stage: settings.stage,
      runtime,
      log,
    });
    stops.push(websocketApi.close);

    const streams = new DynamoDBStreamsClient({ ...clientConfig, endpoint: url(settings, 'dynamodb') });
    for (const [name, definition] of Object.entries(functions) as Array<
      [FunctionName, (typeof functions)[FunctionName]]
    >) {
      if ('stream' in definition) {
        const poller = new StreamPoller({
          functionName: runtime.physicalName(name),
          tableName: resources.tableName,
          dynamodb,
          streams,
          source: definition.stream,
          timeoutSeconds: definition.timeoutSeconds,
          pollIntervalMs: STREAM_POLL_INTERVAL_MS[name],
          // The poller invokes (fresh event copy, Context, timeout); the runtime only loads the module.
          handler: async (event: DynamoDBStreamEvent, context) =>
            (await runtime.handler<DynamoDBStreamEvent, DynamoDBBatchResponse>(name))(event, context),
          checkpointFile: path.join(settings.dataDir, 'stream-checkpoints', `${name}.json`),
          onFailure: async (failure) => {
            log(`[stream] ${name} gave up on ${failure.records.length} record(s): ${failure.reason}`);
            await sqs.send(
              new SendMessageCommand({
                QueueUrl: resources.streamFailureQueue.url,
                MessageBody: JSON.stringify({
                  requestContext: { functionArn: runtime.physicalName(name), condition: failure.reason },
                  timestamp: new Date().toISOString(),
                  DDBStreamBatchInfo: {
                    streamArn: resources.streamArn,
                    batchSize: failure.records.length,
                    startSequenceNumber: failure.records[0]?.dynamodb?.SequenceNumber,
                    endSequenceNumber: failure.records.at(-1)?.dynamodb?.SequenceNumber,
                  },
                }),
              }),
            );
          },
          logger: (msg, extra) => log(`[stream] ${msg}${extra ? ` ${JSON.stringify(extra)}` : ''}`),
        });
        await poller.start();
        stops.push(() => poller.stop());
      }
      if ('queue' in definition) {
        const queue = resources.queues[definition.queue.queue];
        const poller = new SqsPoller({
          functionName: runtime.physicalName(name),
          sqs,
          queueUrl: queue.url,
          queueArn: queue.arn,
          source: definition.queue,
          timeoutSeconds: definition.timeoutSeconds,
          region: settings.region,
          handler: async (event: SQSEvent, context) =>
            (await runtime.handler<SQSEvent, SQSBatchResponse>(name))(event, context),
          logger: (msg, extra) => log(`[sqs] ${msg}${extra ? ` ${JSON.stringify(extra)}` : ''}`),
        });
        await poller.start();
        stops.push(() => poller.stop());
      }
      if ('schedule' in definition) {
        // EventBridge's part: the function runs at the times of its schedule (UTC) while the stack is up.
        const scheduler = new LocalScheduler({
          ruleName: runtime.physicalName(name),
          schedule: definition.schedule,
          region: settings.region,
          invoke: (event: ScheduledEvent) => runtime.invoke(name, event),
          logger: (line) => log(`[schedule] ${line}`),
        });
        scheduler.start();
        stops.push(() => scheduler.stop());
      }
    }

    if (settings.web) {
      const web = await startWeb(settings);
      stops.push(web.stop);
    }

    const outputs: LocalOutputs = {
      ...webConfig,
      webUrl,
      mailUrl: url(settings, 'ses'),
      local: {
        gatewayUrl: url(settings, 'api'),
        lambdaUrl: url(settings, 'lambda'),
        websocketManagementEndpoint: `${url(settings, 'websocket')}/${settings.stage}`,
        jwtIssuer: issuer,
        confirmationCode: settings.confirmationCode,
        dataDir: settings.dataDir,
        endpoints: {
          dynamodb: url(settings, 'dynamodb'),
          sqs: url(settings, 'sqs'),
          s3: url(settings, 's3'),
          ses: url(settings, 'ses'),
          cognito: url(settings, 'cognito'),
        },
        resources,
      },
    };
    fs.writeFileSync(path.join(settings.dataDir, 'outputs.json'), `${JSON.stringify(outputs, null, 2)}\n`);
    const outputsFile = path.join(settings.dataDir, 'outputs.json');
    stops.unshift(async () => fs.rmSync(outputsFile, { force: true }));
    return { outputs, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
