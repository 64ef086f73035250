import type { InfiniteData, QueryClient, QueryKey } from '@tanstack/react-query';
import type { Comment } from '../../../shared/schemas/comments.ts';
import type { Project } from '../../../shared/schemas/projects.ts';
import type { Sprint } from '../../../shared/schemas/sprints.ts';
import type { Subtask } from '../../../shared/schemas/subtasks.ts';
import type { Activity, ChangeEvent, Task } from '../../../shared/schemas/tasks.ts';
import type { AttachmentWithUrl } from '../../../shared/schemas/attachments.ts';
import type { AttachmentEvent, LiveChangeEvent } from '../../../shared/schemas/websocket.ts';
import type { Page } from '../lib/api.ts';
import { keys } from '../lib/data.ts';
import { flatten, type ColumnData } from '../board/board-logic.ts';
import { matchesAll, type BoardFilters } from '../board/filters.ts';
import {
  activityOf,
  childDelta,
  isEmptyDelta,
  keepCounters,
  prependActivity,
  removeById,
  upsertById,
  upsertColumn,
  upsertPaged,
  upsertSeed,
  withCounters,
  type CounterDelta,
} from './cache-edits.ts';
import type { Admission, EventGate } from './gate.ts';

/**
 * A change event (live or caught up: the same code) applied to the query cache in place: the board's columns
 * and first page, the list view, sprint plans, the calendar, an open task panel (task, comments, subtasks,
 * history), the project and its sprints. Nothing is refetched except where an event cannot say enough: a
 * `partial` event (re-read the entity), a calendar whose date range the cache key does not hold, a subtask
 * deleted from a checklist never loaded, an attachment that became ready (its download URL is per caller).
 */

/** Someone else's (or another tab's) change of a task: the open panel warns about a field being edited. */
export interface RemoteChange {
  taskId: string;
  actorId: string;
  fields: string[];
  deleted: boolean;
  at: string;
}

export interface ApplyContext {
  client: QueryClient;
  gate: EventGate;
  /** The viewer's local date (the due filters are relative to it). */
  today: string;
  /** Re-reads a task with GET and applies it (applyFetchedTask). */
  rereadTask(taskId: string): void;
  /** Marks the queries under `key` stale and refetches the ones on screen (coalesced by the caller). */
  refresh(key: QueryKey): void;
  remoteChange?(change: RemoteChange): void;
}

export type Outcome = Admission | 'reread';

