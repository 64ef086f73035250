import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  BatchGetCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '#functions/lib/errors';
import { decodeCursor, encodeCursor, type Page } from '#functions/lib/pagination';

type Key = Record<string, string>;
type Item = Record<string, unknown>;

/** BatchGetItem of any number of keys (100 a call), retrying what DynamoDB leaves unprocessed. */
export async function batchGetAll(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  keys: Key[],
  consistent = true,
): Promise<Item[]> {
  const items: Item[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Key[] = keys.slice(i, i + 100);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      const { Responses, UnprocessedKeys } = await ddb.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: consistent } } }),
      );
      items.push(...(Responses?.[tableName] ?? []));
      pending = (UnprocessedKeys?.[tableName]?.Keys as Key[] | undefined) ?? [];
    }
  }
  return items;
}

/**
 * Every page of a Query, one after the other, for lists bounded by their owner (a workspace's labels or
 * members). A consumer may stop early; nothing more is read then.
 */
export async function* queryPages(
  ddb: DynamoDBDocumentClient,
  input: QueryCommandInput,
): AsyncGenerator<Item[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const { Items, LastEvaluatedKey } = await ddb.send(
      new QueryCommand({ ...input, ExclusiveStartKey: start }),
    );
    yield Items ?? [];
    start = LastEvaluatedKey;
  } while (start);
}

/** Every item of a Query (see queryPages). */
export async function queryAll(ddb: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of queryPages(ddb, input)) items.push(...page);
  return items;
}

/**
 * One page of a Query. The cursor is the LastEvaluatedKey; one that does not belong to this query's partition
 * is refused as a bad `cursor` rather than handed to DynamoDB.
 */
export async function queryPage(
  ddb: DynamoDBDocumentClient,
  input: QueryCommandInput & { Limit: number },
  partition: { name: string; value: string },
  cursor?: string,
): Promise<Page<Item>> {
  const start = decodeCursor(cursor);
  if (start && start[partition.name] !== partition.value) {
    throw new ValidationError([{ field: 'cursor', message: 'does not belong to this list' }]);
  }
  const { Items, LastEvaluatedKey } = await ddb.send(
    new QueryCommand({ ...input, ExclusiveStartKey: start }),
  );
  return { items: Items ?? [], nextCursor: encodeCursor(LastEvaluatedKey) };
}

/** For each part of a cancelled transaction, whether its condition failed (same order as the parts). */
export function failedConditions(error: unknown): boolean[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code === 'ConditionalCheckFailed');
}

/**
 * The item as it was when a condition failed (`ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`), from a single
 * write or from part `part` of a transaction; undefined when there was none.
 */
export function oldItemOf(error: unknown, part = 0): Record<string, unknown> | undefined {
  const item =
    error instanceof ConditionalCheckFailedException
      ? error.Item
      : error instanceof TransactionCanceledException
        ? error.CancellationReasons?.[part]?.Item
        : undefined;
  return item ? unmarshall(item as Record<string, AttributeValue>) : undefined;
}
