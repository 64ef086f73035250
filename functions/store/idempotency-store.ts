import {
  GetCommand,
  PutCommand,
  UpdateCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { IdempotencyRecord, IdempotencyStore, StoredAnswer } from '#functions/lib/idempotency';
import { writeIf } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';

/**
 * Idempotency records in the one table: `IDEMP#<userId>#<key>` / `#`, one partition per user and key (never a
 * shared hot key), expiring by TTL after the 24 h the contract promises.
 */
export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  claim(
    userId: string,
    key: string,
    fingerprint: string,
    nowSeconds: number,
    lockSeconds: number,
    ttlSeconds: number,
  ) {
    return writeIf(() =>
      this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.idempotency(userId, key),
            type: ItemType.Idempotency,
            fingerprint,
            state: 'pending',
            lockedUntil: nowSeconds + lockSeconds,
            ttl: nowSeconds + ttlSeconds,
          },
          // New, or expired (TTL deletes lazily), or a pending claim whose holder died (its lock ran out).
          ConditionExpression:
            'attribute_not_exists(PK) OR #ttl < :now OR (#state = :pending AND lockedUntil < :now)',
          ExpressionAttributeNames: { '#ttl': 'ttl', '#state': 'state' },
          ExpressionAttributeValues: { ':now': nowSeconds, ':pending': 'pending' },
        }),
      ),
    );
  }

  async read(userId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: keys.idempotency(userId, key), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      fingerprint: Item.fingerprint as string,
      state: Item.state as IdempotencyRecord['state'],
      answer: Item.answer as StoredAnswer | undefined,
    };
  }

  async complete(userId: string, key: string, fingerprint: string, answer: StoredAnswer): Promise<void> {
    await writeIf(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.idempotency(userId, key),
          UpdateExpression: 'SET #state = :done, answer = :answer REMOVE lockedUntil',
          ConditionExpression: 'fingerprint = :fingerprint AND #state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':done': 'done',
            ':pending': 'pending',
            ':answer': answer,
            ':fingerprint': fingerprint,
          },
        }),
      ),
    );
  }

  async release(userId: string, key: string, fingerprint: string): Promise<void> {
    await writeIf(() =>
      this.ddb.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.idempotency(userId, key),
          ConditionExpression: 'fingerprint = :fingerprint AND #state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':pending': 'pending', ':fingerprint': fingerprint },
        }),
      ),
    );
  }
}
