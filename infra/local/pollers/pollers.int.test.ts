/**
 * The event source pollers against the real emulators, started here (not the shared test stack): DynamoDB
 * Local (Java, in memory, on a free port) and fauxqs (in this process, port 0). Each test uses its own table
 * or queues, and waits for conditions with a deadline rather than sleeping.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import type { FauxqsServer } from 'fauxqs';
import type { QueueSource, StreamSource } from '../../functions.ts';
import { startDynamoDb } from '../emulators/dynamodb.ts';
import type { RunningService } from '../emulators/process.ts';
import { freePort } from '../ports.ts';
import { settingsFromEnv } from '../settings.ts';
import { SqsPoller, type SqsPollerOptions } from './sqs-poller.ts';
import { StreamPoller, type StreamPollerOptions } from './stream-poller.ts';

const ROOT = path.resolve(__dirname, '../../..');
const REGION = 'us-east-1';
// DynamoDB Local accepts only letters and digits in access keys.
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const debug = process.env.TEAMFLOW_DEBUG_POLLERS === '1';

/**
 * fauxqs ships as ES modules only, which jest's CommonJS module registry cannot load. Node's own require can
 * (require(esm), Node >= 20.19), so it is loaded through it: still in this process, as the local stack does.
 */
function loadFauxqs(): typeof import('fauxqs') {
  const requireNative = process.getBuiltinModule('node:module').createRequire(__filename);
  return requireNative(path.join(ROOT, 'node_modules/fauxqs/dist/app.js')) as typeof import('fauxqs');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` returns a value (not undefined/false) or the deadline passes. */
async function eventually<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(50);
  }
}

let dynamoDb: RunningService | undefined;
let fauxqs: FauxqsServer | undefined;
let ddb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let sqs: SQSClient;
let tmpDir: string;
const running: Array<{ stop(): Promise<void> }> = [];

/** DynamoDB Local as the local stack starts it (the same module), on a free port with its own data folder. */
async function startDynamoDbLocal(): Promise<string> {
  const settings = settingsFromEnv(
    { TEAMFLOW_DATA_DIR: tmpDir, TEAMFLOW_DYNAMODB_PORT: String(await freePort()) },
    ROOT,
  );
  dynamoDb = await startDynamoDb(settings);
  return dynamoDb.url;
}

beforeAll(async () => {
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'teamflow-pollers-'));
  const [dynamoEndpoint, server] = await Promise.all([
    startDynamoDbLocal(),
    loadFauxqs().startFauxqs({ port: 0, logger: false }),
  ]);
  fauxqs = server;
  ddb = new DynamoDBClient({ endpoint: dynamoEndpoint, region: REGION, credentials });
  streams = new DynamoDBStreamsClient({ endpoint: dynamoEndpoint, region: REGION, credentials });
  sqs = new SQSClient({ endpoint: `http://127.0.0.1:${server.port}`, region: REGION, credentials });
}, 60_000);

