/**
 * The live board's delivery: from a write (its HTTP response received) to its event frame received at each
 * subscriber of the board, through the whole path (DynamoDB Local's stream → the broadcast function → the
 * @connections API → the local WebSocket gateway → the socket). Subscribers are WebSocket connections on one
 * board, shared by a few users (sign-up is slow; a person may have many tabs).
 *
 * 1. Latency: p50/p95/p99 of write → frame for 1, 50 and 1,000 subscribers (PATCHes of a task's title, one at a
 *    time: the next write goes once every subscriber got the last one, or after a timeout). "Every subscriber
 *    served" is the worst subscriber's own p95. Targets on the 2-core machine: p95 < 100 ms for 1 subscriber,
 *    every subscriber's p95 < 1 s at 1,000.
 * 2. Sustained: 20 changes a second for 15 s (open loop) to the 1,000 subscribers: the delivery ratio (frames
 *    received / changes × subscribers, each event counted once per subscriber; duplicates counted apart) and
 *    the latency percentiles, waiting after the last write until every frame arrived or none came for a while.
 *
 * It also reports how long 1,000 connections take to open ($connect) and subscribe, and the PRESENCE frames
 * their joins cause (each join is news to everyone on the board). Nothing is asserted; it only prints.
 *
 * Settings: BENCH_LIVE_SUBSCRIBERS (default 1000), BENCH_LIVE_RATE (changes a second, 20),
 * BENCH_LIVE_SUSTAINED_S (15).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { LocalOutputs } from '../infra/local/stack.ts';
import { signUpLocalUser, type LocalUser } from '../test/users.ts';
import { apiClient, expectStatus, inviteMembers, percentile, type ApiCall, withBenchStack } from './load.ts';

const SUBSCRIBERS = Number(process.env.BENCH_LIVE_SUBSCRIBERS ?? 1000);
const RATE = Number(process.env.BENCH_LIVE_RATE ?? 20);
const SUSTAINED_MS = Number(process.env.BENCH_LIVE_SUSTAINED_S ?? 15) * 1000;
/** People sharing the subscribers (each has many connections, as tabs). */
const MEMBERS = 2;
/** Tasks the writes rename in turn (enough that no two writes of the sustained run touch one task at once). */
const TASKS = 60;
/** Connections opened (and subscribed) at once, and in one wave (see grow). */
const OPEN_CONCURRENCY = 25;
const JOIN_WAVE = 50;
const SUBSCRIBE_TIMEOUT_MS = 15_000;
/** Writes of each latency run, by subscriber count. */
const WRITES: Record<number, number> = { 1: 200, 50: 100 };
const WRITES_LARGE = 40;
/** How long a latency run waits for one write's frames at every subscriber. */
const FRAME_TIMEOUT_MS = 10_000;
/** The sustained run's wait after its last write: until every frame arrived, or none came for this long. */
const DRAIN_QUIET_MS = 5_000;
const DRAIN_MAX_MS = 180_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One write whose frame every subscriber should receive: arrival times by subscriber (NaN until then). */
interface Expected {
  respondedAt: number;
  arrivals: Float64Array;
  received: number;
}

/**
 * What the subscribers receive, keyed by `<entityId>:<version>`: the HTTP answer of a write gives both, so a
 * frame is matched to its write without the event id. Frames of writes not (yet) expected are kept aside.
 */
class Deliveries {
  readonly expected = new Map<string, Expected>();
  private early = new Map<string, Array<[number, number]>>();
  duplicates = 0;
  presenceFrames = 0;
  lastPresenceAt = 0;
  lastFrameAt = 0;
  received = 0;

  constructor(private subscribers: number) {}

  resize(subscribers: number) {
    this.subscribers = subscribers;
    this.expected.clear();
    this.early.clear();
    this.duplicates = 0;
    this.received = 0;
  }

  /** Expects `key` at every subscriber; called before the write is sent (its frame may beat its answer). */
  expect(key: string): Expected {
    const entry: Expected = {
      respondedAt: NaN,
      arrivals: new Float64Array(this.subscribers).fill(NaN),
      received: 0,
    };
    this.expected.set(key, entry);
    for (const [subscriber, at] of this.early.get(key) ?? []) this.arrive(entry, subscriber, at);
    this.early.delete(key);
    return entry;
  }

