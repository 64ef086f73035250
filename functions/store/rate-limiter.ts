import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RateLimitedError } from '#functions/lib/errors';
import { ItemType, keys } from './keys.ts';

/**
 * Fixed-window rate limits kept in DynamoDB, so they hold across every Lambda instance: one conditional
 * `ADD count :1` per request on the subject's counter for the current window; the counter expires by TTL.
 */
export class RateLimiter {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts one request of `subject`; throws RATE_LIMITED (with Retry-After) past `limit` in the window. */
  async consume(subject: string, limit: number, windowSeconds = 60): Promise<void> {
    if (limit <= 0) return; // 0 switches a limit off (benchmarks of other things)
    const nowSeconds = Math.floor(this.clock() / 1000);
    const windowStart = nowSeconds - (nowSeconds % windowSeconds);
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.rateCounter(subject, windowStart),
          UpdateExpression: 'ADD #count :one SET #type = :type, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count', '#type': 'type', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limit,
            ':type': ItemType.RateCounter,
            ':ttl': windowStart + 2 * windowSeconds,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new RateLimitedError(Math.max(1, windowStart + windowSeconds - nowSeconds));
      }
      throw error;
    }
  }
}
