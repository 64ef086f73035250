import type { Task, TaskPriority } from '../../../shared/schemas/tasks.ts';
import type { Query } from '../lib/api.ts';

/** The board's filters, as the URL's query keeps them (so a filtered board can be shared and reloaded). */
export interface BoardFilters {
  q?: string;
  assignee?: string;
  label?: string;
  priority?: TaskPriority;
  sprint?: string;
  due?: 'overdue' | 'today' | 'week';
}

const PRIORITIES: readonly string[] = ['low', 'medium', 'high', 'critical'];
const DUES: readonly string[] = ['overdue', 'today', 'week'];
const FILTER_KEYS = ['q', 'assignee', 'label', 'priority', 'sprint', 'due'] as const;

export function filtersFromParams(params: URLSearchParams): BoardFilters {
  const filters: BoardFilters = {};
  const q = params.get('q')?.trim();
  if (q) filters.q = q.slice(0, 200);
  const assignee = params.get('assignee');
  if (assignee) filters.assignee = assignee;
  const label = params.get('label');
  if (label) filters.label = label;
  const priority = params.get('priority');
  if (priority && PRIORITIES.includes(priority)) filters.priority = priority as TaskPriority;
  const sprint = params.get('sprint');
  if (sprint) filters.sprint = sprint;
  const due = params.get('due');
  if (due && DUES.includes(due)) filters.due = due as BoardFilters['due'];
  return filters;
}

/** Writes `filters` into a copy of `params`, keeping any other parameter; empty filters leave the URL. */
export function paramsWithFilters(params: URLSearchParams, filters: BoardFilters): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value) next.set(key, value);
    else next.delete(key);
  }
  return next;
}

const addDays = (day: string, days: number) => {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
};

/**
 * The list route's query for the filters the API applies itself (`dueBefore` is strictly before a day);
 * `today` is the viewer's local date. Priority and the lower bound of "today" are applied by `matches`.
 */
export function apiQuery(filters: BoardFilters, today: string): Query {
  return {
    q: filters.q,
    assigneeId: filters.assignee,
    labelId: filters.label,
    sprintId: filters.sprint,
    dueBefore:
      filters.due === 'overdue'
        ? today
        : filters.due === 'today'
          ? addDays(today, 1)
          : filters.due === 'week'
            ? addDays(today, 7)
            : undefined,
  };
}

/** The filters the client applies on top of the API's (priority; "today" excludes overdue). */
export function matches(
  task: { priority: TaskPriority; dueDate: string | null },
  filters: BoardFilters,
  today: string,
): boolean {
  if (filters.priority && task.priority !== filters.priority) return false;
  if (filters.due === 'today' && task.dueDate !== today) return false;
  if (filters.due === 'week' && (!task.dueDate || task.dueDate < today)) return false;
  return true;
}

/**
 * Every filter, on the client: whether a task the API did not list (a live event brought it) belongs to a view
 * with these filters. The server's rules: `q` is in the title or description (any case), `sprint=none` is the
 * backlog, `due` ranges as `apiQuery` asks for them plus what `matches` adds.
 */
export function matchesAll(
  task: Pick<
    Task,
    'priority' | 'dueDate' | 'title' | 'description' | 'assigneeIds' | 'labelIds' | 'sprintId'
  >,
  filters: BoardFilters,
  today: string,
): boolean {
  if (!matches(task, filters, today)) return false;
  if (filters.assignee && !task.assigneeIds.includes(filters.assignee)) return false;
  if (filters.label && !task.labelIds.includes(filters.label)) return false;
  if (filters.sprint && (task.sprintId ?? 'none') !== filters.sprint) return false;
  const dueBefore = apiQuery(filters, today).dueBefore as string | undefined;
  if (dueBefore && (!task.dueDate || task.dueDate >= dueBefore)) return false;
  if (filters.q) {
    const q = filters.q.toLowerCase();
    if (!task.title.toLowerCase().includes(q) && !(task.description ?? '').toLowerCase().includes(q))
      return false;
  }
  return true;
}

export const hasFilters = (filters: BoardFilters) => FILTER_KEYS.some((key) => !!filters[key]);

/** How many of the filters a sheet holds (all but the search, which stays on screen) are set. */
export const selectFilterCount = (filters: BoardFilters) =>
  FILTER_KEYS.filter((key) => key !== 'q' && !!filters[key]).length;
