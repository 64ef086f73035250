import type { QueryClient } from '@tanstack/react-query';
import type { Task } from '../../../shared/schemas/tasks.ts';
import { api, describeError } from '../lib/api.ts';
import { sessionSnapshot, subscribeSession } from '../lib/session.ts';
import { keys } from '../lib/data.ts';
import { localDate } from '../board/board-logic.ts';
import { dropFailureMessage } from '../board/drop-feedback.ts';
import { cachedTasks, putTask } from '../live/apply.ts';
import { FIELD_TITLES, type TaskChanges } from '../task/conflict.ts';
import { clearConflicts, raiseConflict } from './conflicts.ts';
import { Outbox, type OutboxHandlers } from './outbox.ts';
import { describeChange, requestOf, withPending, type OutboxEntry } from './outbox-logic.ts';
import { followCache, forgetCache, restoreCache } from './persist.ts';

/**
 * The app's side of offline: the outbox wired to the API and the query cache, the persisted cache following the
 * signed-in person, and the messages for the person (a change refused, a change that could not be queued).
 */

let client: QueryClient | undefined;
let stopCache: (() => void) | undefined;
let following: string | undefined;
/** After coming back online with changes waiting: views are refreshed once they are all sent. */
let refreshWhenSent = false;

const ctx = () => ({
  client: client!,
  today: localDate(),
  refresh: (key: readonly unknown[]) => void client!.invalidateQueries({ queryKey: key }),
});

/** A task as the server has it, into every cached view, with this person's changes still waiting on top. */
function showTask(task: Task, pending: OutboxEntry[]) {
  if (!client) return;
  const shown = withPending(task, pending);
  putTask(ctx(), shown);
  // The task panel finds a task by its key first (TaskDetail's `taskByKey`): that copy follows too.
  client.setQueriesData<Task | null>({ queryKey: ['taskByKey', task.projectId] }, (old) =>
    old && old.id === task.id ? shown : old,
  );
}

// Messages for the person (the toasts show them; see SyncMessages in react.tsx).
let messages: string[] = [];
const messageListeners = new Set<() => void>();
export const subscribeMessages = (listener: () => void) => {
  messageListeners.add(listener);
  return () => void messageListeners.delete(listener);
};
export const messagesSnapshot = () => messages;
export function takeMessages(): string[] {
  const taken = messages;
  messages = [];
  return taken;
}
function tell(message: string) {
  messages = [...messages, message];
  for (const listener of messageListeners) listener();
}

const handlers: OutboxHandlers = {
  saved(entry, task, pending) {
    showTask(task, pending);
    // A sprint's burndown counts the points of its tasks.
    if (client && ('sprintId' in entry.body || 'status' in entry.body || 'storyPoints' in entry.body))
      void client.invalidateQueries({ queryKey: ['burndown'] });
  },
  conflict(entry, current, mine) {
    raiseConflict({ taskId: entry.taskId, theirs: current, mine });
  },
  refused(entry, error, pending) {
    tell(
      entry.kind === 'move'
        ? dropFailureMessage(entry.taskKey, error).message
        : `${entry.taskKey}: your ${describeChange(entry, FIELD_TITLES)} was not saved. ${describeError(error)}`,
    );
    // Back to the server's copy (with the changes still waiting on top).
    api<Task>(`/tasks/${entry.taskId}`)
      .then((task) => showTask(task, pending))
      .catch(() => {
        for (const key of [keys.column(entry.projectId), keys.seed(entry.projectId), keys.task(entry.taskId)])
          void client?.invalidateQueries({ queryKey: key });
      });
  },
};

export const outbox = new Outbox({
  send: (entry) => {
    const { method, path, body } = requestOf(entry);
    return api<Task>(path, { method, body, idempotencyKey: entry.id });
  },
  handlers,
});

/** Lays the changes waiting in the outbox over the cached tasks (after a reload: the disk copy may be older). */
function showPending() {
  const byTask = new Map<string, OutboxEntry[]>();
  for (const entry of outbox.pending())
    byTask.set(entry.taskId, [...(byTask.get(entry.taskId) ?? []), entry]);
  for (const [taskId, entries] of byTask) {
    const cached = client && cachedTasks(client, entries[0]!.projectId, taskId);
    const newest = cached?.sort((a, b) => b.version - a.version)[0];
    if (newest) showTask(newest, entries);
  }
}

