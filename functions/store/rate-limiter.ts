import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ItemType, keys } from './keys.ts';

/**
 * Fixed-window request counters kept in DynamoDB, so a limit holds across every Lambda instance: one
 * conditional `ADD count :n` on the subject's counter for the window takes `n` of its requests; the counter
 * expires by TTL. The in-process side (how many to take at once, spending them) is `RateLimits`
 * (functions/lib/rate-limit.ts).
 */
export class RateCounter {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Takes up to `want` of the requests left to `subject` in the window starting at `windowStart` (seconds), in
   * one write when that many are left; when fewer are, takes what is left (a second write). Returns how many
   * were taken: 0 when none are left.
   */
  async take(
    subject: string,
    limit: number,
    want: number,
    windowStart: number,
    windowSeconds: number,
  ): Promise<number> {
    let n = Math.max(1, Math.min(want, limit));
    for (;;) {
      try {
        await this.ddb.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.rateCounter(subject, windowStart),
            UpdateExpression: 'ADD #count :n SET #type = :type, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(#count) OR #count <= :most',
            ExpressionAttributeNames: { '#count': 'count', '#type': 'type', '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':n': n,
              ':most': limit - n,
              ':type': ItemType.RateCounter,
              ':ttl': windowStart + 2 * windowSeconds,
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return n;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // The counter as it was: fewer than `n` left. Take what is left, if anything.
        const old = error.Item?.count as { N?: string } | number | undefined;
        const count = Number(typeof old === 'object' ? (old.N ?? limit) : (old ?? limit));
        const left = limit - count;
        if (left <= 0 || left >= n) return 0; // none left (or a count we cannot read: refuse, as before)
        n = left;
      }
    }
  }
}
