import { decodeTime } from 'ulid';
import { changeType } from './activity.ts';
import { activityIdAt, addDays, assignmentsOf, dayIn, dueRange, goalDeltas } from './tasks.ts';
import { taskRecord, WS } from './test-fixtures.ts';

describe('goal counters', () => {
  const G = 'GOAL1';
  const H = 'GOAL2';

  it('counts a linked live task, and as done when done', () => {
    expect(goalDeltas(undefined, taskRecord({ goalId: G }))).toEqual([{ goalId: G, tasks: 1, done: 0 }]);
    expect(goalDeltas(undefined, taskRecord({ goalId: G, status: 'done' }))).toEqual([
      { goalId: G, tasks: 1, done: 1 },
    ]);
    expect(goalDeltas(undefined, taskRecord({}))).toEqual([]);
  });

  it('moves the count when the goal changes, and only done when the status does', () => {
    expect(
      goalDeltas(taskRecord({ goalId: G, status: 'done' }), taskRecord({ goalId: H, status: 'done' })),
    ).toEqual([
      { goalId: G, tasks: -1, done: -1 },
      { goalId: H, tasks: 1, done: 1 },
    ]);
    expect(goalDeltas(taskRecord({ goalId: G }), taskRecord({ goalId: G, status: 'done' }))).toEqual([
      { goalId: G, tasks: 0, done: 1 },
    ]);
    expect(goalDeltas(taskRecord({ goalId: G }), taskRecord({ goalId: G, status: 'in_review' }))).toEqual([]);
  });

  it('drops deleted and archived tasks from the count, and takes restored ones back', () => {
    const live = taskRecord({ goalId: G, status: 'done' });
    expect(goalDeltas(live, { ...live, deletedAt: '2026-01-01T00:00:00.000Z' })).toEqual([
      { goalId: G, tasks: -1, done: -1 },
    ]);
    expect(goalDeltas({ ...live, deletedAt: '2026-01-01T00:00:00.000Z' }, live)).toEqual([
      { goalId: G, tasks: 1, done: 1 },
    ]);
    expect(goalDeltas(live, { ...live, status: 'archived' })).toEqual([{ goalId: G, tasks: -1, done: -1 }]);
  });
});

describe('assignments', () => {
  it('gives one entry per assignee of a live task with its due date and status, none when deleted', () => {
    const t = taskRecord({ assigneeIds: ['a', 'b'], dueDate: '2026-03-01', status: 'blocked' });
    expect(assignmentsOf(t)).toEqual([
      expect.objectContaining({ userId: 'a', taskId: t.id, dueDate: '2026-03-01', status: 'blocked' }),
      expect.objectContaining({ userId: 'b', workspaceId: WS, projectId: t.projectId }),
    ]);
    expect(assignmentsOf({ ...t, deletedAt: '2026-01-01T00:00:00.000Z' })).toEqual([]);
  });
});

describe('My day dates', () => {
  it('takes today in the caller time zone', () => {
    const now = new Date('2026-03-01T23:30:00Z');
    expect(dayIn('UTC', now)).toBe('2026-03-01');
    expect(dayIn('Europe/Berlin', now)).toBe('2026-03-02');
    expect(dayIn('America/Los_Angeles', now)).toBe('2026-03-01');
    expect(dayIn('Not/AZone', now)).toBe('2026-03-01');
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2026-02-26', 6)).toBe('2026-03-04');
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
  });

  it('maps due to ranges', () => {
    expect(dueRange('today', '2026-03-01')).toEqual({ from: '2026-03-01', to: '2026-03-01' });
    expect(dueRange('week', '2026-03-01')).toEqual({ from: '2026-03-01', to: '2026-03-07' });
    expect(dueRange('overdue', '2026-03-01')).toEqual({ before: '2026-03-01' });
    expect(dueRange('all', '2026-03-01')).toEqual({});
  });
});

describe('change feed', () => {
  it('starts at the first activity id of the millisecond since', () => {
    const id = activityIdAt('2026-03-01T10:00:00.123Z');
    expect(decodeTime(id)).toBe(Date.parse('2026-03-01T10:00:00.123Z'));
    expect(id.endsWith('0'.repeat(16))).toBe(true);
    expect(activityIdAt('2026-03-01T12:00:00.000+02:00')).toBe(activityIdAt('2026-03-01T10:00:00.000Z'));
  });

  it('names event types by entity and action', () => {
    expect(changeType('task', 'created')).toBe('TASK_CREATED');
    expect(changeType('task', 'moved')).toBe('TASK_MOVED');
    expect(changeType('task', 'updated')).toBe('TASK_UPDATED');
    expect(changeType('task', 'deleted')).toBe('TASK_DELETED');
    expect(changeType('task', 'restored')).toBe('TASK_RESTORED');
    expect(changeType('comment', 'created')).toBe('COMMENT_CREATED');
    expect(changeType('comment', 'updated')).toBe('COMMENT_UPDATED');
    expect(changeType('comment', 'deleted')).toBe('COMMENT_DELETED');
    expect(changeType('subtask', 'deleted')).toBe('SUBTASK_CHANGED');
    expect(changeType('project', 'updated')).toBe('PROJECT_UPDATED');
    expect(changeType('sprint', 'completed')).toBe('SPRINT_UPDATED');
  });
});
