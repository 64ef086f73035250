import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { diffUpdate, transactWrite, writeIf } from './dynamo.ts';

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) =>
      Code === 'ConditionalCheckFailed' ? { Code, Item: { version: { N: '3' } } } : { Code },
    ),
  });

/** A client whose sends fail with `failures` in turn, then succeed. */
const clientFailing = (...failures: Error[]) => {
  const send = jest.fn(async () => {
    const failure = failures.shift();
    if (failure) throw failure;
    return {};
  });
  return { ddb: { send } as unknown as DynamoDBDocumentClient, send };
};

const parts = [{ ConditionCheck: { TableName: 't', Key: { PK: 'a', SK: 'b' }, ConditionExpression: 'x' } }];

describe('transactWrite', () => {
  it('tries again after losing to concurrent transactions on the same item', async () => {
    const { ddb, send } = clientFailing(
      cancelled('None', 'TransactionConflict'),
      cancelled('TransactionConflict', 'None'),
    );
    expect(await transactWrite(ddb, parts)).toEqual({ ok: true });
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('never retries a failed condition, and returns which part failed with the stored item', async () => {
    const { ddb, send } = clientFailing(cancelled('None', 'ConditionalCheckFailed'));
    expect(await transactWrite(ddb, parts)).toEqual({
      failed: [false, true],
      old: [undefined, { version: 3 }],
    });
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('gives up as busy (nothing written) when the budget runs out', async () => {
    const { ddb, send } = clientFailing(
      ...Array.from({ length: 100 }, () => cancelled('TransactionConflict')),
    );
    expect(await transactWrite(ddb, parts, 0)).toEqual({ busy: true });
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('passes other errors on', async () => {
    const { ddb } = clientFailing(new Error('network down'));
    await expect(transactWrite(ddb, parts)).rejects.toThrow('network down');
  });
});

describe('writeIf', () => {
  it('is true when written, false when the condition failed, and throws anything else', async () => {
    await expect(writeIf(async () => ({}))).resolves.toBe(true);
    const failed = new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
    });
    await expect(writeIf(() => Promise.reject(failed))).resolves.toBe(false);
    const other = new Error('network');
    await expect(writeIf(() => Promise.reject(other))).rejects.toBe(other);
  });
});

describe('diffUpdate', () => {
  const update = (before: Record<string, unknown>, after: Record<string, unknown>, more = {}) =>
    diffUpdate({
      tableName: 't',
      key: { PK: 'P', SK: 'S' },
      before: { PK: 'P', SK: 'S', version: 1, ...before },
      after: { PK: 'P', SK: 'S', version: 2, ...after },
      condition: '#version = :seen',
      values: { ':seen': 1 },
      ...more,
    }).Update;
  /** The update as `attribute = value` / `REMOVE attribute` lines, names and values resolved. */
  const resolved = (u: ReturnType<typeof update>) =>
    u
      .UpdateExpression!.replace(/#\w+/g, (n) => u.ExpressionAttributeNames![n]!)
      .replace(/:\w+/g, (v) => JSON.stringify(u.ExpressionAttributeValues![v]));

  it('sets what differs, removes what went, adds to the version, never touches the keys', () => {
    const u = update({ a: 1, b: [1], c: 'x', same: { k: 1 } }, { a: 2, b: [1, 2], same: { k: 1 }, d: true });
    expect(resolved(u)).toBe('SET a = 2, b = [1,2], d = true REMOVE c ADD version 1');
    expect(u).toMatchObject({
      TableName: 't',
      Key: { PK: 'P', SK: 'S' },
      ConditionExpression: '#version = :seen',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(u.ExpressionAttributeValues).toMatchObject({ ':seen': 1 });
  });

  it('leaves skipped attributes to the caller and sets what it asks besides', () => {
    const u = update({ flag: true, a: 1 }, { a: 1 }, { skip: ['flag'], set: { other: 'y' } });
    expect(resolved(u)).toBe('SET other = "y" ADD version 1');
    expect(resolved(update({ a: 1 }, { a: 1 }))).toBe('ADD version 1');
  });
});
