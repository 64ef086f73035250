import { createStore, get, update, type UseStore } from 'idb-keyval';
import type { Task } from '../../../shared/schemas/tasks.ts';
import type { TaskChanges } from '../task/conflict.ts';
import { backoffMs, classify, ordered, rebase, takeConflicting, type OutboxEntry } from './outbox-logic.ts';

/**
 * The outbox: every task edit and card move is saved through it, online or offline (one way to save). A change
 * is written to IndexedDB first (it survives a reload, a crash, a closed tab), then sent; the queue is sent in
 * order, one request at a time, each with its own Idempotency-Key and the version it was made on. What became
 * of each change is reported to the app (`OutboxHandlers`): saved, a conflict for the person to settle, or
 * refused. Tabs of one browser share the queue; one of them sends at a time (Web Locks where there are any; two
 * tabs sending the same change anyway is harmless: the API applies a key once).
 */

export interface OutboxHandlers {
  /** Saved: `task` is the server's answer; `pending` are this task's changes still waiting. */
  saved(entry: OutboxEntry, task: Task, pending: OutboxEntry[]): void;
  /** Someone else changed the task first: `mine` are the changes that left the queue with this one. */
  conflict(entry: OutboxEntry, current: Task, mine: TaskChanges, pending: OutboxEntry[]): void;
  /** The API refused the change for good (it left the queue). */
  refused(entry: OutboxEntry, error: unknown, pending: OutboxEntry[]): void;
}

export interface OutboxStatus {
  /** Changes of the signed-in person waiting to be sent (or being sent). */
  pending: number;
  /** A request of the queue is on its way. */
  syncing: boolean;
  /** When the next try is due after a failure (ms since epoch), if one is waiting. */
  retryAt?: number;
}

export interface OutboxOptions {
  send(entry: OutboxEntry): Promise<Task>;
  handlers: OutboxHandlers;
  store?: UseStore;
  online?: () => boolean;
  now?: () => number;
  newId?: () => string;
  /** Runs `fn` while no other tab sends (Web Locks). */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
}

const QUEUE = 'queue';

export const defaultStore = () => createStore('teamflow-outbox', 'entries');

const webLock = <T>(fn: () => Promise<T>): Promise<T> =>
  typeof navigator !== 'undefined' && navigator.locks
    ? (navigator.locks.request('teamflow-outbox', () => fn()) as Promise<T>)
    : fn();

export type NewEntry = Pick<OutboxEntry, 'kind' | 'taskId' | 'taskKey' | 'projectId' | 'body' | 'version'>;

export class Outbox {
  private userId: string | undefined;
  private entries: OutboxEntry[] = [];
  private status: OutboxStatus = { pending: 0, syncing: false };
  private listeners = new Set<() => void>();
  private running: Promise<void> | undefined;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly store: UseStore;
  private readonly online: () => boolean;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly exclusive: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Tells this browser's other tabs that the queue changed (their indicator follows). */
  private readonly channel: BroadcastChannel | undefined;

