import type { Task } from '../../../shared/schemas/tasks.ts';

export type SortKey = 'key' | 'title' | 'status' | 'priority' | 'dueDate';

const STATUS_ORDER = ['todo', 'in_progress', 'in_review', 'blocked', 'done', 'archived'];
const PRIORITY_ORDER = ['low', 'medium', 'high', 'critical'];

/** The list view's sort: a stable sort by one column; undated tasks last whichever the direction. */
export function sortTasks(tasks: readonly Task[], key: SortKey, dir: 1 | -1): Task[] {
  const value = (t: Task): number | string | null => {
    switch (key) {
      case 'key':
        return t.number;
      case 'title':
        return t.title.toLocaleLowerCase();
      case 'status':
        return STATUS_ORDER.indexOf(t.status);
      case 'priority':
        return PRIORITY_ORDER.indexOf(t.priority);
      case 'dueDate':
        return t.dueDate;
    }
  };
  return tasks
    .map((task, index) => ({ task, index, v: value(task) }))
    .sort((a, b) => {
      if (a.v === null && b.v !== null) return 1;
      if (b.v === null && a.v !== null) return -1;
      if (a.v !== null && b.v !== null && a.v !== b.v) return (a.v < b.v ? -1 : 1) * dir;
      return a.index - b.index;
    })
    .map((x) => x.task);
}
