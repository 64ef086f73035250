import type { InfiniteData } from '@tanstack/react-query';
import type { Task, TaskStatus } from '../../../shared/schemas/tasks.ts';
import type { Page } from '../lib/api.ts';

/** The board's columns, in board order (archived is not a column). */
export const COLUMNS = [
  { status: 'todo', title: 'To do' },
  { status: 'in_progress', title: 'In progress' },
  { status: 'in_review', title: 'In review' },
  { status: 'blocked', title: 'Blocked' },
  { status: 'done', title: 'Done' },
] as const satisfies readonly { status: TaskStatus; title: string }[];

export type BoardStatus = (typeof COLUMNS)[number]['status'];

export const STATUS_TITLES: Record<TaskStatus, string> = {
  todo: 'To do',
  in_progress: 'In progress',
  in_review: 'In review',
  blocked: 'Blocked',
  done: 'Done',
  archived: 'Archived',
};

export const PRIORITY_TITLES = { low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' } as const;

export const columnDroppableId = (status: TaskStatus) => `column:${status}`;
export const statusOfDroppable = (id: string): TaskStatus | undefined =>
  id.startsWith('column:') ? (id.slice('column:'.length) as TaskStatus) : undefined;

/**
 * The move's neighbours for a task put at `index` of `list` (the target column WITHOUT the moved task), as the
 * API reads them: `beforeId` ends up directly above, `afterId` directly below (docs/api-notes.md, "Move").
 */
export function neighboursAt(
  list: readonly { id: string }[],
  index: number,
): { beforeId?: string; afterId?: string } {
  const at = Math.max(0, Math.min(index, list.length));
  const result: { beforeId?: string; afterId?: string } = {};
  const above = list[at - 1];
  const below = list[at];
  if (above) result.beforeId = above.id;
  if (below) result.afterId = below.id;
  return result;
}

export type DropOver = { kind: 'card'; id: string; below: boolean } | { kind: 'column'; status: TaskStatus };

export interface DropPlace {
  status: TaskStatus;
  /** Index in the target column without the moved task. */
  index: number;
}

/**
 * Where a dropped card lands. Within its own column it takes the place of the card it was dropped on (the
 * sortable convention: moving down lands below it, moving up above it); in another column it goes above the
 * card it was dropped on, or below it when dropped on its lower half; on a column's empty space, at the bottom.
 * Null when nothing changes.
 */
export function dropPlace(
  columns: Partial<Record<TaskStatus, readonly { id: string }[]>>,
  activeId: string,
  from: TaskStatus,
  over: DropOver,
): DropPlace | null {
  let status: TaskStatus;
  let overIndex: number;
  if (over.kind === 'column') {
    status = over.status;
    overIndex = -1;
  } else {
    const found = (Object.entries(columns) as [TaskStatus, { id: string }[]][]).find(([, list]) =>
      list.some((t) => t.id === over.id),
    );
    if (!found) return null;
    status = found[0];
    overIndex = found[1].findIndex((t) => t.id === over.id);
  }
  const target = columns[status] ?? [];
  const without = target.filter((t) => t.id !== activeId);
  let index: number;
  if (over.kind === 'column') index = without.length;
  else if (over.id === activeId) return null;
  else if (status === from) index = overIndex;
  else index = overIndex + (over.below ? 1 : 0);
  if (status === from) {
    const current = target.findIndex((t) => t.id === activeId);
    if (current === index) return null;
  }
  return { status, index };
}

// ---------------------------------------------------------------------------------------------------------
// A column's tasks as TanStack Query keeps them (pages of the list route): optimistic edits that keep the
// pages and their cursors, so a later "load more" still continues where it left off.
// ---------------------------------------------------------------------------------------------------------

export type ColumnData = InfiniteData<Page<Task>, string | null>;

export const flatten = (data: InfiniteData<Page<Task>, unknown> | undefined): Task[] =>
  data?.pages.flatMap((p) => p.items) ?? [];

export function removeTask(data: ColumnData, taskId: string): ColumnData {
  return {
    ...data,
    pages: data.pages.map((page) =>
      page.items.some((t) => t.id === taskId)
        ? { ...page, items: page.items.filter((t) => t.id !== taskId) }
        : page,
    ),
  };
}

/** Puts `task` at `index` of the column (counted over all pages); past the end, into the last page. */
export function insertTask(data: ColumnData, index: number, task: Task): ColumnData {
  let offset = 0;
  const pages = data.pages.map((page) => ({ ...page, items: [...page.items] }));
  if (pages.length === 0) return { pages: [{ items: [task], nextCursor: null }], pageParams: [null] };
  for (const page of pages) {
    if (index <= offset + page.items.length) {
      page.items.splice(Math.max(0, index - offset), 0, task);
      return { ...data, pages };
    }
    offset += page.items.length;
  }
  pages[pages.length - 1]!.items.push(task);
  return { ...data, pages };
}

export function replaceTask(data: ColumnData, task: Task): ColumnData {
  return {
    ...data,
    pages: data.pages.map((page) =>
      page.items.some((t) => t.id === task.id)
        ? { ...page, items: page.items.map((t) => (t.id === task.id ? keepCoverUrl(t, task) : t)) }
        : page,
    ),
  };
}

/**
 * Only board reads carry a cover's URL (`coverUrl`); a task from anywhere else (a change's answer, a live event)
 * keeps the URL the board had while its cover is the same attachment.
 */
export function keepCoverUrl(shown: Task, task: Task): Task {
  if (task.coverUrl || !task.coverAttachmentId || shown.coverAttachmentId !== task.coverAttachmentId)
    return task;
  return shown.coverUrl ? { ...task, coverUrl: shown.coverUrl } : task;
}

/** True when every page of the column is loaded (so its bottom is the column's real bottom). */
export const fullyLoaded = (data: ColumnData | undefined) =>
  !!data && (data.pages.at(-1)?.nextCursor ?? null) === null;

/** Whether a due date (YYYY-MM-DD) is before `today` (YYYY-MM-DD, the viewer's day) and the task is not done. */
export const isOverdue = (task: Pick<Task, 'dueDate' | 'status'>, today: string) =>
  !!task.dueDate && task.dueDate < today && task.status !== 'done' && task.status !== 'archived';

/** The viewer's local date as YYYY-MM-DD. */
export function localDate(date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