export function applyEvent(ctx: ApplyContext, event: LiveChangeEvent): Outcome {
  switch (event.entityType) {
    case 'task':
      return applyTaskEvent(ctx, event);
    case 'comment':
      return applyCommentEvent(ctx, event);
    case 'subtask':
      return applySubtaskEvent(ctx, event);
    case 'project':
      return applyProjectEvent(ctx, event);
    case 'sprint':
      return applySprintEvent(ctx, event);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------------------------

type Paged = InfiniteData<Page<Task>, string | null>;

/** Writes `next` when it differs from what the cache holds (edits return their input when nothing changes). */
function write<T>(client: QueryClient, key: QueryKey, old: T | undefined, next: T | undefined) {
  if (old !== undefined && next !== undefined && next !== old) client.setQueryData(key, next);
}

function update<T>(client: QueryClient, key: QueryKey, edit: (old: T) => T) {
  const old = client.getQueryData<T>(key);
  if (old !== undefined) write(client, key, old, edit(old));
}

/** A cache key's filters part (the JSON the board keys its queries by). */
function filtersOf(part: unknown): BoardFilters {
  try {
    return typeof part === 'string' ? (JSON.parse(part) as BoardFilters) : {};
  } catch {
    return {};
  }
}

/** Every cached copy of a task: board columns and first page, list view, plans, calendar, panel. */
export function cachedTasks(client: QueryClient, projectId: string, taskId: string): Task[] {
  const found: Task[] = [];
  const pick = (items: Task[]) => {
    const task = items.find((t) => t.id === taskId);
    if (task) found.push(task);
  };
  for (const prefix of [keys.column(projectId), keys.list(projectId), keys.plan(projectId)])
    for (const [, data] of client.getQueriesData<Paged>({ queryKey: prefix })) pick(flatten(data));
  for (const [, data] of client.getQueriesData<Page<Task>>({ queryKey: keys.seed(projectId) }))
    pick(data?.items ?? []);
  for (const [, data] of client.getQueriesData<Task[]>({ queryKey: keys.calendar(projectId) }))
    pick(data ?? []);
  const panel = client.getQueryData<Task>(keys.task(taskId));
  if (panel) found.push(panel);
  return found;
}

const newestVersion = (tasks: Task[]) => Math.max(0, ...tasks.map((t) => t.version));

/** Puts a task (as the server has it now) into every view of its project, where it belongs by its fields. */
export function putTask(ctx: Pick<ApplyContext, 'client' | 'today' | 'refresh'>, task: Task) {
  const { client, today } = ctx;
  const projectId = task.projectId;
  const live = !task.deletedAt;
  for (const [key, data] of client.getQueriesData<ColumnData>({ queryKey: keys.column(projectId) })) {
    if (!data) continue;
    const belongs = live && task.status === key[2] && matchesAll(task, filtersOf(key[3]), today);
    write(client, key, data, upsertColumn(data, task, belongs));
  }
  for (const [key, data] of client.getQueriesData<Page<Task>>({ queryKey: keys.seed(projectId) })) {
    if (data)
      write(client, key, data, upsertSeed(data, task, live && matchesAll(task, filtersOf(key[2]), today)));
  }
  for (const [key, data] of client.getQueriesData<Paged>({ queryKey: keys.list(projectId) })) {
    if (data)
      write(client, key, data, upsertPaged(data, task, live && matchesAll(task, filtersOf(key[2]), today)));
  }
  for (const [key, data] of client.getQueriesData<Paged>({ queryKey: keys.plan(projectId) })) {
    if (data)
      write(client, key, data, upsertPaged(data, task, live && (task.sprintId ?? 'backlog') === key[2]));
  }
  // A calendar's key holds the first day of its grid only: a task whose day changed (or a new one with a day)
  // makes the calendar re-read its month; a change on the same day is applied in place.
  let calendarStale = false;
  for (const [key, data] of client.getQueriesData<Task[]>({ queryKey: keys.calendar(projectId) })) {
    const current = data?.find((t) => t.id === task.id);
    if (current && live && current.dueDate === task.dueDate)
      write(
        client,
        key,
        data,
        data!.map((t) => (t.id === task.id ? task : t)),
      );
    else if (current || (live && task.dueDate)) calendarStale = true;
  }
  if (calendarStale) ctx.refresh(keys.calendar(projectId));
  update<Task>(client, keys.task(task.id), () => task);
}

/** Changes every cached copy of a task the same way, where it is (counters: no view changes membership). */
function mapTask(client: QueryClient, projectId: string, taskId: string, edit: (task: Task) => Task) {
  const onItems = (items: Task[]) =>
    items.some((t) => t.id === taskId) ? items.map((t) => (t.id === taskId ? edit(t) : t)) : items;
  const onPages = (data: Paged): Paged => {
    const pages = data.pages.map((page) => {
      const items = onItems(page.items);
      return items === page.items ? page : { ...page, items };
    });
    return pages.every((p, i) => p === data.pages[i]) ? data : { ...data, pages };
  };
  for (const prefix of [keys.column(projectId), keys.list(projectId), keys.plan(projectId)])
    for (const [key, data] of client.getQueriesData<Paged>({ queryKey: prefix }))
      if (data) write(client, key, data, onPages(data));
  for (const [key, data] of client.getQueriesData<Page<Task>>({ queryKey: keys.seed(projectId) })) {
    if (!data) continue;
    const items = onItems(data.items);
    write(client, key, data, items === data.items ? data : { ...data, items });
  }
  for (const [key, data] of client.getQueriesData<Task[]>({ queryKey: keys.calendar(projectId) }))
    if (data) write(client, key, data, onItems(data));
  update<Task>(client, keys.task(taskId), edit);
}

/** A deleted task leaves every list; an open panel shows it deleted. */
function dropTask(ctx: ApplyContext, projectId: string, taskId: string, deletedAt: string) {
  const { client } = ctx;
  for (const prefix of [keys.column(projectId), keys.list(projectId), keys.plan(projectId)])
    for (const [key, data] of client.getQueriesData<Paged>({ queryKey: prefix })) {
      const task = flatten(data).find((t) => t.id === taskId);
      if (data && task) write(client, key, data, upsertPaged(data, task, false));
    }
  for (const [key, data] of client.getQueriesData<Page<Task>>({ queryKey: keys.seed(projectId) })) {
    const task = data?.items.find((t) => t.id === taskId);
    if (data && task) write(client, key, data, upsertSeed(data, task, false));
  }
  for (const [key, data] of client.getQueriesData<Task[]>({ queryKey: keys.calendar(projectId) }))
    if (data) write(client, key, data, removeById(data, taskId));
  update<Task>(client, keys.task(taskId), (task) => (task.deletedAt ? task : { ...task, deletedAt }));
}

function addActivity(client: QueryClient, taskId: string | null, event: ChangeEvent) {
  if (!taskId) return;
  const activity = activityOf(event);
  for (const [key, data] of client.getQueriesData<Activity[]>({ queryKey: keys.activity(taskId) }))
    if (data) write(client, key, data, prependActivity(data, activity));
}

function applyTaskEvent(ctx: ApplyContext, event: LiveChangeEvent): Outcome {
  const { client, gate } = ctx;
  const cached = cachedTasks(client, event.projectId, event.entityId);
  const verdict = gate.admit(event, newestVersion(cached));
  if (verdict !== 'apply') return verdict;
  addActivity(client, event.entityId, event);
  ctx.remoteChange?.({
    taskId: event.entityId,
    actorId: event.actorId,
    fields: Object.keys(event.changes),
    deleted: event.action === 'deleted',
    at: event.at,
  });
  if (event.action === 'deleted') {
    const deletedAt = event.changes.deletedAt?.to;
    dropTask(ctx, event.projectId, event.entityId, typeof deletedAt === 'string' ? deletedAt : event.at);
    return 'apply';
  }
  if (event.partial || !event.data) {
    ctx.rereadTask(event.entityId);
    return 'reread';
  }
  const incoming = event.data as Task;
  const base = cached[0];
  const fresh = gate.takeEventCounters(incoming.id, Date.parse(event.at));
  putTask(ctx, !base || fresh ? incoming : keepCounters(incoming, base));
  return 'apply';
}

/**
 * A task read with GET at server time `readAt` (after a partial event, or for its counters): its counters are
 * the truth as of then; the rest replaces the cache unless an event brought a newer version meanwhile.
 */
export function applyFetchedTask(ctx: ApplyContext, task: Task, readAt: number) {
  ctx.gate.countersRead(task.id, readAt);
  ctx.gate.note(task.id, task.version);
  const cached = cachedTasks(ctx.client, task.projectId, task.id);
  if (task.version >= newestVersion(cached)) putTask(ctx, task);
  else mapTask(ctx.client, task.projectId, task.id, (t) => keepCounters(t, task));
}

/** Tasks a query's data holds, by the query's key (to note when their counters were read). */
export function tasksIn(key: QueryKey, data: unknown): Task[] {
  if (!data) return [];
  switch (key[0]) {
    case 'column':
    case 'list':
    case 'plan':
      return flatten(data as Paged);
    case 'boardSeed':
      return (data as Page<Task>).items;
    case 'calendar':
      return data as Task[];
    case 'task':
      return [data as Task];
    default:
      return [];
  }
}

// ---------------------------------------------------------------------------------------------------------
// Comments and subtasks: their own lists, and the task's counters
// ---------------------------------------------------------------------------------------------------------

function countChild(ctx: ApplyContext, event: ChangeEvent, delta: CounterDelta | 'unknown') {
  const taskId = event.taskId;
  if (!taskId) return;
  if (delta === 'unknown') {
    ctx.rereadTask(taskId);
    return;
  }
  if (isEmptyDelta(delta) || !ctx.gate.countChild(taskId, Date.parse(event.at))) return;
  mapTask(ctx.client, event.projectId, taskId, (task) => withCounters(task, delta));
}

/** A comment or subtask event: the list of its task (when loaded) and the task's counters. */
function applyChildEvent<T extends { id: string; version: number }>(
  ctx: ApplyContext,
  event: LiveChangeEvent,
  listKey: QueryKey,
  wasDone: (item: T | undefined) => boolean | undefined,
): Outcome {
  const { client, gate } = ctx;
  const list = client.getQueryData<T[]>(listKey);
  const current = list?.find((x) => x.id === event.entityId);
  const verdict = gate.admit(event, current?.version ?? 0);
  if (verdict !== 'apply') return verdict;
  addActivity(client, event.taskId, event);
  if (event.action === 'deleted') update<T[]>(client, listKey, (items) => removeById(items, event.entityId));
  else if (event.partial || !event.data) ctx.refresh(listKey);
  else update<T[]>(client, listKey, (items) => upsertById(items, event.data as T));
  countChild(ctx, event, childDelta(event, wasDone(current)));
  return 'apply';
}

function applyCommentEvent(ctx: ApplyContext, event: LiveChangeEvent): Outcome {
  if (!event.taskId) return 'stale';
  return applyChildEvent<Comment>(ctx, event, keys.comments(event.taskId), () => undefined);
}

function applySubtaskEvent(ctx: ApplyContext, event: LiveChangeEvent): Outcome {
  if (!event.taskId) return 'stale';
  return applyChildEvent<Subtask>(ctx, event, keys.subtasks(event.taskId), (subtask) => subtask?.done);
}

/**
 * The tab's own new comment (its answer came back): listed and counted once, whether or not its event came
 * first. Returns whether it was new to the cache.
 */
export function applyOwnComment(ctx: ApplyContext, comment: Comment): boolean {
  if (!ctx.gate.note(comment.id, comment.version)) return false;
  update<Comment[]>(ctx.client, keys.comments(comment.taskId), (items) => upsertById(items, comment));
  mapTask(ctx.client, comment.projectId, comment.taskId, (task) => withCounters(task, { commentCount: 1 }));
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Project and sprints
// ---------------------------------------------------------------------------------------------------------

function applyProjectEvent(ctx: ApplyContext, event: LiveChangeEvent): Outcome {
  const { client, gate } = ctx;
  const byKey = client
    .getQueriesData<Project | null>({ queryKey: keys.projectByKey })
    .filter(([, p]) => p?.id === event.entityId);
  const verdict = gate.admit(event, Math.max(0, ...byKey.map(([, p]) => p!.version)));
  if (verdict !== 'apply') return verdict;
  const project = event.data as Project | null;
  if (!project || event.partial) {
    void client.invalidateQueries({ queryKey: keys.projectByKey });
    return 'reread';
  }
  for (const [key, old] of byKey) write(client, key, old, project);
  update<Project[]>(client, keys.projects(project.workspaceId), (items) =>
    items.some((p) => p.id === project.id) ? items.map((p) => (p.id === project.id ? project : p)) : items,
  );
  return 'apply';
}

function applySprintEvent(ctx: ApplyContext, event: LiveChangeEvent): Outcome {
  const { client, gate } = ctx;
  const listKey = keys.sprints(event.projectId);
  const current = client.getQueryData<Sprint[]>(listKey)?.find((s) => s.id === event.entityId);
  const verdict = gate.admit(event, current?.version ?? 0);
  if (verdict !== 'apply') return verdict;
  if (event.action === 'deleted')
    update<Sprint[]>(client, listKey, (items) => removeById(items, event.entityId));
  else if (event.partial || !event.data) ctx.refresh(listKey);
  else update<Sprint[]>(client, listKey, (items) => upsertById(items, event.data as Sprint));
  ctx.refresh(keys.burndown(event.entityId));
  return 'apply';
}

// ---------------------------------------------------------------------------------------------------------
// Attachments (not in the change feed: pushed only)
// ---------------------------------------------------------------------------------------------------------

/**
 * An attachment became ready or went. A ready one comes without its download URL (per caller, short-lived): the
 * task's list reads again; a deleted one leaves the list at once. The task's `attachmentCount` changed without a
 * task event, and the uploader's own tab also sets it from a read of the task: so the task is re-read (its
 * counters as of that read, applyFetchedTask) rather than counted here, and no upload is counted twice.
 */
export function applyAttachmentEvent(ctx: ApplyContext, event: AttachmentEvent): Outcome {
  const { client, gate } = ctx;
  const deleted = event.type === 'ATTACHMENT_DELETED';
  const verdict = gate.admit({ ...event, action: deleted ? 'deleted' : 'created' });
  if (verdict !== 'apply') return verdict;
  const listKey = keys.attachments(event.taskId);
  if (deleted) update<AttachmentWithUrl[]>(client, listKey, (items) => removeById(items, event.entityId));
  else ctx.refresh(listKey);
  if (cachedTasks(client, event.projectId, event.taskId).length === 0) return 'apply';
  ctx.rereadTask(event.taskId);
  return 'reread';
}