afterEach(async () => {
  await Promise.allSettled(running.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  await Promise.allSettled(running.splice(0).map((p) => p.stop()));
  ddb?.destroy();
  streams?.destroy();
  sqs?.destroy();
  await Promise.allSettled([fauxqs?.stop(), dynamoDb?.stop()]);
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}, 30_000);

// ---------------------------------------------------------------------------------------------------------
// DynamoDB streams
// ---------------------------------------------------------------------------------------------------------

let tableCount = 0;

async function createTable(): Promise<{ tableName: string; streamArn: string }> {
  const tableName = `pollers-test-${++tableCount}`;
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
  return { tableName, streamArn: Table!.LatestStreamArn! };
}

async function put(
  tableName: string,
  pk: string,
  attributes: Record<string, AttributeValue> = {},
): Promise<void> {
  await ddb.send(new PutItemCommand({ TableName: tableName, Item: { PK: { S: pk }, ...attributes } }));
}

const pk = (record: DynamoDBRecord) => record.dynamodb?.Keys?.PK?.S ?? '?';

function streamPoller(
  options: Pick<StreamPollerOptions, 'tableName' | 'handler'> &
    Partial<Omit<StreamPollerOptions, 'source'>> & { source?: Partial<StreamSource> },
): StreamPoller {
  const { source, ...rest } = options;
  const poller = new StreamPoller({
    functionName: 'pollers-test',
    dynamodb: ddb,
    streams,
    timeoutSeconds: 5,
    onFailure: async () => undefined,
    checkpointFile: path.join(tmpDir, `${options.tableName}.json`),
    pollIntervalMs: 50,
    logger: debug ? (msg, extra) => console.log(msg, extra ?? '') : () => undefined,
    ...rest,
    source: {
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 2,
      bisectBatchOnError: false,
      maxRecordAgeSeconds: -1,
      filters: [],
      reportBatchItemFailures: true,
      ...source,
    },
  });
  running.push(poller);
  return poller;
}

describe('StreamPoller with DynamoDB Local', () => {
  it('delivers matching records in the Lambda shape and never the filtered ones', async () => {
    const { tableName, streamArn } = await createTable();
    const seen: DynamoDBRecord[] = [];
    await streamPoller({
      tableName,
      source: { filters: [{ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['USER'] } } } }] },
      handler: async (event) => {
        seen.push(...event.Records);
      },
    }).start();

    await put(tableName, 'USER#1', { type: { S: 'USER' }, email: { S: 'ada@example.com' } });
    await put(tableName, 'TASK#1', { type: { S: 'TASK' } });
    await ddb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { PK: { S: 'USER#1' } },
        UpdateExpression: 'SET #n = :n',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':n': { S: 'Ada' } },
      }),
    );
    await put(tableName, 'USER#2', { type: { S: 'USER' } });

    // USER#2 comes after TASK#1 and the MODIFY in the shard: once it is seen, they have been passed over.
    await eventually('USER#2 delivered', () => seen.some((r) => pk(r) === 'USER#2'));
    expect(seen.map(pk)).toEqual(['USER#1', 'USER#2']);
    expect(seen[0]).toEqual({
      eventID: expect.any(String),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: REGION,
      eventSourceARN: streamArn,
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { PK: { S: 'USER#1' } },
        NewImage: { PK: { S: 'USER#1' }, type: { S: 'USER' }, email: { S: 'ada@example.com' } },
        SequenceNumber: expect.stringMatching(/^\d+$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    // Epoch seconds (DynamoDB Local rounds to the minute), not milliseconds or a Date.
    expect(Math.abs(seen[0]!.dynamodb!.ApproximateCreationDateTime! - Date.now() / 1000)).toBeLessThan(120);
  });

  it('retries from the reported batchItemFailure and never redelivers the records before it', async () => {
    const { tableName } = await createTable();
    // Written before the poller starts, so the first GetRecords (TRIM_HORIZON) returns them as one batch.
    for (const key of ['A', 'B', 'C']) await put(tableName, key);
    const invocations: string[][] = [];
    let failedB = false;
    await streamPoller({
      tableName,
      handler: async (event) => {
        invocations.push(event.Records.map(pk));
        const b = event.Records.find((r) => pk(r) === 'B');
        if (b && !failedB) {
          failedB = true;
          return { batchItemFailures: [{ itemIdentifier: b.dynamodb!.SequenceNumber! }] };
        }
        return { batchItemFailures: [] };
      },
    }).start();

    await eventually('B and C retried', () => invocations.length >= 2);
    await put(tableName, 'D');
    await eventually('D delivered', () => invocations.flat().includes('D'));
    expect(invocations).toEqual([['A', 'B', 'C'], ['B', 'C'], ['D']]);
  });

  it('sends an always-failing record to onFailure after bisects and retries, then moves on', async () => {
    const { tableName } = await createTable();
    for (const key of ['P', 'Q', 'R']) await put(tableName, key);
    const invocations: string[][] = [];
    const processed: string[] = [];
    const failures: Array<{ functionName: string; reason: string; records: DynamoDBRecord[] }> = [];
    await streamPoller({
      tableName,
      source: { retryAttempts: 1, bisectBatchOnError: true },
      handler: async (event) => {
        invocations.push(event.Records.map(pk));
        if (event.Records.some((r) => pk(r) === 'P')) throw new Error('poison record');
        processed.push(...event.Records.map(pk));
      },
      onFailure: async (failure) => {
        failures.push(failure);
      },
    }).start();

    await eventually('R processed', () => processed.includes('R'));
    await put(tableName, 'S');
    await eventually('S processed', () => processed.includes('S'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ functionName: 'pollers-test', reason: 'RetryAttemptsExhausted' });
    expect(failures[0]!.records.map(pk)).toEqual(['P']);
    // Split [P,Q,R] → [P,Q] + [R], [P,Q] → [P] + [Q]; [P] alone: the attempt and its one retry.
    expect(invocations).toEqual([['P', 'Q', 'R'], ['P', 'Q'], ['P'], ['P'], ['Q'], ['R'], ['S']]);
    expect(processed).toEqual(['Q', 'R', 'S']);
  });

  it('treats a handler that outlives timeoutSeconds as a failed batch and retries it', async () => {
    const { tableName } = await createTable();
    await put(tableName, 'SLOW');
    const invocations: string[][] = [];
    const failures: string[] = [];
    await streamPoller({
      tableName,
      timeoutSeconds: 1,
      handler: async (event) => {
        invocations.push(event.Records.map(pk));
        // The first invocation never settles, like a function stuck on a network call.
        if (invocations.length === 1) await new Promise<never>(() => undefined);
      },
      onFailure: async (failure) => {
        failures.push(failure.reason);
      },
    }).start();

    await eventually('the retry after the timeout', () => invocations.length >= 2);
    expect(invocations).toEqual([['SLOW'], ['SLOW']]);
    expect(failures).toEqual([]);
  });

  it('resumes after the checkpoint on restart; a new checkpoint file starts at TRIM_HORIZON', async () => {
    const { tableName, streamArn } = await createTable();
    const checkpointFile = path.join(tmpDir, 'restart', 'checkpoints.json');
    await put(tableName, 'X1');
    await put(tableName, 'X2');
    const first: string[] = [];
    const before = streamPoller({
      tableName,
      checkpointFile,
      handler: async (event) => {
        first.push(...event.Records.map(pk));
      },
    });
    await before.start();
    await eventually('X2 delivered', () => first.includes('X2'));
    await before.stop();
    const saved = JSON.parse(fs.readFileSync(checkpointFile, 'utf8')) as { streamArn: string };
    expect(saved.streamArn).toBe(streamArn);

    await put(tableName, 'X3');
    const second: string[] = [];
    await streamPoller({
      tableName,
      checkpointFile,
      handler: async (event) => {
        second.push(...event.Records.map(pk));
      },
    }).start();
    await eventually('X3 delivered after restart', () => second.includes('X3'));
    expect(first).toEqual(['X1', 'X2']);
    expect(second).toEqual(['X3']);

    const fresh: string[] = [];
    await streamPoller({
      tableName,
      checkpointFile: path.join(tmpDir, 'restart', 'fresh.json'),
      handler: async (event) => {
        fresh.push(...event.Records.map(pk));
      },
    }).start();
    await eventually('a new mapping reads from TRIM_HORIZON', () => fresh.length >= 3);
    expect(fresh).toEqual(['X1', 'X2', 'X3']);
  });
});

