import type { Task } from '../../../shared/schemas/tasks.ts';
import { sortTasks } from './sort.ts';

const t = (number: number, extra: Partial<Task> = {}) =>
  ({
    id: String(number),
    number,
    title: `T${number}`,
    status: 'todo',
    priority: 'medium',
    dueDate: null,
    ...extra,
  }) as Task;

describe('sortTasks', () => {
  const tasks = [
    t(3, { priority: 'low', dueDate: '2026-02-01' }),
    t(1, { priority: 'critical' }),
    t(2, { priority: 'high', dueDate: '2026-01-01' }),
  ];
  it('sorts by number, not by key text (WEB-10 after WEB-9)', () => {
    expect(sortTasks([t(10), t(9)], 'key', 1).map((x) => x.number)).toEqual([9, 10]);
  });
  it('sorts priority by rank and flips with the direction', () => {
    expect(sortTasks(tasks, 'priority', -1).map((x) => x.number)).toEqual([1, 2, 3]);
    expect(sortTasks(tasks, 'priority', 1).map((x) => x.number)).toEqual([3, 2, 1]);
  });
  it('keeps undated tasks last in both directions', () => {
    expect(sortTasks(tasks, 'dueDate', 1).map((x) => x.number)).toEqual([2, 3, 1]);
    expect(sortTasks(tasks, 'dueDate', -1).map((x) => x.number)).toEqual([3, 2, 1]);
  });
});