  frame(subscriber: number, key: string, at: number) {
    this.lastFrameAt = at;
    const entry = this.expected.get(key);
    if (entry) this.arrive(entry, subscriber, at);
    else this.early.set(key, [...(this.early.get(key) ?? []), [subscriber, at]]);
  }

  private arrive(entry: Expected, subscriber: number, at: number) {
    if (subscriber >= entry.arrivals.length) return;
    if (!Number.isNaN(entry.arrivals[subscriber]!)) {
      this.duplicates++;
      return;
    }
    entry.arrivals[subscriber] = at;
    entry.received++;
    this.received++;
  }
}

/**
 * A lean subscriber: 1,000 of them share this process (and the machine's 2 cores) with the stack, so a change
 * event is matched by two string searches instead of JSON.parse, and nothing is kept but its arrival time
 * (test/live-client.ts keeps every frame it receives). Change events are the change feed's events, whose JSON
 * starts with their `id` and has `entityId` and `version` before `changes` and `data`.
 */
class Subscriber {
  private answered?: (frame: { type: string }) => void;

  private constructor(
    readonly socket: WebSocket,
    readonly index: number,
    deliveries: Deliveries,
  ) {
    socket.on('message', (data) => {
      const at = performance.now();
      const text = data.toString();
      if (text.startsWith('{"id":')) {
        const key = eventKey(text);
        if (key) return deliveries.frame(this.index, key, at);
      }
      const frame = JSON.parse(text) as { type: string; entityId?: string; version?: number };
      if (frame.type === 'PRESENCE') {
        deliveries.presenceFrames++;
        deliveries.lastPresenceAt = at;
      } else if (frame.type === 'subscribed' || frame.type === 'error') {
        this.answered?.(frame);
      } else if (frame.entityId && frame.version !== undefined) {
        deliveries.frame(this.index, `${frame.entityId}:${frame.version}`, at);
      }
    });
  }

