import type { ChangeEvent, Task } from '../../../shared/schemas/tasks.ts';
import type { Page } from '../lib/api.ts';
import { flatten, type ColumnData } from '../board/board-logic.ts';
import {
  activityOf,
  childDelta,
  prependActivity,
  removeById,
  upsertById,
  upsertColumn,
  upsertPaged,
  upsertSeed,
  withCounters,
} from './cache-edits.ts';

const task = (id: string, rank: string, over: Partial<Task> = {}): Task =>
  ({
    id,
    rank,
    status: 'todo',
    title: id,
    version: 1,
    commentCount: 0,
    subtaskCount: 0,
    subtasksDone: 0,
    ...over,
  }) as Task;

const column = (pages: Task[][], lastCursor: string | null = null): ColumnData => ({
  pages: pages.map((items, i) => ({ items, nextCursor: i === pages.length - 1 ? lastCursor : `c${i}` })),
  pageParams: pages.map((_, i) => (i === 0 ? null : `c${i - 1}`)),
});
const ids = (data: ColumnData) => flatten(data).map((t) => t.id);

describe('upsertColumn', () => {
  const a = task('a', 'b0');
  const b = task('b', 'd0');
  const c = task('c', 'f0');

  it('puts a new task where its rank says', () => {
    expect(ids(upsertColumn(column([[a, b, c]]), task('x', 'e0'), true))).toEqual(['a', 'b', 'x', 'c']);
    expect(ids(upsertColumn(column([[a, b, c]]), task('x', 'a0'), true))).toEqual(['x', 'a', 'b', 'c']);
    expect(ids(upsertColumn(column([[a, b, c]]), task('x', 'z0'), true))).toEqual(['a', 'b', 'c', 'x']);
  });

  it('moves a task whose rank changed (a reorder within the column)', () => {
    expect(ids(upsertColumn(column([[a, b, c]]), { ...a, rank: 'e0', version: 2 }, true))).toEqual([
      'b',
      'a',
      'c',
    ]);
  });

  it('keeps the place of a task whose rank did not change, with its new fields', () => {
    const renamed = { ...b, title: 'Renamed', version: 2 };
    const next = upsertColumn(column([[a, b, c]]), renamed, true);
    expect(ids(next)).toEqual(['a', 'b', 'c']);
    expect(flatten(next)[1]).toBe(renamed);
  });

  it('removes a task that no longer belongs (moved out, deleted, filtered out)', () => {
    expect(ids(upsertColumn(column([[a, b, c]]), b, false))).toEqual(['a', 'c']);
  });

  it('returns the same data when nothing changes (no re-render)', () => {
    const data = column([[a, b]]);
    expect(upsertColumn(data, c, false)).toBe(data);
    expect(upsertColumn(data, a, true)).toBe(data);
  });

  it('does not add a task past the loaded pages of a column with more to load', () => {
    const data = column([[a, b]], 'more');
    expect(upsertColumn(data, task('x', 'z0'), true)).toBe(data);
    expect(ids(upsertColumn(data, task('x', 'c0'), true))).toEqual(['a', 'x', 'b']);
  });

  it('inserts across pages where the rank falls, keeping the pages and cursors', () => {
    const data = column([[a, b], [c]]);
    const next = upsertColumn(data, task('x', 'c0'), true);
    expect(next.pages.map((p) => p.items.map((t) => t.id))).toEqual([['a', 'x', 'b'], ['c']]);
    expect(ids(upsertColumn(data, task('y', 'e0'), true))).toEqual(['a', 'b', 'y', 'c']);
    expect(next.pages.map((p) => p.nextCursor)).toEqual(data.pages.map((p) => p.nextCursor));
    expect(next.pageParams).toEqual(data.pageParams);
  });
});

describe('upsertSeed (every status on one page)', () => {
  const page: Page<Task> = {
    items: [
      task('a', 'b0'),
      task('b', 'd0'),
      task('p', 'b0', { status: 'in_progress' }),
      task('q', 'd0', { status: 'in_progress' }),
    ],
    nextCursor: null,
  };
  const order = (p: typeof page) => p.items.map((t) => t.id);

  it('moves a task to its new status, at its rank among that status', () => {
    expect(order(upsertSeed(page, task('a', 'c0', { status: 'in_progress', version: 2 }), true))).toEqual([
      'b',
      'p',
      'a',
      'q',
    ]);
    expect(order(upsertSeed(page, task('x', 'z0', { status: 'todo' }), true))).toEqual([
      'a',
      'b',
      'x',
      'p',
      'q',
    ]);
  });

  it('removes a deleted task; keeps the place of a renamed one', () => {
    expect(order(upsertSeed(page, page.items[0]!, false))).toEqual(['b', 'p', 'q']);
    expect(order(upsertSeed(page, { ...page.items[2]!, title: 'x', version: 2 }, true))).toEqual(order(page));
  });
});