  constructor(private readonly options: OutboxOptions) {
    this.store = options.store ?? defaultStore();
    this.online = options.online ?? (() => navigator.onLine);
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => crypto.randomUUID());
    this.exclusive = options.exclusive ?? webLock;
    if (typeof window !== 'undefined' && typeof BroadcastChannel !== 'undefined') {
      this.channel = new BroadcastChannel('teamflow-outbox');
      this.channel.onmessage = () => void this.reload();
    }
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };
  snapshot = () => this.status;

  /** This person's changes still waiting, in order (of one task, given its id). */
  pending(taskId?: string): OutboxEntry[] {
    return taskId ? this.entries.filter((e) => e.taskId === taskId) : this.entries;
  }

  /** Follows the signed-in person: their queue is read and sent; nobody's is sent while signed out. */
  async setUser(userId: string | undefined): Promise<void> {
    this.userId = userId;
    await this.reload();
    if (userId) this.kick();
  }

  /** Queues a change (written to IndexedDB before this resolves) and starts sending. */
  async enqueue(change: NewEntry): Promise<OutboxEntry> {
    const userId = this.userId;
    if (!userId) throw new Error('Sign in to save changes');
    let entry!: OutboxEntry;
    await update<OutboxEntry[]>(
      QUEUE,
      (list = []) => {
        entry = {
          ...change,
          id: this.newId(),
          seq: Math.max(this.now(), ...list.map((e) => e.seq + 1)),
          userId,
          sent: false,
          attempts: 0,
          notBefore: 0,
          createdAt: this.now(),
        };
        return [...list, entry];
      },
      this.store,
    );
    this.channel?.postMessage('changed');
    this.entries = [...this.entries, entry];
    this.publish();
    this.kick();
    return entry;
  }

  /** Back online: changes that waited for the network go now (a server's Retry-After is still honoured). */
  async wake(): Promise<void> {
    await this.edit((list) =>
      list.map((e) => (e.lastError === 'network' || e.lastError === 'session' ? { ...e, notBefore: 0 } : e)),
    );
    return this.kick();
  }

  /** Forgets a person's waiting changes (signing out on a shared computer). */
  async clearUser(userId: string): Promise<void> {
    await this.edit((list) => list.filter((e) => e.userId !== userId));
  }

  /** Sends what is due; returns when the queue is empty or waiting (offline, backoff). */
  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.exclusive(() => this.drain());
        } while (this.again);
      } finally {
        this.running = undefined;
        this.setStatus({ syncing: false });
      }
    })();
    return this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      await this.reload();
      const head = this.entries[0];
      if (!head || !this.userId) return;
      const wait = head.notBefore - this.now();
      if (wait > 0) {
        this.schedule(wait);
        return;
      }
      if (!this.online()) return;
      if (!head.sent)
        await this.edit((list) => list.map((e) => (e.id === head.id ? { ...e, sent: true } : e)));
      this.setStatus({ syncing: true });
      let saved: Task;
      try {
        saved = await this.options.send({ ...head, sent: true });
      } catch (error) {
        if (!(await this.failed(head, error))) return;
        continue;
      }
      await this.edit((list) =>
        rebase(
          list.filter((e) => e.id !== head.id),
          head.taskId,
          head.version,
          saved.version,
        ),
      );
      this.options.handlers.saved(head, saved, this.pending(head.taskId));
    }
  }

  /** A failed send: true when the queue can go on with the next change. */
  private async failed(head: OutboxEntry, error: unknown): Promise<boolean> {
    const outcome = classify(error);
    if (outcome.kind === 'retry') {
      const attempts = head.attempts + 1;
      const notBefore = this.now() + backoffMs(attempts, outcome.afterMs);
      await this.edit((list) =>
        list.map((e) => (e.id === head.id ? { ...e, attempts, notBefore, lastError: outcome.reason } : e)),
      );
      this.schedule(notBefore - this.now());
      return false;
    }
    if (outcome.kind === 'conflict') {
      let mine: TaskChanges = {};
      await this.edit((list) => {
        const taken = takeConflicting(list, head);
        mine = taken.mine;
        return taken.rest;
      });
      this.options.handlers.conflict(head, outcome.current, mine, this.pending(head.taskId));
      return true;
    }
    await this.edit((list) => list.filter((e) => e.id !== head.id));
    this.options.handlers.refused(head, error, this.pending(head.taskId));
    return true;
  }

  private schedule(ms: number) {
    if (this.timer) clearTimeout(this.timer);
    this.setStatus({ retryAt: this.now() + ms });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.kick();
    }, ms);
  }

  /** Changes the stored queue in one IndexedDB transaction, then re-reads this person's part of it. */
  private async edit(change: (list: OutboxEntry[]) => OutboxEntry[]): Promise<void> {
    await update<OutboxEntry[]>(QUEUE, (list = []) => change(list), this.store);
    this.channel?.postMessage('changed');
    await this.reload();
  }

  private async reload(): Promise<void> {
    const userId = this.userId;
    const list = userId ? ((await get<OutboxEntry[]>(QUEUE, this.store)) ?? []) : [];
    this.entries = ordered(list.filter((e) => e.userId === userId));
    this.publish();
  }

  private publish() {
    const head = this.entries[0];
    this.setStatus({
      pending: this.entries.length,
      retryAt: head && head.notBefore > this.now() ? head.notBefore : undefined,
    });
  }

  private setStatus(next: Partial<OutboxStatus>) {
    const merged = { ...this.status, ...next };
    if (
      merged.pending === this.status.pending &&
      merged.syncing === this.status.syncing &&
      merged.retryAt === this.status.retryAt
    )
      return;
    this.status = merged;
    for (const listener of this.listeners) listener();
  }

  dispose() {
    if (this.timer) clearTimeout(this.timer);
    this.channel?.close();
    this.listeners.clear();
  }
}
