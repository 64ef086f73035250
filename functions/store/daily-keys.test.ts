import { taskRecord, WS, idIn } from '#functions/domain/test-fixtures';
import { DAY_SHARDS, shardOf } from './keys.ts';
import { assignmentItem, taskItem } from './task-repository.ts';

const assignment = (overrides: Partial<Parameters<typeof assignmentItem>[0]> = {}) => ({
  taskId: idIn(WS, 1),
  userId: 'user-a',
  workspaceId: WS,
  projectId: `${WS}.01J00000000000000000000001`,
  dueDate: '2026-05-12' as string | null,
  status: 'todo' as const,
  ...overrides,
});

describe('the due-date reminders index on assignment items', () => {
  test('an open assignment with a due date is in DUE#<date>#<shard of the user>, keyed by user then task', () => {
    const item = assignmentItem(assignment());
    expect(item.GSI1PK).toBe(`DUE#2026-05-12#${shardOf('user-a')}`);
    expect(item.GSI1SK).toBe(`user-a#${idIn(WS, 1)}`);
    // "My day" is unchanged.
    expect(item.GSI2PK).toBe('USER#user-a#ASSIGNED');
  });

  test.each([
    ['done', { status: 'done' as const }],
    ['archived', { status: 'archived' as const }],
    ['without a due date', { dueDate: null }],
  ])('%s: not in it (sparse)', (_, overrides) => {
    const item = assignmentItem(assignment(overrides as Partial<Parameters<typeof assignmentItem>[0]>));
    expect(item.GSI1PK).toBeUndefined();
    expect(item.GSI1SK).toBeUndefined();
  });

  test('shards are stable and spread', () => {
    expect(shardOf('user-a')).toBe(shardOf('user-a'));
    const used = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`user-${i}`)));
    expect(used.size).toBe(DAY_SHARDS);
  });
});

describe('the deleted-on-day index on task items', () => {
  test('a deleted task is in DELETED#<day>#<shard>; a live one is not (its GSI2 is its sprint)', () => {
    const deleted = taskItem(taskRecord({ deletedAt: '2026-04-30T23:59:59.000Z', sprintId: 'S' }));
    expect(deleted.GSI2PK).toBe(`DELETED#2026-04-30#${shardOf(idIn(WS, 100))}`);
    expect(deleted.GSI2SK).toBe(`2026-04-30T23:59:59.000Z#${idIn(WS, 100)}`);
    const live = taskItem(taskRecord({ sprintId: 'S' }));
    expect(live.GSI2PK).toBe('SPRINT#S');
    expect(taskItem(taskRecord()).GSI2PK).toBeUndefined();
  });
});
