import { RateCounter } from '#functions/store/rate-limiter';
import { config } from './config.ts';
import { ddb } from './dynamodb.ts';
import { RateLimitedError } from './errors.ts';

/** Takes up to `want` of the window's requests from the shared counter; returns how many it took (0: none left). */
export type TakeRequests = (
  subject: string,
  limit: number,
  want: number,
  windowStart: number,
  windowSeconds: number,
) => Promise<number>;

/** The most one instance takes at once: a tenth of the limit, at most 10 (1, an exact count, for limits ≤ 19). */
export const mostTakenAtOnce = (limit: number) => Math.max(1, Math.min(10, Math.floor(limit / 10)));

interface Share {
  windowStart: number;
  /** Taken from the shared counter and not yet spent. */
  left: number;
  /** How many to take next time: doubles with each take in the window, up to `mostTakenAtOnce`. */
  next: number;
  /** The shared counter has none left this window: refuse without asking it again. */
  spent: boolean;
  /** Requests waiting for `taking`. */
  waiting: number;
  taking?: Promise<void>;
}

/**
 * Fixed one-minute windows per subject, counted in DynamoDB so they hold across instances, without a write on
 * every request: an instance takes a share of the window's requests from the shared counter (1 at first, then
 * 2, 4, 8, … up to a tenth of the limit, more at once when that many requests are waiting) and spends it in
 * memory. Never more than `limit` requests pass in a window, whichever instances serve them; a share an
 * instance takes and does not spend lapses with the window, so a subject served by several instances may be
 * refused a few requests short of the limit. Once the counter has none left, the instance refuses the rest of
 * the window without asking it again.
 */
export class RateLimits {
  private readonly shares = new Map<string, Share>();

  constructor(
    private readonly take: TakeRequests,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts one request of `subject` against `limit` a window (0: no limit); 429 RATE_LIMITED past it. */
  async consume(subject: string, limit: number, windowSeconds = 60): Promise<void> {
    if (limit <= 0) return;
    for (;;) {
      const nowSeconds = Math.floor(this.clock() / 1000);
      const windowStart = nowSeconds - (nowSeconds % windowSeconds);
      const share = this.shareOf(subject, windowStart);
      if (share.left > 0) {
        share.left -= 1;
        return;
      }
      if (share.spent) throw new RateLimitedError(Math.max(1, windowStart + windowSeconds - nowSeconds));
      share.taking ??= this.takeShare(subject, share, limit, windowSeconds);
      share.waiting += 1;
      try {
        await share.taking;
      } finally {
        share.waiting -= 1;
      }
    }
  }

  private async takeShare(subject: string, share: Share, limit: number, windowSeconds: number) {
    try {
      const most = mostTakenAtOnce(limit);
      const want = Math.min(most, Math.max(share.next, share.waiting + 1));
      const taken = await this.take(subject, limit, want, share.windowStart, windowSeconds);
      share.left += taken;
      share.spent = taken === 0;
      share.next = Math.min(most, want * 2);
    } finally {
      share.taking = undefined;
    }
  }

  private shareOf(subject: string, windowStart: number): Share {
    const share = this.shares.get(subject);
    if (share && share.windowStart === windowStart) return share;
    if (!share && this.shares.size >= 10_000) {
      // Forget the subjects of earlier windows (their shares have lapsed).
      for (const [key, old] of this.shares)
        if (old.windowStart !== windowStart && !old.taking) this.shares.delete(key);
    }
    const fresh: Share = { windowStart, left: 0, next: 1, spent: false, waiting: 0 };
    this.shares.set(subject, fresh);
    return fresh;
  }
}

let limits: RateLimits | undefined;

/** Counts one request of `subject` against `limit` a minute (0: no limit); 429 RATE_LIMITED past it. */
export async function limitRequests(subject: string, limit: number): Promise<void> {
  if (limit <= 0) return;
  if (!limits) {
    const counter = new RateCounter(ddb, config.tableName);
    limits = new RateLimits((...args) => counter.take(...args));
  }
  await limits.consume(subject, limit);
}