  static open(wsUrl: string, token: string, index: number, deliveries: Deliveries): Promise<Subscriber> {
    const socket = new WebSocket(`${wsUrl}?token=${encodeURIComponent(token)}`);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new Subscriber(socket, index, deliveries)));
      socket.once('unexpected-response', (_, res) => reject(new Error(`refused: ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  /** Subscribes; 'unanswered' when no `subscribed` (or error) frame came within `timeoutMs`. */
  subscribe(projectId: string, timeoutMs: number): Promise<'subscribed' | 'refused' | 'unanswered'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve('unanswered'), timeoutMs);
      this.answered = (frame) => {
        clearTimeout(timer);
        resolve(frame.type === 'subscribed' ? 'subscribed' : 'refused');
      };
      this.socket.send(JSON.stringify({ action: 'subscribe', projectId }));
    });
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }
}

/** `<entityId>:<version>` of a change event's JSON (its first `entityId` and `version` are the event's own). */
function eventKey(text: string): string | undefined {
  const idAt = text.indexOf('"entityId":"');
  const versionAt = text.indexOf('"version":');
  if (idAt < 0 || versionAt < 0) return undefined;
  const idStart = idAt + 12;
  const entityId = text.slice(idStart, text.indexOf('"', idStart));
  const version = /^\d+/.exec(text.slice(versionAt + 10, versionAt + 22))?.[0];
  return version ? `${entityId}:${version}` : undefined;
}

interface Task {
  id: string;
  version: number;
  busy: boolean;
}

/** Renames tasks in turn (a PATCH of the title with the version last seen). */
class Writer {
  private turn = 0;
  errors = 0;

  constructor(
    private readonly api: ApiCall,
    private readonly user: LocalUser,
    private readonly tasks: Task[],
    private readonly deliveries: Deliveries,
  ) {}

  /** One rename; resolves with what the subscribers should receive, or undefined when it failed. */
  async write(): Promise<Expected | undefined> {
    const task = this.nextTask();
    if (!task) {
      this.errors++;
      return undefined;
    }
    task.busy = true;
    const expected = this.deliveries.expect(`${task.id}:${task.version + 1}`);
    try {
      const res = await this.api<{ version: number }>('PATCH', `/tasks/${task.id}`, {
        token: this.user.idToken,
        body: { version: task.version, title: `Renamed ${++this.turn}` },
      });
      expected.respondedAt = performance.now();
      if (res.status !== 200) {
        this.errors++;
        const current = (res.body as { current?: { version: number } }).current;
        if (current) task.version = current.version;
        return undefined;
      }
      task.version = res.body.version;
      return expected;
    } finally {
      task.busy = false;
    }
  }

  private nextTask(): Task | undefined {
    for (let i = 0; i < this.tasks.length; i++) {
      const task = this.tasks[this.turn++ % this.tasks.length]!;
      if (!task.busy) return task;
    }
    return undefined;
  }
}

interface Figures {
  samples: number[];
  expected: number;
  received: number;
  /** The p95 of each subscriber's own latencies, sorted. */
  subscriberP95s: number[];
}

/** The p95 of a subscriber's latencies (Infinity when it got nothing). */
function p95Of(latencies: number[]): number {
  return latencies.length
    ? percentile(
        [...latencies].sort((a, b) => a - b),
        95,
      )
    : Infinity;
}

/**
 * What the stack's log says went wrong: records the broadcast gave up on (by reason), and failed invocations of
 * the WebSocket routes (by message), e.g. a `subscribed` answer too large to post.
 */
function stackTrouble(o: LocalOutputs): string[] {
  let log: string;
  try {
    log = fs.readFileSync(path.join(o.local.dataDir, 'stack.log'), 'utf8');
  } catch {
    return [];
  }
  const counts = new Map<string, number>();
  const add = (key: string, n: number) => counts.set(key, (counts.get(key) ?? 0) + n);
  for (const m of log.matchAll(/\[stream\] broadcast gave up on (\d+) record\(s\): (\w+)/g)) {
    add(`broadcast records given up (${m[2]})`, Number(m[1]));
  }
  for (const m of log.matchAll(/\[websocket\] (\S+) failed: ([^\n]{0,80})/g))
    add(`${m[1]} failed: ${m[2]}`, 1);
  return [...counts].map(([what, n]) => `${n} × ${what}`);
}

function figuresOf(written: Expected[], subscribers: number): Figures {
  const samples: number[] = [];
  const perSubscriber: number[][] = Array.from({ length: subscribers }, () => []);
  let received = 0;
  for (const entry of written) {
    for (let s = 0; s < subscribers; s++) {
      const at = entry.arrivals[s]!;
      if (Number.isNaN(at)) continue;
      received++;
      samples.push(at - entry.respondedAt);
      perSubscriber[s]!.push(at - entry.respondedAt);
    }
  }
  samples.sort((a, b) => a - b);
  const subscriberP95s = perSubscriber.map((list) => p95Of(list)).sort((a, b) => a - b);
  return { samples, expected: written.length * subscribers, received, subscriberP95s };
}

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a');
const verdict = (met: boolean) => (met ? 'met' : 'NOT met');

function printLatency(label: string, f: Figures, target: { p95: number; perSubscriber?: boolean }) {
  const p = (q: number) => percentile(f.samples, q);
  const worst = f.subscriberP95s.at(-1) ?? NaN;
  console.log(
    `${label.padEnd(16)} p50 ${ms(p(50)).padStart(9)}  p95 ${ms(p(95)).padStart(9)}  p99 ${ms(p(99)).padStart(9)}` +
      `  max ${ms(f.samples.at(-1) ?? NaN).padStart(9)}  (${f.received}/${f.expected} frames)`,
  );
  if (target.perSubscriber) {
    console.log(
      `${''.padEnd(16)} every subscriber's own p95: median ${ms(percentile(f.subscriberP95s, 50))}, worst ` +
        `${ms(worst)} (target < ${target.p95} ms for every subscriber: ${verdict(worst < target.p95 && f.received === f.expected)})`,
    );
  } else {
    console.log(`${''.padEnd(16)} target p95 < ${target.p95} ms: ${verdict(p(95) < target.p95)}`);
  }
}

export async function live(root: string): Promise<void> {
  await withBenchStack(root, { RATE_LIMIT_USER_PER_MINUTE: '0' }, (stack) => liveOn(stack.outputs));
}