describe('upsertPaged (the list view, a sprint plan)', () => {
  it('replaces, removes, and adds at the end only when every page is loaded', () => {
    const a = task('a', 'b0');
    const full = column([[a]]);
    expect(ids(upsertPaged(full, task('x', 'a0'), true))).toEqual(['a', 'x']);
    expect(ids(upsertPaged(full, a, false))).toEqual([]);
    const partial = column([[a]], 'more');
    expect(upsertPaged(partial, task('x', 'a0'), true)).toBe(partial);
    expect(flatten(upsertPaged(partial, { ...a, title: 'New' }, true))[0]!.title).toBe('New');
  });
});

describe('lists by id', () => {
  it('upsertById replaces in place or appends; removeById removes', () => {
    const list = [
      { id: '1', v: 1 },
      { id: '2', v: 1 },
    ];
    expect(upsertById(list, { id: '1', v: 2 })).toEqual([
      { id: '1', v: 2 },
      { id: '2', v: 1 },
    ]);
    expect(upsertById(list, { id: '3', v: 1 }).map((x) => x.id)).toEqual(['1', '2', '3']);
    expect(removeById(list, '1').map((x) => x.id)).toEqual(['2']);
    expect(removeById(list, '9')).toBe(list);
  });
});

const change = (over: Partial<ChangeEvent>): ChangeEvent => ({
  id: '01J0000000000000000000000A',
  type: 'SUBTASK_CHANGED',
  projectId: 'p',
  entityType: 'subtask',
  entityId: 's',
  taskId: 't',
  action: 'updated',
  actorId: 'u',
  at: '2026-03-02T10:00:00.000Z',
  changes: {},
  data: null,
  ...over,
});

describe('childDelta (what comment and subtask events do to the counters)', () => {
  it('comments: created +1, deleted −1, edited nothing', () => {
    expect(childDelta(change({ entityType: 'comment', action: 'created' }))).toEqual({ commentCount: 1 });
    expect(childDelta(change({ entityType: 'comment', action: 'deleted' }))).toEqual({ commentCount: -1 });
    expect(childDelta(change({ entityType: 'comment', action: 'updated' }))).toEqual({});
  });

  it('subtasks: created, checked off, unchecked', () => {
    expect(childDelta(change({ action: 'created', data: { done: false } }))).toEqual({
      subtaskCount: 1,
      subtasksDone: 0,
    });
    expect(childDelta(change({ changes: { done: { from: false, to: true } } }))).toEqual({ subtasksDone: 1 });
    expect(childDelta(change({ changes: { done: { from: true, to: false } } }))).toEqual({
      subtasksDone: -1,
    });
    expect(childDelta(change({ changes: { title: { from: 'a', to: 'b' } } }))).toEqual({});
  });

  it('a deleted subtask: done from the cached checklist, else unknown (the task is re-read)', () => {
    expect(childDelta(change({ action: 'deleted' }), true)).toEqual({ subtaskCount: -1, subtasksDone: -1 });
    expect(childDelta(change({ action: 'deleted' }), false)).toEqual({ subtaskCount: -1, subtasksDone: 0 });
    expect(childDelta(change({ action: 'deleted' }))).toBe('unknown');
  });

  it('withCounters moves the counters and never goes below zero', () => {
    const t = task('t', 'a', { commentCount: 1, subtaskCount: 2, subtasksDone: 0 });
    expect(withCounters(t, { commentCount: 1, subtasksDone: -1 })).toMatchObject({
      commentCount: 2,
      subtaskCount: 2,
      subtasksDone: 0,
    });
  });
});

describe('activity', () => {
  it('an event becomes a history line, added once, newest first', () => {
    const older = activityOf(change({ id: '01J00000000000000000000001' }));
    const newer = activityOf(change({ id: '01J00000000000000000000002' }));
    const list = prependActivity([older], newer);
    expect(list.map((a) => a.id)).toEqual([newer.id, older.id]);
    expect(prependActivity(list, newer)).toBe(list);
  });
});
