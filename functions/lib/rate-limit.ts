import { RateLimiter } from '#functions/store/rate-limiter';
import { config } from './config.ts';
import { ddb } from './dynamodb.ts';

let limiter: RateLimiter | undefined;

/** Counts one request of `subject` against `limit` a minute (0: no limit); 429 RATE_LIMITED past it. */
export async function limitRequests(subject: string, limit: number): Promise<void> {
  if (limit <= 0) return;
  limiter ??= new RateLimiter(ddb, config.tableName);
  await limiter.consume(subject, limit);
}
