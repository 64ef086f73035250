import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import type { ScheduleSource } from '../functions.ts';
import { errorMessage, sleep } from './invoke.ts';

/**
 * The local stand-in for an EventBridge schedule rule: at each time the rule's expression names (UTC), the
 * function is invoked with a Scheduled Event, as EventBridge invokes it (asynchronously: a failed invocation
 * is retried twice, after about 1 and 2 minutes, as Lambda retries asynchronous invocations).
 *
 * Supported expressions, which is what TeamFlow's definitions use: `rate(<n> minute(s)|hour(s)|day(s))`, and
 * `cron(<minutes> <hours> * * ? *)` (or `?`/`*` in either day field) where minutes and hours are `*`, a number,
 * a list `a,b`, a range `a-b` or a step `*` + `/n`. Anything else is refused when the stack starts, not ignored.
 */

export type ScheduleMatcher =
  { kind: 'cron'; minutes: Set<number>; hours: Set<number> } | { kind: 'rate'; everyMs: number };

function field(spec: string, max: number, name: string): Set<number> {
  const values = new Set<number>();
  for (const part of spec.split(',')) {
    const step = /^(\*|\d+-\d+)\/(\d+)$/.exec(part);
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (part === '*') for (let v = 0; v <= max; v++) values.add(v);
    else if (/^\d+$/.test(part)) values.add(Number(part));
    else if (range) for (let v = Number(range[1]); v <= Number(range[2]); v++) values.add(v);
    else if (step) {
      const [from, to] = step[1] === '*' ? [0, max] : step[1]!.split('-').map(Number);
      for (let v = from!; v <= to!; v += Number(step[2])) values.add(v);
    } else throw new Error(`Unsupported ${name} field "${spec}"`);
  }
  for (const v of values) if (v > max) throw new Error(`${name} ${v} is out of range`);
  return values;
}

/** Parses an EventBridge schedule expression into what the local scheduler can run. */
export function parseSchedule(expression: string): ScheduleMatcher {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const unit = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[rate[2]!.replace(/s$/, '')]!;
    const everyMs = Number(rate[1]) * unit;
    if (everyMs <= 0) throw new Error(`Unsupported schedule ${expression}`);
    return { kind: 'rate', everyMs };
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  const parts = cron?.[1]!.trim().split(/\s+/);
  if (!parts || parts.length !== 6) throw new Error(`Unsupported schedule ${expression}`);
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const anyDay = (f: string) => f === '*' || f === '?';
  if (!anyDay(dayOfMonth) || month !== '*' || !anyDay(dayOfWeek) || year !== '*') {
    throw new Error(
      `Unsupported schedule ${expression}: the local scheduler runs daily or hourly schedules only`,
    );
  }
  return { kind: 'cron', minutes: field(minutes, 59, 'minute'), hours: field(hours, 23, 'hour') };
}

/** The first time after `after` (exclusive) that the schedule names, at a whole minute (UTC). */
export function nextRun(schedule: ScheduleMatcher, after: Date, startedAt: Date = after): Date {
  if (schedule.kind === 'rate') {
    const elapsed = after.getTime() - startedAt.getTime();
    return new Date(startedAt.getTime() + (Math.floor(elapsed / schedule.everyMs) + 1) * schedule.everyMs);
  }
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  // At most two days of minutes: every daily or hourly schedule has a time in there.
  for (let i = 0; i < 2 * 24 * 60; i++) {
    t.setTime(t.getTime() + 60_000);
    if (schedule.hours.has(t.getUTCHours()) && schedule.minutes.has(t.getUTCMinutes())) return t;
  }
  throw new Error('The schedule names no time');
}

/** The event EventBridge sends for a schedule rule. */
export function scheduledEvent(ruleName: string, time: Date, region: string): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/${ruleName}`],
    detail: {},
  };
}

/** Delays of the retries of a failed asynchronous invocation (Lambda: two retries, about 1 and 2 minutes). */
export const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];

export interface SchedulerOptions {
  ruleName: string;
  schedule: ScheduleSource;
  region: string;
  /** Invokes the function (the local runtime: fresh Context, the function's timeout). */
  invoke: (event: ScheduledEvent) => Promise<unknown>;
  logger: (line: string) => void;
  retryDelaysMs?: number[];
  clock?: () => Date;
}

/** Runs one function on its schedule until stopped. */
export class LocalScheduler {
  private readonly abort = new AbortController();
  private readonly matcher: ScheduleMatcher;
  private loop: Promise<unknown> | undefined;

  constructor(private readonly options: SchedulerOptions) {
    this.matcher = parseSchedule(options.schedule.expression);
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) =>
      this.options.logger(`${this.options.ruleName} stopped: ${errorMessage(error)}`),
    );
  }

  /** No further runs; an invocation in flight is not waited for (Ctrl-C must not wait out a 5-minute run). */
  async stop(): Promise<void> {
    this.abort.abort();
  }

  private async run(): Promise<void> {
    const clock = this.options.clock ?? (() => new Date());
    const startedAt = clock();
    let after = startedAt;
    const { signal } = this.abort;
    while (!signal.aborted) {
      const at = nextRun(this.matcher, after, startedAt);
      // Waits in steps of at most a minute, so a machine that slept (or a changed clock) is noticed.
      while (!signal.aborted && clock() < at)
        await sleep(Math.min(60_000, at.getTime() - clock().getTime()), signal);
      if (signal.aborted) return;
      after = at;
      await this.fire(at);
    }
  }

  /** One scheduled invocation, with the asynchronous invocation's retries. */
  private async fire(at: Date): Promise<void> {
    const event = scheduledEvent(this.options.ruleName, at, this.options.region);
    const delays = this.options.retryDelaysMs ?? ASYNC_RETRY_DELAYS_MS;
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      if (attempt > 0) await sleep(delays[attempt - 1]!, this.abort.signal);
      if (this.abort.signal.aborted) return;
      try {
        await this.options.invoke(event);
        this.options.logger(`${this.options.ruleName} ran for ${event.time}`);
        return;
      } catch (error) {
        this.options.logger(
          `${this.options.ruleName} failed (attempt ${attempt + 1}): ${errorMessage(error)}`,
        );
      }
    }
  }
}
