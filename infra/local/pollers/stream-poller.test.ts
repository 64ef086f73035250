import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import {
  expiredPrefix,
  interpretStreamResponse,
  planAfterResult,
  retryDelayMs,
  toLambdaRecord,
  type BatchResult,
} from './stream-poller.ts';

const STREAM_ARN =
  'arn:aws:dynamodb:ddblocal:000000000000:table/teamflow-test/stream/2026-01-01T00:00:00.000';
const seqs = ['100', '200', '300', '400'];

describe('interpretStreamResponse (ReportBatchItemFailures success and failure conditions)', () => {
  it.each([
    ['no response', undefined],
    ['a null response', null],
    ['an empty response', {}],
    ['a null batchItemFailures list', { batchItemFailures: null }],
    ['an empty batchItemFailures list', { batchItemFailures: [] }],
  ])('%s is a complete success', (_label, response) => {
    expect(interpretStreamResponse(seqs, response)).toEqual({ kind: 'success' });
  });

  it('the lowest reported sequence number is where processing resumes', () => {
    const response = { batchItemFailures: [{ itemIdentifier: '400' }, { itemIdentifier: '200' }] };
    expect(interpretStreamResponse(seqs, response)).toEqual({ kind: 'partial', failedIndex: 1 });
  });

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a bad key name', { batchItemFailures: [{ itemId: '200' }] }],
    ['an identifier not in the batch', { batchItemFailures: [{ itemIdentifier: '999' }] }],
    [
      'a valid and an invalid identifier',
      { batchItemFailures: [{ itemIdentifier: '200' }, { itemIdentifier: 'x' }] },
    ],
    ['batchItemFailures that is not a list', { batchItemFailures: { itemIdentifier: '200' } }],
  ])('%s is a complete failure', (_label, response) => {
    expect(interpretStreamResponse(seqs, response)).toMatchObject({ kind: 'failure' });
  });
});

describe('planAfterResult', () => {
  const failure: BatchResult = { kind: 'failure', reason: 'Error: boom' };
  const noBisect = { retryAttempts: 2, bisectBatchOnError: false };
  const bisect = { retryAttempts: 2, bisectBatchOnError: true };

  it('a success processes the whole batch', () => {
    expect(planAfterResult(4, 0, { kind: 'success' }, noBisect)).toEqual({ succeeded: 4, retry: [] });
  });

  it('a partial failure checkpoints before the failed record and retries from it', () => {
    expect(planAfterResult(4, 0, { kind: 'partial', failedIndex: 2 }, noBisect)).toEqual({
      succeeded: 2,
      retry: [{ start: 2, end: 4, attempts: 1 }],
    });
    // With bisect on, AWS splits at the returned sequence number: the same plan.
    expect(planAfterResult(4, 0, { kind: 'partial', failedIndex: 2 }, bisect)).toEqual({
      succeeded: 2,
      retry: [{ start: 2, end: 4, attempts: 1 }],
    });
  });

  it('a partial failure on the first record spends a retry, then gives up on the rest of the batch', () => {
    expect(planAfterResult(3, 1, { kind: 'partial', failedIndex: 0 }, noBisect)).toEqual({
      succeeded: 0,
      retry: [{ start: 0, end: 3, attempts: 2 }],
    });
    expect(planAfterResult(3, 2, { kind: 'partial', failedIndex: 0 }, noBisect)).toEqual({
      succeeded: 0,
      retry: [],
      discard: { start: 0, end: 3 },
    });
  });

  it('without retries, the records from the failed one on are given up at once', () => {
    const policy = { retryAttempts: 0, bisectBatchOnError: false };
    expect(planAfterResult(4, 0, { kind: 'partial', failedIndex: 1 }, policy)).toEqual({
      succeeded: 1,
      retry: [],
      discard: { start: 1, end: 4 },
    });
    expect(planAfterResult(4, 0, failure, policy)).toEqual({
      succeeded: 0,
      retry: [],
      discard: { start: 0, end: 4 },
    });
  });

  it('a failed batch is retried whole until retryAttempts is spent', () => {
    expect(planAfterResult(4, 0, failure, noBisect)).toEqual({
      succeeded: 0,
      retry: [{ start: 0, end: 4, attempts: 1 }],
    });
    expect(planAfterResult(4, 1, failure, noBisect)).toEqual({
      succeeded: 0,
      retry: [{ start: 0, end: 4, attempts: 2 }],
    });
    expect(planAfterResult(4, 2, failure, noBisect)).toEqual({
      succeeded: 0,
      retry: [],
      discard: { start: 0, end: 4 },
    });
  });

  it('retryAttempts -1 retries forever', () => {
    const forever = { retryAttempts: -1, bisectBatchOnError: false };
    expect(planAfterResult(2, 10_000, failure, forever).retry).toEqual([
      { start: 0, end: 2, attempts: 10_001 },
    ]);
  });

  it('bisects a failed batch into halves without spending a retry', () => {
    expect(planAfterResult(5, 0, failure, bisect)).toEqual({
      succeeded: 0,
      retry: [
        { start: 0, end: 3, attempts: 0 },
        { start: 3, end: 5, attempts: 0 },
      ],
    });
    expect(planAfterResult(2, 1, failure, bisect).retry).toEqual([
      { start: 0, end: 1, attempts: 1 },
      { start: 1, end: 2, attempts: 1 },
    ]);
  });

  it('a single failing record cannot be bisected: it spends retries, then is given up', () => {
    expect(planAfterResult(1, 0, failure, bisect)).toEqual({
      succeeded: 0,
      retry: [{ start: 0, end: 1, attempts: 1 }],
    });
    expect(planAfterResult(1, 2, failure, bisect)).toEqual({
      succeeded: 0,
      retry: [],
      discard: { start: 0, end: 1 },
    });
  });

  it('isolates a poison record by bisecting, then retrying it alone (simulation)', () => {
    // Records 0..7, record 5 always makes the handler throw; retryAttempts 1.
    const policy = { retryAttempts: 1, bisectBatchOnError: true };
    const queue: Array<{ records: number[]; attempts: number }> = [
      { records: [0, 1, 2, 3, 4, 5, 6, 7], attempts: 0 },
    ];
    const processed: number[] = [];
    const discarded: number[] = [];
    let invocations = 0;
    while (queue.length > 0) {
      const batch = queue.shift()!;
      invocations++;
      const result: BatchResult = batch.records.includes(5) ? failure : { kind: 'success' };
      const plan = planAfterResult(batch.records.length, batch.attempts, result, policy);
      processed.push(...batch.records.slice(0, plan.succeeded));
      if (plan.discard) discarded.push(...batch.records.slice(plan.discard.start, plan.discard.end));
      queue.unshift(
        ...plan.retry.map((r) => ({ records: batch.records.slice(r.start, r.end), attempts: r.attempts })),
      );
    }
    expect(processed).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(discarded).toEqual([5]);
    expect(invocations).toBe(8);
  });
});

