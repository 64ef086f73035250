import 'fake-indexeddb/auto';
import { createStore } from 'idb-keyval';
import type { Task } from '../../../shared/schemas/tasks.ts';
import { ApiError } from '../lib/api.ts';
import { Outbox, type NewEntry, type OutboxHandlers } from './outbox.ts';
import {
  backoffMs,
  classify,
  rebase,
  requestOf,
  takeConflicting,
  withPending,
  type OutboxEntry,
} from './outbox-logic.ts';

const task = (id: string, version: number, extra: Partial<Task> = {}) =>
  ({
    id,
    key: id.toUpperCase(),
    projectId: 'p1',
    version,
    title: `Task ${id}`,
    status: 'todo',
    ...extra,
  }) as Task;

const edit = (taskId: string, version: number, body: Record<string, unknown>): NewEntry => ({
  kind: 'edit',
  taskId,
  taskKey: taskId.toUpperCase(),
  projectId: 'p1',
  body,
  version,
});

interface Sent {
  id: string;
  method: string;
  path: string;
  body: Record<string, unknown>;
}

let storeNumber = 0;

/**
 * An outbox on a fresh fake IndexedDB whose "server" answers each request with `answer` (default: the task at
 * the sent version + 1), recording what was sent and what the app was told.
 */
function harness(answer?: (sent: Sent, n: number) => Task | Error) {
  const store = createStore(`outbox-test-${++storeNumber}`, 'entries');
  const sent: Sent[] = [];
  const told: string[] = [];
  let online = true;
  const handlers: OutboxHandlers = {
    saved: (e, t) => told.push(`saved ${e.taskId} v${t.version}`),
    conflict: (e, current, mine) =>
      told.push(`conflict ${e.taskId} theirs v${current.version} mine ${JSON.stringify(mine)}`),
    refused: (e) => told.push(`refused ${e.taskId}`),
  };
  let clock = 1_000_000;
  const make = () =>
    new Outbox({
      store,
      handlers,
      online: () => online,
      now: () => clock,
      exclusive: (fn) => fn(),
      send: async (entry) => {
        const request = { id: entry.id, ...requestOf(entry) };
        sent.push(request);
        const result = answer?.(request, sent.length) ?? task(entry.taskId, entry.version + 1);
        if (result instanceof Error) throw result;
        return result;
      },
    });
  return {
    make,
    sent,
    told,
    setOnline: (value: boolean) => (online = value),
    advance: (ms: number) => (clock += ms),
  };
}

const conflictError = (current: Task) => new ApiError(409, 'VERSION_CONFLICT', 'stale', [], current, 'r');

const boxes: Outbox[] = [];
afterEach(() => {
  for (const box of boxes.splice(0)) box.dispose();
});
const open = async (h: ReturnType<typeof harness>, userId = 'alice') => {
  const box = h.make();
  boxes.push(box);
  await box.setUser(userId);
  return box;
};

