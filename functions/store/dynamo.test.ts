import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { transactWrite } from './dynamo.ts';

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
