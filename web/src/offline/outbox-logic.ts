import type { Task } from '../../../shared/schemas/tasks.ts';
import type { TaskChanges } from '../task/conflict.ts';

/**
 * The outbox's pure rules (outbox-logic.test.ts): what a queued change is, how a later change of the same task
 * is chained onto the version an earlier one produced, how an error is classified, when to try again, and how
 * changes still waiting are laid over a task the server answered with (so nothing snaps back on screen).
 */

/** A task change waiting to be sent: a field edit (PATCH /tasks/{id}) or a board move (POST /tasks/{id}/move). */
export interface OutboxEntry {
  /** Also the request's Idempotency-Key: a retry after a lost answer is applied once. */
  id: string;
  /** Order of the queue (sent strictly in this order, one at a time). */
  seq: number;
  /** Whose change it is (the queue is per person; a shared browser never sends one person's change as another). */
  userId: string;
  kind: 'edit' | 'move';
  taskId: string;
  taskKey: string;
  projectId: string;
  /** The fields changed (edit), or the column and neighbours (move). */
  body: Record<string, unknown>;
  /** The task version the change was made on (sent as `version`; chained, see `rebase`). */
  version: number;
  /** Sent at least once: its body (and so its version) is frozen, as the idempotency key requires. */
  sent: boolean;
  attempts: number;
  /** Not sent again before this time (ms since epoch; backoff and Retry-After). */
  notBefore: number;
  /** Why the last attempt failed: a network error is retried at once when the browser is back online. */
  lastError?: 'network' | 'server' | 'rate' | 'session';
  createdAt: number;
}

export const requestOf = (entry: OutboxEntry) => ({
  method: entry.kind === 'move' ? ('POST' as const) : ('PATCH' as const),
  path: entry.kind === 'move' ? `/tasks/${entry.taskId}/move` : `/tasks/${entry.taskId}`,
  body: { version: entry.version, ...entry.body },
});

/** The fields a change sets, as the conflict dialog compares them (a move sets the status). */
export function changesOf(entry: OutboxEntry): TaskChanges {
  if (entry.kind === 'move') return { status: entry.body.status as Task['status'] };
  return entry.body as TaskChanges;
}

/** The queue in sending order. */
export const ordered = (entries: OutboxEntry[]) => [...entries].sort((a, b) => a.seq - b.seq);

/**
 * After a change of a task was saved (it was made on `from`, the server answered `to`): the later changes of that
 * task made on `from` too were made on what this person saw, which is now `to`, so they are sent with `to`.
 * One that was already sent keeps its body (its idempotency key is tied to it). A change made on another version
 * (someone else's, read meanwhile) is left as it is: if it is stale, the server says so (a conflict).
 */
export function rebase(entries: OutboxEntry[], taskId: string, from: number, to: number): OutboxEntry[] {
  return entries.map((e) =>
    e.taskId === taskId && !e.sent && e.version === from ? { ...e, version: to } : e,
  );
}

export type Outcome =
  | { kind: 'conflict'; current: Task }
  | { kind: 'refused' }
  | { kind: 'retry'; reason: NonNullable<OutboxEntry['lastError']>; afterMs?: number };

interface ErrorLike {
  status?: number;
  code?: string;
  current?: unknown;
  retryAfterMs?: number;
}

/**
 * What a failed send means for the change: a version conflict goes to the person (the conflict dialog); an
 * answer that will not change by trying again (400, 403, 404, 409 other than "still running", 410, 413, 422)
 * drops it; no answer, 5xx, 429, 408 and an ended session (401, signed in again later) try again.
 */
export function classify(error: unknown): Outcome {
  const e = (error ?? {}) as ErrorLike;
  const status = e.status ?? 0;
  if (e.code === 'VERSION_CONFLICT' && e.current) return { kind: 'conflict', current: e.current as Task };
  if (status === 0) return { kind: 'retry', reason: 'network' };
  if (status === 429) return { kind: 'retry', reason: 'rate', afterMs: e.retryAfterMs };
  // The same key still running elsewhere (another tab sent it): its answer is kept, so ask again shortly.
  if (status === 409 && e.retryAfterMs !== undefined)
    return { kind: 'retry', reason: 'rate', afterMs: e.retryAfterMs };
  if (status === 401) return { kind: 'retry', reason: 'session' };
  if (status >= 500 || status === 408) return { kind: 'retry', reason: 'server', afterMs: e.retryAfterMs };
  return { kind: 'refused' };
}

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 60_000;

/** The wait before attempt `attempts + 1`: exponential with jitter, at least the server's Retry-After. */
export function backoffMs(attempts: number, afterMs?: number, random: () => number = Math.random): number {
  const exp = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.max(jittered, afterMs ?? 0);
}

/**
 * A task as it looks with this person's changes still waiting laid over it (the server's copy, or one read
 * from the cache). Moves set the status; their place comes from the server once saved.
 */
export function withPending(task: Task, entries: OutboxEntry[]): Task {
  let result = task;
  for (const entry of ordered(entries)) {
    if (entry.taskId !== task.id) continue;
    result = { ...result, ...changesOf(entry) };
  }
  return result;
}

/**
 * When a change met a conflict: it and the later changes of the same task (made on the same stale copy, they
 * would meet it too) leave the queue together; the dialog shows all their fields at once.
 */
export function takeConflicting(
  entries: OutboxEntry[],
  failed: OutboxEntry,
): { rest: OutboxEntry[]; mine: TaskChanges } {
  const taken = ordered(entries).filter((e) => e.taskId === failed.taskId && e.seq >= failed.seq);
  const mine = taken.reduce<TaskChanges>((all, e) => ({ ...all, ...changesOf(e) }), {});
  const ids = new Set(taken.map((e) => e.id));
  return { rest: entries.filter((e) => !ids.has(e.id)), mine };
}

/** Words for a change in a message: "title and priority", "move to Done". */
export function describeChange(entry: OutboxEntry, fieldTitles: Record<string, string>): string {
  if (entry.kind === 'move') return 'move';
  const names = Object.keys(entry.body).map((f) => (fieldTitles[f] ?? f).toLowerCase());
  if (names.length <= 1) return `${names[0] ?? 'change'} change`;
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)} change`;
}