describe('the outbox', () => {
  it('sends changes in the order they were made, each with its own idempotency key', async () => {
    const h = harness();
    const box = await open(h);
    h.setOnline(false);
    await box.enqueue(edit('a', 1, { title: 'One' }));
    await box.enqueue(edit('b', 4, { priority: 'high' }));
    await box.enqueue(edit('a', 1, { status: 'done' }));
    expect(h.sent).toHaveLength(0);
    expect(box.snapshot().pending).toBe(3);
    h.setOnline(true);
    await box.kick();
    expect(h.sent.map((s) => `${s.method} ${s.path} ${JSON.stringify(s.body)}`)).toEqual([
      'PATCH /tasks/a {"version":1,"title":"One"}',
      'PATCH /tasks/b {"version":4,"priority":"high"}',
      // Made on version 1 like the first, which produced 2: sent on 2, no conflict with myself.
      'PATCH /tasks/a {"version":2,"status":"done"}',
    ]);
    expect(new Set(h.sent.map((s) => s.id)).size).toBe(3);
    expect(box.snapshot().pending).toBe(0);
  });

  it('keeps waiting changes across a reload (a new outbox on the same database), per person', async () => {
    const h = harness();
    h.setOnline(false);
    const before = await open(h, 'alice');
    await before.enqueue(edit('a', 1, { title: 'Offline' }));
    before.dispose();
    const bob = await open(h, 'bob');
    expect(bob.snapshot().pending).toBe(0);
    const after = await open(h, 'alice');
    expect(after.pending().map((e) => e.body)).toEqual([{ title: 'Offline' }]);
    h.setOnline(true);
    await after.kick();
    expect(h.sent.map((s) => s.body)).toEqual([{ version: 1, title: 'Offline' }]);
  });

  it('tries again after a network error with the same key and body (applied once by the API)', async () => {
    const h = harness((_sent, n) => (n === 1 ? new ApiError(0, 'NETWORK_ERROR', 'offline') : task('a', 2)));
    const box = await open(h);
    await box.enqueue(edit('a', 1, { title: 'Once' }));
    await box.kick();
    expect(box.snapshot().pending).toBe(1);
    expect(box.pending()[0]).toMatchObject({ attempts: 1, sent: true, lastError: 'network' });
    await box.wake();
    expect(h.sent).toHaveLength(2);
    expect(h.sent[1]).toEqual(h.sent[0]);
    expect(box.snapshot().pending).toBe(0);
    expect(h.told).toEqual(['saved a v2']);
  });

  it("waits for a 429's Retry-After before sending again", async () => {
    const h = harness(() => new ApiError(429, 'RATE_LIMITED', 'slow down', [], undefined, 'r', 30_000));
    const box = await open(h);
    await box.enqueue(edit('a', 1, { title: 'Later' }));
    await box.kick();
    await box.wake();
    await box.kick();
    expect(h.sent).toHaveLength(1);
    expect(box.snapshot().retryAt).toBeGreaterThanOrEqual(1_000_000 + 30_000);
  });

  it('hands a conflict to the person with every waiting change of that task, and goes on with the others', async () => {
    const theirs = task('a', 7, { title: 'Theirs' });
    const h = harness(
      (sent) => (sent.path === '/tasks/a' ? conflictError(theirs) : undefined) as Task | Error,
    );
    const box = await open(h);
    h.setOnline(false);
    await box.enqueue(edit('a', 5, { title: 'Mine' }));
    await box.enqueue(edit('b', 2, { priority: 'low' }));
    await box.enqueue(edit('a', 5, { priority: 'urgent' }));
    h.setOnline(true);
    await box.kick();
    expect(h.told).toEqual(['conflict a theirs v7 mine {"title":"Mine","priority":"urgent"}', 'saved b v3']);
    // The second change of "a" never went out: it would have met the same conflict.
    expect(h.sent.map((s) => s.path)).toEqual(['/tasks/a', '/tasks/b']);
    expect(box.snapshot().pending).toBe(0);
  });

  it('drops a change the API refuses for good and tells the person, then sends the next', async () => {
    const h = harness((_sent, n) =>
      n === 1
        ? new ApiError(400, 'VALIDATION_ERROR', 'bad', [{ field: 'title', message: 'too long' }])
        : undefined!,
    );
    const box = await open(h);
    h.setOnline(false);
    await box.enqueue(edit('a', 1, { title: 'x'.repeat(300) }));
    await box.enqueue(edit('a', 1, { priority: 'high' }));
    h.setOnline(true);
    await box.kick();
    expect(h.told).toEqual(['refused a', 'saved a v2']);
    // The refused change produced no version: the next one keeps the version it was made on.
    expect(h.sent[1]!.body).toEqual({ version: 1, priority: 'high' });
  });
});

