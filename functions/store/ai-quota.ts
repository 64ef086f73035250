import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RateLimitedError } from '#functions/lib/errors';
import type { AiQuota } from '#functions/domain/ai-breakdown';
import { writeIf } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';

const HOUR = 3600;
/** A month's token counter outlives its month by a year (usage questions), then expires. */
const USAGE_TTL_SECONDS = 400 * 24 * HOUR;

/**
 * The AI quota of a workspace, in the style of the request rate limits (functions/store/rate-limiter.ts):
 * requests an hour are one fixed-window counter per workspace, taken with one conditional `ADD count :1`
 * (DynamoDB serializes writes to an item, so exactly `limit` of any number of concurrent requests pass) and
 * given back with `ADD count :-1`; model tokens of a month are one counter added to after each answer.
 */
export class DynamoAiQuota implements AiQuota {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly requestsPerHour: number,
  ) {}

  private static subject(workspaceId: string) {
    return `AI#${workspaceId}`;
  }

  async consumeRequest(workspaceId: string, nowMs: number): Promise<number> {
    const nowSeconds = Math.floor(nowMs / 1000);
    const window = nowSeconds - (nowSeconds % HOUR);
    if (this.requestsPerHour <= 0) return window;
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.rateCounter(DynamoAiQuota.subject(workspaceId), window),
          UpdateExpression: 'ADD #count :one SET #type = :type, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count', '#type': 'type', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': this.requestsPerHour,
            ':type': ItemType.RateCounter,
            ':ttl': window + 2 * HOUR,
          },
        }),
      );
      return window;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new RateLimitedError(
          Math.max(1, window + HOUR - nowSeconds),
          `The workspace has used its ${this.requestsPerHour} AI breakdowns of this hour`,
        );
      }
      throw error;
    }
  }

  async refundRequest(workspaceId: string, window: number): Promise<void> {
    // Never below zero: a refund of a window that expired meanwhile (or was never counted) changes nothing.
    await writeIf(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.rateCounter(DynamoAiQuota.subject(workspaceId), window),
          UpdateExpression: 'ADD #count :minus',
          ConditionExpression: '#count > :zero',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
        }),
      ),
    );
  }

  async tokensUsed(workspaceId: string, month: string): Promise<number> {
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.aiUsage(workspaceId, month),
        ConsistentRead: true,
      }),
    );
    return (Item?.tokens as number | undefined) ?? 0;
  }

  async addTokens(workspaceId: string, month: string, tokens: number): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.aiUsage(workspaceId, month),
        UpdateExpression: 'ADD tokens :tokens SET #type = :type, #ttl = if_not_exists(#ttl, :ttl)',
        ExpressionAttributeNames: { '#type': 'type', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':tokens': tokens,
          ':type': ItemType.AiUsage,
          ':ttl': Math.floor(Date.now() / 1000) + USAGE_TTL_SECONDS,
        },
      }),
    );
  }
}
