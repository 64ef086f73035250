/** How a provider call is retried: a few attempts, exponential backoff with full jitter. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts later than this after the first attempt (the worker's own timeout must not hit first). */
  budgetMs?: number;
}

/** Four attempts within 40 s: the AI worker's timeout is 60 s (infra/functions.ts). */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  budgetMs: 40_000,
};

/** One attempt's limit: a model that has not answered by then is treated as a passing failure (retried). */
export const ATTEMPT_TIMEOUT_MS = 25_000;

export type Sleep = (ms: number) => Promise<void>;
export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call`, again after a random delay in [0, min(max, base·2ⁿ)) while `retryable(error)` says the failure is
 * passing (throttling, a 5xx), at most `policy.attempts` times and within `policy.budgetMs`; any other failure
 * is thrown at once.
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  policy: RetryPolicy = DEFAULT_RETRY,
  wait: Sleep = sleep,
  random: () => number = Math.random,
  now: () => number = Date.now,
): Promise<T> {
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= policy.attempts || !retryable(error)) throw error;
      const delay = random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      if (policy.budgetMs !== undefined && now() + delay - started > policy.budgetMs) throw error;
      await wait(delay);
    }
  }
}
