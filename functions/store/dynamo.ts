import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  BatchGetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '#functions/lib/errors';
import { decodeCursor, encodeCursor, type Page } from '#functions/lib/pagination';
import { DAY_SHARDS } from './keys.ts';

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

/**
 * The Queries that read a partition spread over DAY_SHARDS shards (keys.ts): one per shard, on the partition key
 * of `index`, `partitionOf(shard)`; `extra` adds a Limit or a projection.
 */
export const shardQueries = (
  tableName: string,
  index: 'GSI1' | 'GSI2',
  partitionOf: (shard: number) => string,
  extra: Pick<QueryCommandInput, 'Limit' | 'ProjectionExpression'> = {},
): QueryCommandInput[] =>
  Array.from({ length: DAY_SHARDS }, (_, shard) => ({
    TableName: tableName,
    IndexName: index,
    KeyConditionExpression: `${index}PK = :pk`,
    ExpressionAttributeValues: { ':pk': partitionOf(shard) },
    ...extra,
  }));

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

/** Sends one conditional write: true when it was written, false when its condition failed (other errors throw). */
export async function writeIf(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Puts `item` unless an item with its key exists: true when it was written (a once-only marker, a new record). */
export function putIfAbsent(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  item: Record<string, unknown>,
): Promise<boolean> {
  return writeIf(() =>
    ddb.send(
      new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' }),
    ),
  );
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

/**
 * One page of a Query with a FilterExpression, filled: a filtered Query page can hold fewer matches than asked
 * for (the filter runs after DynamoDB's `Limit`), so this queries on until it has `limit` + 1 matches (the extra
 * one proves a next page), the end, or `maxQueries` calls; only a very selective filter over a very large
 * partition returns a short page, and then still with a cursor to go on. The cursor is the index key of the
 * last item returned (`keyNames`: the table's and the index's key attributes), refused when it is not of this
 * partition.
 */
export async function queryFilled(
  ddb: DynamoDBDocumentClient,
  input: QueryCommandInput,
  partition: { name: string; value: string },
  keyNames: string[],
  limit: number,
  cursor?: string,
  maxQueries = 10,
): Promise<Page<Item>> {
  let start = decodeCursor(cursor);
  if (start && (start[partition.name] !== partition.value || Object.keys(start).length !== keyNames.length)) {
    throw new ValidationError([{ field: 'cursor', message: 'does not belong to this list' }]);
  }
  const keyOf = (item: Item) => Object.fromEntries(keyNames.map((name) => [name, item[name]]));
  const matches: Item[] = [];
  for (let queries = 0; queries < maxQueries; queries++) {
    const needed = limit + 1 - matches.length;
    const { Items, LastEvaluatedKey } = await ddb.send(
      new QueryCommand({
        ...input,
        ExclusiveStartKey: start,
        Limit: input.FilterExpression ? Math.max(needed, 200) : needed,
      }),
    );
    for (const item of Items ?? []) {
      matches.push(item);
      if (matches.length > limit) {
        return { items: matches.slice(0, limit), nextCursor: encodeCursor(keyOf(matches[limit - 1]!)) };
      }
    }
    start = LastEvaluatedKey;
    if (!start) return { items: matches, nextCursor: null };
  }
  return { items: matches, nextCursor: encodeCursor(start) };
}

/**
 * What a TransactWriteItems came to: written; lost to concurrent transactions on the same items on every try
 * (`busy`, nothing written); or cancelled by failed conditions (per part, in order, with the item each part was
 * checked against when it asked for it with `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`).
 */
export type TransactOutcome =
  { ok: true } | { busy: true } | { failed: boolean[]; old: Array<Item | undefined> };

/**
 * One TransactWriteItems. A transaction that loses to a concurrent one on the same item (TransactionConflict:
 * e.g. many comments added to one task at once, each adding to the task's counter) is tried again after a
 * random pause (full jitter, growing), within `budgetMs`; a failed condition is never retried.
 */
export async function transactWrite(
  ddb: DynamoDBDocumentClient,
  parts: NonNullable<TransactWriteCommandInput['TransactItems']>,
  budgetMs = 5_000,
): Promise<TransactOutcome> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      await ddb.send(new TransactWriteCommand({ TransactItems: parts }));
      return { ok: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) {
        return {
          failed: reasons.map((r) => r.Code === 'ConditionalCheckFailed'),
          old: reasons.map((r) =>
            r.Item ? unmarshall(r.Item as Record<string, AttributeValue>) : undefined,
          ),
        };
      }
      if (!reasons.some((r) => r.Code === 'TransactionConflict')) throw error;
      const wait = Math.random() * Math.min(500, 20 * 2 ** attempt);
      if (Date.now() + wait - started > budgetMs) return { busy: true };
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

type UpdatePart = NonNullable<NonNullable<TransactWriteCommandInput['TransactItems']>[number]['Update']>;

/**
 * The transaction part that turns the stored item `before` into `after` (both as stored, keys included): SETs
 * exactly the attributes that differ, REMOVEs those that went, adds 1 to `version`, on `condition`; on a failed
 * condition the stored item comes back (ALL_OLD). `PK`, `SK`, `version` and the attributes named in `skip` are
 * never written from the difference; `set` names attributes the caller SETs besides (e.g. a flag only ever
 * raised here). The expression names `#version` and the value `:one` are the builder's; `condition` may use
 * `#version` and brings its own `names` and `values`.
 */
export function diffUpdate(input: {
  tableName: string;
  key: Key;
  before: Item;
  after: Item;
  condition: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
  skip?: readonly string[];
  set?: Item;
}): { Update: UpdatePart } {
  const { before, after } = input;
  const skip = new Set(['PK', 'SK', 'version', ...(input.skip ?? [])]);
  const names: Record<string, string> = { ...input.names, '#version': 'version' };
  const values: Record<string, unknown> = { ...input.values, ':one': 1 };
  const sets: string[] = [];
  const removes: string[] = [];
  const setTo = (attribute: string, value: unknown) => {
    const i = sets.length + removes.length;
    names[`#a${i}`] = attribute;
    values[`:a${i}`] = value;
    sets.push(`#a${i} = :a${i}`);
  };
  for (const attribute of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (skip.has(attribute)) continue;
    if (!(attribute in after)) {
      const i = sets.length + removes.length;
      names[`#a${i}`] = attribute;
      removes.push(`#a${i}`);
    } else if (JSON.stringify(before[attribute]) !== JSON.stringify(after[attribute])) {
      setTo(attribute, after[attribute]);
    }
  }
  for (const [attribute, value] of Object.entries(input.set ?? {})) setTo(attribute, value);
  return {
    Update: {
      TableName: input.tableName,
      Key: input.key,
      UpdateExpression: [
        sets.length ? `SET ${sets.join(', ')}` : '',
        removes.length ? `REMOVE ${removes.join(', ')}` : '',
        'ADD #version :one',
      ]
        .filter(Boolean)
        .join(' '),
      ConditionExpression: input.condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}
