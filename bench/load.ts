/** A closed-loop load generator: `concurrency` workers call `fn` back to back for `durationMs`. */
export interface LoadResult {
  label: string;
  requests: number;
  errors: number;
  seconds: number;
  rate: number;
  p50: number;
  p95: number;
  p99: number;
  /** Every request's latency in ms, sorted (to merge rounds). */
  latencies: number[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export async function runLoad(
  label: string,
  options: { concurrency: number; durationMs: number },
  fn: () => Promise<boolean>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const ok = await fn().catch(() => false);
        latencies.push(performance.now() - t0);
        if (!ok) errors += 1;
      }
    }),
  );
  return summarize(label, latencies, errors, (performance.now() - started) / 1000);
}

function summarize(label: string, latencies: number[], errors: number, seconds: number): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    label,
    requests: latencies.length,
    errors,
    seconds,
    rate: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    latencies,
  };
}

/** One result from several rounds of the same load (interleaved rounds even out drift between phases). */
export function mergeResults(label: string, rounds: LoadResult[]): LoadResult {
  return summarize(
    label,
    rounds.flatMap((r) => r.latencies),
    rounds.reduce((sum, r) => sum + r.errors, 0),
    rounds.reduce((sum, r) => sum + r.seconds, 0),
  );
}

export function formatResult(r: LoadResult): string {
  return (
    `${r.label.padEnd(44)} ${r.rate.toFixed(0).padStart(6)} req/s  ` +
    `p50 ${r.p50.toFixed(2).padStart(6)} ms  p95 ${r.p95.toFixed(2).padStart(6)} ms  ` +
    `p99 ${r.p99.toFixed(2).padStart(6)} ms  (${r.requests} requests, ${r.errors} errors)`
  );
}