/**
 * Before the first render: the person's stored cache and waiting changes (the warm start). Then follows the
 * session: another person's data is never shown or sent.
 */
export async function startOffline(queryClient: QueryClient): Promise<void> {
  client = queryClient;
  await follow(sessionSnapshot().user?.id);
  subscribeSession(() => void follow(sessionSnapshot().user?.id));
  window.addEventListener('online', () => {
    if (outbox.snapshot().pending) refreshWhenSent = true;
    void outbox.wake();
  });
  outbox.subscribe(() => {
    const { pending } = outbox.snapshot();
    if (pending === 0 && refreshWhenSent && navigator.onLine) {
      refreshWhenSent = false;
      void client?.invalidateQueries();
    }
  });
}

async function follow(userId: string | undefined) {
  if (userId === following) return;
  const previous = following;
  following = userId;
  stopCache?.();
  stopCache = undefined;
  clearConflicts();
  // The cache holds one person's data: when the session changes hands (signed out here or in another tab, or
  // another person signed in in another tab, which this tab follows), nothing of the previous one stays.
  if (previous) client?.clear();
  if (!userId || !client) {
    await outbox.setUser(undefined);
    return;
  }
  await Promise.all([restoreCache(client, userId), outbox.setUser(userId)]);
  if (following !== userId) return;
  showPending();
  stopCache = followCache(client, userId);
}

/** Signing out on a shared computer: the person's cache and waiting changes leave this browser. */
export async function forgetUser(userId: string): Promise<void> {
  await Promise.all([forgetCache(userId), outbox.clearUser(userId)]);
}

/** The person chose the other person's version in a conflict: it is shown (with other changes still waiting). */
export const keepTheirs = (task: Task) => showTask(task, outbox.pending(task.id));

/**
 * Saves a task's field changes: on screen at once (every view), then through the outbox. `task` is the copy
 * the person edited (its version is what the change was made on).
 */
export async function saveTaskChanges(task: Task, changes: TaskChanges): Promise<void> {
  const current = newest(task);
  showTask({ ...current, ...changes }, []);
  await queue({ kind: 'edit', task: current, body: changes });
}

/**
 * The newest copy of a task this tab has: the caller's may be a render behind (two quick edits, or an answer
 * that just landed), and building on it would undo the earlier edit on screen or send an older version.
 */
function newest(task: Task): Task {
  if (!client) return task;
  // The panel's copy is written with every edit shown (putTask): the latest state on screen.
  const panel = client.getQueryData<Task>(keys.task(task.id));
  if (panel && panel.version >= task.version) return panel;
  const [top] = cachedTasks(client, task.projectId, task.id).sort((a, b) => b.version - a.version);
  return top && top.version > task.version ? top : task;
}

/** Queues field changes the caller has already shown (a calendar's own optimistic copy). */
export const queueTaskChanges = (task: Task, changes: TaskChanges) =>
  queue({ kind: 'edit', task, body: changes });

/** Saves a board move (the caller has already placed the card): through the outbox. */
export async function saveTaskMove(
  task: Task,
  body: { status: Task['status']; beforeId?: string; afterId?: string },
): Promise<void> {
  await queue({ kind: 'move', task: newest(task), body });
}

let persistenceAsked = false;

/**
 * A change has to wait for the network: asks the browser to keep this site's storage under disk pressure
 * (granted to installed apps; docs/offline.md "Storage limits").
 */
function askPersistence() {
  if (persistenceAsked || !navigator.storage?.persist) return;
  persistenceAsked = true;
  void navigator.storage.persist().catch(() => undefined);
}

async function queue({
  kind,
  task,
  body,
}: {
  kind: OutboxEntry['kind'];
  task: Task;
  body: Record<string, unknown>;
}) {
  try {
    await outbox.enqueue({
      kind,
      taskId: task.id,
      taskKey: task.key,
      projectId: task.projectId,
      body,
      version: task.version,
    });
    if (!navigator.onLine) askPersistence();
  } catch (error) {
    // No IndexedDB (a private window of an old browser, storage full): the change cannot be kept, so say so.
    tell(`${task.key}: not saved. This browser could not store the change (${describeError(error)}).`);
    api<Task>(`/tasks/${task.id}`)
      .then((fresh) => showTask(fresh, outbox.pending(task.id)))
      .catch(() => undefined);
  }
}
