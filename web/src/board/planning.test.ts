import type { Sprint } from '../../../shared/schemas/sprints.ts';
import type { Task } from '../../../shared/schemas/tasks.ts';
import {
  BACKLOG_DROPPABLE,
  canPlan,
  isBacklogTask,
  planDrop,
  planningSprint,
  sprintDroppableId,
  sprintOfDroppable,
  totalPoints,
} from './planning.ts';

const task = (over: Partial<Task> = {}) =>
  ({ sprintId: null, status: 'todo', deletedAt: null, storyPoints: null, ...over }) as Task;
const sprint = (id: string, status: Sprint['status']) => ({ id, status }) as Sprint;

describe('isBacklogTask', () => {
  it('takes open tasks in no sprint', () => {
    for (const status of ['todo', 'in_progress', 'in_review', 'blocked'] as const)
      expect(isBacklogTask(task({ status }))).toBe(true);
  });
  it('leaves out tasks in a sprint, finished (done, archived) and deleted ones', () => {
    expect(isBacklogTask(task({ sprintId: 'p.s1' }))).toBe(false);
    expect(isBacklogTask(task({ status: 'done' }))).toBe(false);
    expect(isBacklogTask(task({ status: 'archived' }))).toBe(false);
    expect(isBacklogTask(task({ deletedAt: '2025-01-01T00:00:00Z' }))).toBe(false);
  });
});

describe('drop targets of the plan', () => {
  it('map to a sprint id, null for the backlog, undefined for anything else', () => {
    expect(sprintOfDroppable(BACKLOG_DROPPABLE)).toBeNull();
    expect(sprintOfDroppable(sprintDroppableId('p1.01ABC'))).toBe('p1.01ABC');
    expect(sprintOfDroppable('column:todo')).toBeUndefined();
  });
});

describe('planDrop', () => {
  it('a backlog task dropped on the sprint joins it', () => {
    expect(planDrop(task(), sprintDroppableId('p.s1'))).toEqual({ sprintId: 'p.s1' });
  });
  it('a sprint task dropped on the backlog leaves its sprint', () => {
    expect(planDrop(task({ sprintId: 'p.s1' }), BACKLOG_DROPPABLE)).toEqual({ sprintId: null });
  });
  it('changes nothing when dropped where it already is, or outside the lists', () => {
    expect(planDrop(task(), BACKLOG_DROPPABLE)).toBeNull();
    expect(planDrop(task({ sprintId: 'p.s1' }), sprintDroppableId('p.s1'))).toBeNull();
    expect(planDrop(task(), 'day:2025-01-01')).toBeNull();
  });
});

describe('planningSprint', () => {
  it('is the active sprint, else the first planned one, else none', () => {
    expect(planningSprint([sprint('a', 'planned'), sprint('b', 'active')])?.id).toBe('b');
    expect(
      planningSprint([sprint('a', 'completed'), sprint('b', 'planned'), sprint('c', 'planned')])?.id,
    ).toBe('b');
    expect(planningSprint([sprint('a', 'completed')])).toBeUndefined();
  });
  it('only planned and active sprints take tasks', () => {
    expect(canPlan(sprint('a', 'planned'))).toBe(true);
    expect(canPlan(sprint('a', 'active'))).toBe(true);
    expect(canPlan(sprint('a', 'completed'))).toBe(false);
  });
});

it('totalPoints counts unestimated tasks as 0', () => {
  expect(totalPoints([task({ storyPoints: 3 }), task(), task({ storyPoints: 5 })])).toBe(8);
});