/** The bench against a running stack (its per-user rate limit off). */
export async function liveOn(o: LocalOutputs): Promise<void> {
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`\n## Live board: write (HTTP answer) → event frame at each subscriber`);
  console.log(`  load average at the start: ${load()} (${os.cpus().length} cores)`);
  const api = apiClient(o, 32);
  const owner = await signUpLocalUser(o, 'Bench owner');
  const ws = expectStatus(
    await api<{ id: string }>('POST', '/workspaces', { token: owner.idToken, body: { name: 'Live bench' } }),
    201,
    'create workspace',
  );
  const project = expectStatus(
    await api<{ id: string }>('POST', `/workspaces/${ws.id}/projects`, {
      token: owner.idToken,
      body: { name: 'Live', key: 'LIVE' },
    }),
    201,
    'create project',
  );
  const members = await inviteMembers(o, api, owner, ws.id, MEMBERS);
  const people = [owner, ...members];
  const tasks: Task[] = [];
  for (let i = 0; i < TASKS; i++) {
    const task = expectStatus(
      await api<{ id: string; version: number }>('POST', `/projects/${project.id}/tasks`, {
        token: owner.idToken,
        body: { title: `Live task ${i + 1}` },
      }),
      201,
      'create task',
    );
    tasks.push({ id: task.id, version: task.version, busy: false });
  }

  const deliveries = new Deliveries(0);
  const writer = new Writer(api, owner, tasks, deliveries);
  const subscribers: Subscriber[] = [];

  /** Waits until no PRESENCE frame came for `quietMs` (or `maxMs` passed); when the last one came. */
  const presenceSettled = async (quietMs: number, maxMs: number) => {
    const started = performance.now();
    const seen = deliveries.presenceFrames;
    let last = started;
    let count = seen;
    while (performance.now() - last < quietMs && performance.now() - started < maxMs) {
      await sleep(100);
      if (deliveries.presenceFrames !== count) {
        count = deliveries.presenceFrames;
        last = performance.now();
      }
    }
    return last;
  };

  /**
   * Opens and subscribes connections until there are `count`: in waves of JOIN_WAVE (OPEN_CONCURRENCY at a
   * time), each wave once the last one's PRESENCE frames have settled. Every join is news to everyone on the
   * board, so n joins cost about n²/2 frames however they come; waves keep each broadcast batch well inside the
   * function's timeout, and the measurements below start on a quiet board.
   */
  const grow = async (count: number) => {
    const from = subscribers.length;
    const started = performance.now();
    const presenceBefore = deliveries.presenceFrames;
    let refused = 0;
    const answers = { subscribed: 0, refused: 0, unanswered: 0 };
    const openTimes: number[] = [];
    const subscribeTimes: number[] = [];
    for (let wave = from; wave < count; wave += JOIN_WAVE) {
      let next = wave;
      const end = Math.min(count, wave + JOIN_WAVE);
      await Promise.all(
        Array.from({ length: OPEN_CONCURRENCY }, async () => {
          while (next < end) {
            const index = next++;
            const person = people[index % people.length]!;
            const t0 = performance.now();
            try {
              const subscriber = await Subscriber.open(o.wsUrl, person.idToken, index, deliveries);
              const t1 = performance.now();
              openTimes.push(t1 - t0);
              subscribers[index] = subscriber;
              const answer = await subscriber.subscribe(project.id, SUBSCRIBE_TIMEOUT_MS);
              answers[answer]++;
              if (answer === 'subscribed') subscribeTimes.push(performance.now() - t1);
            } catch {
              refused++;
            }
          }
        }),
      );
      await presenceSettled(1000, 300_000);
    }
    const open = subscribers.filter((s) => s?.open).length;
    if (count - from > 1) {
      openTimes.sort((a, b) => a - b);
      subscribeTimes.sort((a, b) => a - b);
      const presence = deliveries.presenceFrames - presenceBefore;
      console.log(
        `  ${from} → ${count} subscribers in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
          `$connect p50 ${ms(percentile(openTimes, 50))}, p95 ${ms(percentile(openTimes, 95))} ` +
          `(${refused} refused); subscribe answered p50 ${ms(percentile(subscribeTimes, 50))}, ` +
          `p95 ${ms(percentile(subscribeTimes, 95))}; ${presence} PRESENCE frames from the joins`,
      );
      if (answers.refused || answers.unanswered) {
        console.log(
          `  subscribe answers: ${answers.subscribed} subscribed, ${answers.refused} refused, ` +
            `${answers.unanswered} unanswered within ${SUBSCRIBE_TIMEOUT_MS / 1000} s`,
        );
      }
      console.log(`  connections open at the gateway: ${open}/${count}`);
    }
    if (open < count) throw new Error(`only ${open} of ${count} connections are open`);
    deliveries.resize(count);
  };

  /** Closed loop: one write at a time, the next once every subscriber got this one (or the timeout). */
  const latencyRun = async (count: number, writes: number): Promise<Figures> => {
    await grow(count);
    // Warm-up: a few writes whose frames are not counted.
    for (let i = 0; i < 5; i++) {
      const expected = await writer.write();
      const deadline = performance.now() + FRAME_TIMEOUT_MS;
      while (expected && expected.received < count && performance.now() < deadline) await sleep(5);
    }
    deliveries.resize(count);
    const written: Expected[] = [];
    for (let i = 0; i < writes; i++) {
      const expected = await writer.write();
      if (!expected) continue;
      written.push(expected);
      const deadline = performance.now() + FRAME_TIMEOUT_MS;
      while (expected.received < count && performance.now() < deadline) await sleep(2);
      // A pause of 0-30 ms: writes do not fall in step with the stream poller's 20 ms reads.
      await sleep(Math.random() * 30);
    }
    return figuresOf(written, count);
  };

  const one = await latencyRun(1, WRITES[1]!);
  printLatency('1 subscriber', one, { p95: 100 });
  const fifty = await latencyRun(50, WRITES[50]!);
  printLatency('50 subscribers', fifty, { p95: 1000, perSubscriber: true });
  const many = await latencyRun(SUBSCRIBERS, WRITES_LARGE);
  printLatency(`${SUBSCRIBERS} subscribers`, many, { p95: 1000, perSubscriber: true });

  // --- sustained: RATE changes a second, open loop -------------------------------------------------------
  deliveries.resize(SUBSCRIBERS);
  const written: Array<Promise<Expected | undefined>> = [];
  const started = performance.now();
  const total = Math.round((SUSTAINED_MS / 1000) * RATE);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    written.push(writer.write());
  }
  const writes = (await Promise.all(written)).filter((e): e is Expected => e !== undefined);
  const writeSeconds = (performance.now() - started) / 1000;
  const expectedFrames = writes.length * SUBSCRIBERS;
  const drainStarted = performance.now();
  while (
    deliveries.received < expectedFrames &&
    performance.now() - Math.max(deliveries.lastFrameAt, drainStarted) < DRAIN_QUIET_MS &&
    performance.now() - drainStarted < DRAIN_MAX_MS
  ) {
    await sleep(100);
  }
  const drained = (performance.now() - drainStarted) / 1000;
  const sustained = figuresOf(writes, SUBSCRIBERS);
  const ratio = sustained.received / Math.max(1, sustained.expected);
  console.log(
    `sustained        ${writes.length} changes in ${writeSeconds.toFixed(1)} s ` +
      `(${(writes.length / writeSeconds).toFixed(1)}/s, ${writer.errors} failed writes) to ${SUBSCRIBERS} ` +
      `subscribers: ${(sustained.expected / writeSeconds).toFixed(0)} frames/s asked`,
  );
  printLatency('  latency', sustained, { p95: 1000, perSubscriber: true });
  console.log(
    `  delivery ratio ${(ratio * 100).toFixed(2)}% (${sustained.received}/${sustained.expected} frames; ` +
      `${deliveries.duplicates} duplicates; the last ${drained.toFixed(1)} s after the last write)`,
  );
  const trouble = stackTrouble(o);
  console.log(
    `  the stack's log: ${trouble.length ? trouble.join('; ') : 'nothing given up, no route failed'}`,
  );
  console.log(`  load average at the end: ${load()}`);
  // The sockets stay open: the stack's stop closes them once its pollers are stopped (closing them here
  // first would be a thousand leaves, each news to everyone left on the board).
}