describe('expiredPrefix', () => {
  const now = 1_700_000_000_000;
  const record = (ageSeconds: number) => ({
    dynamodb: { ApproximateCreationDateTime: now / 1000 - ageSeconds },
  });

  it('counts the leading records older than maxRecordAgeSeconds', () => {
    expect(expiredPrefix([record(120), record(90), record(30)], now, 60)).toBe(2);
    expect(expiredPrefix([record(60), record(30)], now, 60)).toBe(0);
  });

  it('-1 never expires anything', () => {
    expect(expiredPrefix([record(1_000_000)], now, -1)).toBe(0);
  });
});

describe('retryDelayMs', () => {
  it('is immediate for a fresh batch, then doubles from 200 ms up to 2 s', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(retryDelayMs)).toEqual([0, 200, 400, 800, 1600, 2000, 2000]);
  });
});

describe('toLambdaRecord', () => {
  it("takes DynamoDB Local's minute-rounded creation time as the read time, within that minute", () => {
    const raw: _Record = {
      eventName: 'INSERT',
      dynamodb: { ApproximateCreationDateTime: new Date('2026-11-22T05:09:00.000Z') },
    };
    const at = (read: string) =>
      toLambdaRecord(raw, STREAM_ARN, 'us-east-1', Date.parse(read)).dynamodb?.ApproximateCreationDateTime;
    const minute = Date.parse('2026-11-22T05:09:00.000Z') / 1000;
    expect(at('2026-11-22T05:09:30.000Z')).toBe(minute + 30);
    expect(at('2026-11-22T05:12:00.000Z')).toBe(minute + 59);
  });

  it("converts DynamoDB Local's GetRecords output to the record Lambda delivers", () => {
    const raw: _Record = {
      eventID: '2670f0d3-971b-4a54-9052-4ead110aeeec',
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: {
        ApproximateCreationDateTime: new Date('2026-11-22T05:09:00.000Z'),
        Keys: { PK: { S: 'USER#1' } },
        NewImage: {
          PK: { S: 'USER#1' },
          n: { N: '2' },
          blob: { B: new Uint8Array([1, 2, 3]) },
          tags: { SS: ['a'] },
          nested: { M: { list: { L: [{ BOOL: true }, { NULL: true }, { BS: [new Uint8Array([255])] }] } } },
        },
        OldImage: { PK: { S: 'USER#1' }, n: { N: '1' } },
        SequenceNumber: '000000000000000000002',
        SizeBytes: 28,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
    // Read within the record's own minute long after it: the time stays the minute's (no later than read).
    expect(toLambdaRecord(raw, STREAM_ARN, 'us-east-1', Date.parse('2026-11-22T05:09:00.000Z'))).toEqual({
      eventID: '2670f0d3-971b-4a54-9052-4ead110aeeec',
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: Date.parse('2026-11-22T05:09:00.000Z') / 1000,
        Keys: { PK: { S: 'USER#1' } },
        NewImage: {
          PK: { S: 'USER#1' },
          n: { N: '2' },
          blob: { B: 'AQID' },
          tags: { SS: ['a'] },
          nested: { M: { list: { L: [{ BOOL: true }, { NULL: true }, { BS: ['/w=='] }] } } },
        },
        OldImage: { PK: { S: 'USER#1' }, n: { N: '1' } },
        SequenceNumber: '000000000000000000002',
        SizeBytes: 28,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: STREAM_ARN,
    });
  });

  it('turns an empty map, which the Streams client hands over as {}, into { M: {} }', () => {
    const raw = {
      eventID: '1',
      eventName: 'INSERT',
      dynamodb: {
        Keys: { PK: { S: 'TASK#1' } },
        NewImage: { PK: { S: 'TASK#1' }, changes: {}, nested: { M: { empty: {} } } },
        SequenceNumber: '1',
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    } as unknown as _Record;
    expect(toLambdaRecord(raw, STREAM_ARN, 'us-east-1').dynamodb?.NewImage).toEqual({
      PK: { S: 'TASK#1' },
      changes: { M: {} },
      nested: { M: { empty: { M: {} } } },
    });
  });

  it('keeps the TTL service identity in Lambda casing', () => {
    const raw: _Record = {
      eventName: 'REMOVE',
      dynamodb: { Keys: { PK: { S: 'x' } }, SequenceNumber: '1' },
      userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' },
    };
    expect(toLambdaRecord(raw, STREAM_ARN, 'eu-west-1').userIdentity).toEqual({
      type: 'Service',
      principalId: 'dynamodb.amazonaws.com',
    });
  });
});
