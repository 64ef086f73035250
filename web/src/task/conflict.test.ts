import type { Task } from '../../../shared/schemas/tasks.ts';
import { applyMineBody, conflictRows } from './conflict.ts';

const theirs = {
  id: 't',
  title: 'Their title',
  status: 'in_progress',
  priority: 'high',
  assigneeIds: ['a'],
  version: 7,
} as unknown as Task;

describe('the conflict dialog', () => {
  it('lists each field I changed with theirs and mine', () => {
    expect(conflictRows(theirs, { title: 'My title', priority: 'high' })).toEqual([
      { field: 'title', theirs: 'Their title', yours: 'My title', same: false },
      { field: 'priority', theirs: 'high', yours: 'high', same: true },
    ]);
  });

  it('"Apply mine" sends their version and only the fields that still differ', () => {
    expect(applyMineBody(theirs, { title: 'My title', priority: 'high', assigneeIds: ['a', 'b'] })).toEqual({
      version: 7,
      title: 'My title',
      assigneeIds: ['a', 'b'],
    });
  });

  it('nothing to apply when theirs already equals mine', () => {
    expect(applyMineBody(theirs, { title: 'Their title', assigneeIds: ['a'] })).toBeNull();
  });
});
