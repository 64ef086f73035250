import { RateLimitedError } from './errors.ts';
import { mostTakenAtOnce, RateLimits, type TakeRequests } from './rate-limit.ts';

/**
 * A shared counter with RateCounter's rule (functions/store/rate-limiter.ts, integration-tested against
 * DynamoDB Local): takes up to `want` of what is left in the window, 0 when nothing is. Records each take.
 */
function sharedCounter() {
  const counts = new Map<string, number>();
  const takes: number[] = [];
  const take: TakeRequests = async (subject, limit, want, windowStart) => {
    await Promise.resolve();
    const key = `${subject}#${windowStart}`;
    const count = counts.get(key) ?? 0;
    const taken = Math.max(0, Math.min(want, limit - count));
    counts.set(key, count + taken);
    takes.push(want);
    return taken;
  };
  return { take, takes, counts };
}

const outcome = (attempt: Promise<void>) =>
  attempt.then(
    () => 'ok' as const,
    (error: unknown) => {
      if (error instanceof RateLimitedError) return 'limited' as const;
      throw error;
    },
  );

describe('RateLimits', () => {
  const t0 = Date.UTC(2026, 11, 6, 10, 0, 0); // the start of a minute

  it('lets exactly the limit through one instance, taking shares of 1, 2, 4, 8, then 10 at most', async () => {
    const counter = sharedCounter();
    const limits = new RateLimits(counter.take, () => t0 + 5_000);
    const results = [];
    for (let i = 0; i < 105; i++) results.push(await outcome(limits.consume('user:a', 100)));
    expect(results.filter((r) => r === 'ok')).toHaveLength(100);
    expect(results.slice(100)).toEqual(Array(5).fill('limited'));
    // 13 takes for 100 requests instead of 100 writes; the refusals asked once more, then not at all.
    expect(counter.takes).toEqual([1, 2, 4, 8, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
  });

  it('never lets more than the limit through however many instances share the counter', async () => {
    const counter = sharedCounter();
    const instances = [0, 1, 2].map(() => new RateLimits(counter.take, () => t0 + 1_000));
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, i) => outcome(instances[i % 3]!.consume('user:b', 100))),
    );
    expect(results.filter((r) => r === 'ok').length).toBeLessThanOrEqual(100);
    expect(counter.counts.get(`user:b#${t0 / 1000}`)).toBeLessThanOrEqual(100);
    // Each instance may hold back less than one share (at most 9 of 10): never fewer than 100 - 3 x 9.
    expect(results.filter((r) => r === 'ok').length).toBeGreaterThanOrEqual(100 - 3 * 9);
  });

  it('answers the requests waiting on one take together, sized to how many wait', async () => {
    const counter = sharedCounter();
    const limits = new RateLimits(counter.take, () => t0);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => outcome(limits.consume('user:c', 100))),
    );
    expect(results).toEqual(Array(30).fill('ok'));
    expect(counter.takes.length).toBeLessThanOrEqual(5);
    expect(counter.takes.every((want) => want <= 10)).toBe(true);
  });

  it('counts each request against a small limit on its own, so it stays exact', async () => {
    const counter = sharedCounter();
    const limits = new RateLimits(counter.take, () => t0);
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await outcome(limits.consume('accept-ip:1.2.3.4', 10)));
    expect(results).toEqual([...Array(10).fill('ok'), 'limited', 'limited']);
    expect(counter.takes).toEqual([...Array(11).fill(1)]);
    expect(mostTakenAtOnce(10)).toBe(1);
    expect(mostTakenAtOnce(19)).toBe(1);
    expect(mostTakenAtOnce(100)).toBe(10);
    expect(mostTakenAtOnce(1e9)).toBe(10);
  });

  it('starts afresh in the next window and says how long the refusal lasts', async () => {
    const counter = sharedCounter();
    let now = t0 + 45_500;
    const limits = new RateLimits(counter.take, () => now);
    for (let i = 0; i < 10; i++) await limits.consume('user:d', 10);
    const refused = await limits.consume('user:d', 10).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).headers).toEqual({ 'retry-after': '15' });
    now = t0 + 60_000;
    await expect(limits.consume('user:d', 10)).resolves.toBeUndefined();
    // Another subject was never affected.
    await expect(limits.consume('user:e', 10)).resolves.toBeUndefined();
  });

  it('passes a failed take to every request waiting on it, and the next request asks again', async () => {
    let fail = true;
    const counter = sharedCounter();
    const take: TakeRequests = async (...args) => {
      if (fail) {
        await Promise.resolve();
        throw new Error('store down');
      }
      return counter.take(...args);
    };
    const limits = new RateLimits(take, () => t0);
    const failed = await Promise.allSettled([limits.consume('user:f', 100), limits.consume('user:f', 100)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(limits.consume('user:f', 100)).resolves.toBeUndefined();
  });

  it('costs nothing when the limit is off', async () => {
    const counter = sharedCounter();
    await new RateLimits(counter.take, () => t0).consume('user:g', 0);
    expect(counter.takes).toEqual([]);
  });
});
