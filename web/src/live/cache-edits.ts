import type { InfiniteData } from '@tanstack/react-query';
import type { Activity, ChangeEvent, Task } from '../../../shared/schemas/tasks.ts';
import type { Page } from '../lib/api.ts';
import {
  flatten,
  fullyLoaded,
  insertTask,
  removeTask,
  replaceTask,
  type ColumnData,
} from '../board/board-logic.ts';

/**
 * How one change lands in the shapes the query cache keeps (pure; cache-edits.test.ts). Each edit returns its
 * input itself when nothing changes, so the caller can skip a cache write and the views do not re-render.
 */

/** Board order within a column: by rank, then id (as the list route sorts). */
const precedes = (a: Pick<Task, 'rank' | 'id'>, b: Pick<Task, 'rank' | 'id'>) =>
  a.rank < b.rank || (a.rank === b.rank && a.id < b.id);

/**
 * A board column after `task` changed; `belongs` says whether it is in this column now. A task whose rank did
 * not change keeps its place (no jump); otherwise it goes where its rank puts it, unless that is past the loaded
 * pages of a column not fully loaded (a later page will bring it).
 */
export function upsertColumn(data: ColumnData, task: Task, belongs: boolean): ColumnData {
  const current = flatten(data).find((t) => t.id === task.id);
  if (!belongs) return current ? removeTask(data, task.id) : data;
  if (current === task) return data;
  if (current && current.rank === task.rank) return replaceTask(data, task);
  const rest = current ? removeTask(data, task.id) : data;
  const others = flatten(rest);
  const index = others.findIndex((t) => precedes(task, t));
  if (index === -1 && !fullyLoaded(rest)) return rest;
  return insertTask(rest, index === -1 ? others.length : index, task);
}

/**
 * The board's first page (every status, board order within each): the same rule as a column, among the tasks
 * of the task's status.
 */
export function upsertSeed(page: Page<Task>, task: Task, belongs: boolean): Page<Task> {
  const current = page.items.find((t) => t.id === task.id);
  if (!belongs) return current ? { ...page, items: page.items.filter((t) => t.id !== task.id) } : page;
  if (current === task) return page;
  if (current && current.rank === task.rank && current.status === task.status)
    return { ...page, items: page.items.map((t) => (t.id === task.id ? task : t)) };
  const items = page.items.filter((t) => t.id !== task.id);
  const next = items.findIndex((t) => t.status === task.status && precedes(task, t));
  if (next !== -1) return { ...page, items: [...items.slice(0, next), task, ...items.slice(next)] };
  if (page.nextCursor !== null) return { ...page, items };
  const lastOfStatus = items.findLastIndex((t) => t.status === task.status);
  const at = lastOfStatus === -1 ? items.length : lastOfStatus + 1;
  return { ...page, items: [...items.slice(0, at), task, ...items.slice(at)] };
}

/**
 * A paged list the view sorts itself (the list view, a sprint plan): replaced in place, removed when it no
 * longer belongs, added at the end when it newly belongs and every page is loaded.
 */
export function upsertPaged(
  data: InfiniteData<Page<Task>, string | null>,
  task: Task,
  belongs: boolean,
): InfiniteData<Page<Task>, string | null> {
  const current = flatten(data).find((t) => t.id === task.id);
  if (!belongs) return current ? removeTask(data, task.id) : data;
  if (current === task) return data;
  if (current) return replaceTask(data, task);
  return fullyLoaded(data) ? insertTask(data, Number.MAX_SAFE_INTEGER, task) : data;
}

/** Replaces the item with the same id, or appends it (lists in creation order: comments, subtasks, sprints). */
export function upsertById<T extends { id: string }>(items: T[], item: T): T[] {
  const at = items.findIndex((x) => x.id === item.id);
  if (at === -1) return [...items, item];
  if (items[at] === item) return items;
  return items.map((x, i) => (i === at ? item : x));
}

export function removeById<T extends { id: string }>(items: T[], id: string): T[] {
  return items.some((x) => x.id === id) ? items.filter((x) => x.id !== id) : items;
}

export type CounterField = 'commentCount' | 'subtaskCount' | 'subtasksDone';
export type CounterDelta = Partial<Record<CounterField, number>>;

/** The task with its counters moved by `delta` (never below 0). */
export function withCounters(task: Task, delta: CounterDelta): Task {
  const next = { ...task };
  for (const [field, by] of Object.entries(delta) as [CounterField, number][])
    next[field] = Math.max(0, task[field] + by);
  return next;
}

/**
 * The task `incoming` with the counters of `cached` (the cache's are newer than the event's). `attachmentCount`
 * too: attachments change it without a task event, and their events re-read the task (live/apply.ts).
 */
export const keepCounters = (incoming: Task, cached: Task): Task => ({
  ...incoming,
  commentCount: cached.commentCount,
  subtaskCount: cached.subtaskCount,
  subtasksDone: cached.subtasksDone,
  attachmentCount: cached.attachmentCount,
});

/**
 * What a comment or subtask event does to its task's counters. A subtask deletion carries no data: whether it
 * was done comes from `wasDone` (the cached checklist); 'unknown' when nobody knows (then the task is re-read).
 */
export function childDelta(event: ChangeEvent, wasDone?: boolean): CounterDelta | 'unknown' {
  if (event.entityType === 'comment') {
    if (event.action === 'created') return { commentCount: 1 };
    if (event.action === 'deleted') return { commentCount: -1 };
    return {};
  }
  if (event.entityType !== 'subtask') return {};
  if (event.action === 'created') {
    const done = (event.data as { done?: boolean } | null)?.done === true;
    return { subtaskCount: 1, subtasksDone: done ? 1 : 0 };
  }
  if (event.action === 'deleted') {
    const done = event.changes.done?.from ?? wasDone;
    if (done === undefined) return 'unknown';
    return { subtaskCount: -1, subtasksDone: done ? -1 : 0 };
  }
  const done = event.changes.done;
  if (!done || done.from === done.to) return {};
  return { subtasksDone: done.to ? 1 : -1 };
}

export const isEmptyDelta = (delta: CounterDelta) => Object.values(delta).every((by) => !by);

/** The event as a line of the task's activity (the feed and the history are the same records). */
export const activityOf = (event: ChangeEvent): Activity => ({
  id: event.id,
  at: event.at,
  actorId: event.actorId,
  action: event.action,
  entityType: event.entityType,
  entityId: event.entityId,
  changes: event.changes,
});

/** Adds an activity to a newest-first history (ids are ULIDs: they sort by time), once. */
export function prependActivity(list: Activity[], activity: Activity): Activity[] {
  if (list.some((a) => a.id === activity.id)) return list;
  const at = list.findIndex((a) => a.id < activity.id);
  return at === -1 ? [...list, activity] : [...list.slice(0, at), activity, ...list.slice(at)];
}