// ---------------------------------------------------------------------------------------------------------
// SQS
// ---------------------------------------------------------------------------------------------------------

async function createQueue(name: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

const emailSource: QueueSource = {
  queue: 'email',
  batchSize: 10,
  maxBatchingWindowSeconds: 0,
  reportBatchItemFailures: true,
};

function sqsPoller(options: Pick<SqsPollerOptions, 'queueUrl' | 'queueArn' | 'handler'>): SqsPoller {
  const poller = new SqsPoller({
    functionName: 'pollers-test-worker',
    sqs,
    source: emailSource,
    timeoutSeconds: 5,
    region: REGION,
    waitTimeSeconds: 1,
    logger: debug ? (msg, extra) => console.log(msg, extra ?? '') : () => undefined,
    ...options,
  });
  running.push(poller);
  return poller;
}

describe('SqsPoller with fauxqs', () => {
  it('leaves a failing message to the redrive policy: DLQ after maxReceiveCount receives', async () => {
    const dlq = await createQueue('pollers-redrive-dlq');
    const queue = await createQueue('pollers-redrive', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    const receiveCounts: string[] = [];
    await sqsPoller({
      queueUrl: queue.url,
      queueArn: queue.arn,
      handler: async (event) => {
        receiveCounts.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount));
        throw new Error('SES is down');
      },
    }).start();
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"kind":"welcome"}' }));

    const moved = await eventually('the message in the DLQ', async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 0 }),
      );
      return Messages?.[0];
    });
    expect(moved.Body).toBe('{"kind":"welcome"}');
    expect(receiveCounts).toEqual(['1', '2']);
  });

  it('deletes only the successful messages of a batch with a partial failure', async () => {
    const queue = await createQueue('pollers-partial', { VisibilityTimeout: '2' });
    for (const body of ['one', 'two', 'three']) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: body,
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'welcome' } },
        }),
      );
    }
    const invocations: SQSRecord[][] = [];
    await sqsPoller({
      queueUrl: queue.url,
      queueArn: queue.arn,
      handler: async (event) => {
        invocations.push(event.Records);
        const two = event.Records.find(
          (r) => r.body === 'two' && r.attributes.ApproximateReceiveCount === '1',
        );
        return { batchItemFailures: two ? [{ itemIdentifier: two.messageId }] : [] };
      },
    }).start();

    // After the first batch, 'one' and 'three' are deleted and 'two' waits out its visibility timeout.
    const left = await eventually('only the failed message left on the queue', () => {
      const state = fauxqs!.inspectQueue('pollers-partial')!;
      const bodies = [...state.messages.ready, ...state.messages.inflight.map((m) => m.message)].map(
        (m) => m.body,
      );
      return invocations.length === 1 && bodies.length === 1 && bodies;
    });
    expect(left).toEqual(['two']);

    await eventually('two redelivered and deleted', () => {
      const state = fauxqs!.inspectQueue('pollers-partial')!;
      return invocations.length === 2 && state.messages.ready.length + state.messages.inflight.length === 0;
    });
    expect(invocations.map((batch) => batch.map((r) => r.body))).toEqual([['one', 'two', 'three'], ['two']]);
    expect(invocations[1]![0]!.attributes.ApproximateReceiveCount).toBe('2');

    const first = invocations[0]![0]!;
    expect(first).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: 'one',
      attributes: expect.objectContaining({
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
      }),
      messageAttributes: {
        kind: { stringValue: 'welcome', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
      md5OfBody: createHash('md5').update('one').digest('hex'),
      md5OfMessageAttributes: expect.any(String),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: REGION,
    });
  });
});