describe('the outbox rules', () => {
  const entry = (over: Partial<OutboxEntry>): OutboxEntry => ({
    id: 'k',
    seq: 1,
    userId: 'u',
    kind: 'edit',
    taskId: 'a',
    taskKey: 'A',
    projectId: 'p1',
    body: {},
    version: 1,
    sent: false,
    attempts: 0,
    notBefore: 0,
    createdAt: 0,
    ...over,
  });

  it('classifies errors: conflict to the person, refusals dropped, the rest tried again', () => {
    const current = task('a', 3);
    expect(classify(new ApiError(409, 'VERSION_CONFLICT', '', [], current))).toEqual({
      kind: 'conflict',
      current,
    });
    expect(classify(new ApiError(0, 'NETWORK_ERROR', ''))).toMatchObject({
      kind: 'retry',
      reason: 'network',
    });
    expect(classify(new ApiError(503, 'INTERNAL_ERROR', '', [], undefined, '', 2000))).toMatchObject({
      kind: 'retry',
      reason: 'server',
      afterMs: 2000,
    });
    expect(classify(new ApiError(429, 'RATE_LIMITED', '', [], undefined, '', 5000))).toMatchObject({
      kind: 'retry',
      afterMs: 5000,
    });
    expect(classify(new ApiError(401, 'UNAUTHORIZED', ''))).toMatchObject({
      kind: 'retry',
      reason: 'session',
    });
    // The same key still running (another tab): asked again; the same key with another body: refused.
    expect(classify(new ApiError(409, 'CONFLICT', '', [], undefined, '', 1000))).toMatchObject({
      kind: 'retry',
    });
    expect(classify(new ApiError(409, 'CONFLICT', ''))).toEqual({ kind: 'refused' });
    for (const [status, code] of [
      [400, 'VALIDATION_ERROR'],
      [403, 'FORBIDDEN'],
      [404, 'NOT_FOUND'],
    ] as const)
      expect(classify(new ApiError(status, code, ''))).toEqual({ kind: 'refused' });
  });

  it('backs off exponentially up to a cap, never before the Retry-After', () => {
    expect(backoffMs(1, undefined, () => 1)).toBe(1000);
    expect(backoffMs(3, undefined, () => 1)).toBe(4000);
    expect(backoffMs(30, undefined, () => 1)).toBe(60_000);
    expect(backoffMs(1, 10_000, () => 0)).toBe(10_000);
  });

  it('chains only changes not sent yet and made on the version the saved change was made on', () => {
    const list = [
      entry({ id: '1', version: 5 }),
      entry({ id: '2', version: 5, sent: true }),
      entry({ id: '3', version: 4 }),
      entry({ id: '4', version: 5, taskId: 'b' }),
    ];
    expect(rebase(list, 'a', 5, 6).map((e) => e.version)).toEqual([6, 5, 4, 5]);
  });

  it('lays waiting changes over the server copy in order, a move setting the status', () => {
    const server = task('a', 6, { title: 'Server', priority: 'low' });
    const shown = withPending(server, [
      entry({ seq: 2, body: { priority: 'high' } }),
      entry({ seq: 1, body: { priority: 'medium', title: 'Mine' } }),
      entry({ seq: 3, kind: 'move', body: { status: 'done', afterId: 'x' } }),
      entry({ seq: 4, taskId: 'b', body: { title: 'Other task' } }),
    ]);
    expect(shown).toMatchObject({ version: 6, title: 'Mine', priority: 'high', status: 'done' });
  });

  it('takes the conflicting change and the later ones of its task together', () => {
    const list = [
      entry({ id: '1', seq: 1, body: { title: 'Earlier, already saved?' } }),
      entry({ id: '2', seq: 2, body: { title: 'Mine' } }),
      entry({ id: '3', seq: 3, taskId: 'b', body: { title: 'B' } }),
      entry({ id: '4', seq: 4, kind: 'move', body: { status: 'blocked' } }),
    ];
    const { rest, mine } = takeConflicting(list, list[1]!);
    expect(rest.map((e) => e.id)).toEqual(['1', '3']);
    expect(mine).toEqual({ title: 'Mine', status: 'blocked' });
  });
});
