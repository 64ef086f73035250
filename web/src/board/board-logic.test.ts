import type { Task } from '../../../shared/schemas/tasks.ts';
import {
  dropPlace,
  flatten,
  fullyLoaded,
  insertTask,
  isOverdue,
  neighboursAt,
  removeTask,
  replaceTask,
  type ColumnData,
} from './board-logic.ts';

const ids = (...names: string[]) => names.map((id) => ({ id }));

describe('neighboursAt', () => {
  const list = ids('a', 'b', 'c');
  it('names the task above as beforeId and the one below as afterId', () => {
    expect(neighboursAt(list, 1)).toEqual({ beforeId: 'a', afterId: 'b' });
  });
  it('at the top only afterId, at the bottom only beforeId', () => {
    expect(neighboursAt(list, 0)).toEqual({ afterId: 'a' });
    expect(neighboursAt(list, 3)).toEqual({ beforeId: 'c' });
  });
  it('an empty column has no neighbours (the API puts the task at the bottom)', () => {
    expect(neighboursAt([], 0)).toEqual({});
  });
  it('clamps an index outside the list', () => {
    expect(neighboursAt(list, 9)).toEqual({ beforeId: 'c' });
    expect(neighboursAt(list, -2)).toEqual({ afterId: 'a' });
  });
});

describe('dropPlace', () => {
  const columns = { todo: ids('a', 'b', 'c', 'd'), in_progress: ids('x', 'y') };

  it('moving down in the same column lands below the card dropped on', () => {
    const place = dropPlace(columns, 'a', 'todo', { kind: 'card', id: 'c', below: false })!;
    expect(place).toEqual({ status: 'todo', index: 2 });
    // [b, c, d] with a at 2: right under c, right over d.
    expect(neighboursAt(ids('b', 'c', 'd'), place.index)).toEqual({ beforeId: 'c', afterId: 'd' });
  });

  it('moving up in the same column lands above the card dropped on', () => {
    const place = dropPlace(columns, 'd', 'todo', { kind: 'card', id: 'b', below: false })!;
    expect(place).toEqual({ status: 'todo', index: 1 });
    expect(neighboursAt(ids('a', 'b', 'c'), place.index)).toEqual({ beforeId: 'a', afterId: 'b' });
  });

  it('dropping a card on itself or on its own place changes nothing', () => {
    expect(dropPlace(columns, 'b', 'todo', { kind: 'card', id: 'b', below: true })).toBeNull();
    expect(dropPlace({ todo: ids('a') }, 'a', 'todo', { kind: 'column', status: 'todo' })).toBeNull();
  });

  it('in another column goes above the card, or below it when dropped on its lower half', () => {
    expect(dropPlace(columns, 'a', 'todo', { kind: 'card', id: 'y', below: false })).toEqual({
      status: 'in_progress',
      index: 1,
    });
    expect(dropPlace(columns, 'a', 'todo', { kind: 'card', id: 'y', below: true })).toEqual({
      status: 'in_progress',
      index: 2,
    });
  });

  it('on a column (its empty space) goes to the bottom', () => {
    expect(dropPlace(columns, 'a', 'todo', { kind: 'column', status: 'in_progress' })).toEqual({
      status: 'in_progress',
      index: 2,
    });
    expect(dropPlace(columns, 'a', 'todo', { kind: 'column', status: 'done' })).toEqual({
      status: 'done',
      index: 0,
    });
  });

  it('a card not on the board is no drop', () => {
    expect(dropPlace(columns, 'a', 'todo', { kind: 'card', id: 'zz', below: false })).toBeNull();
  });
});

const task = (id: string, extra: Partial<Task> = {}) => ({ id, title: id, ...extra }) as Task;
const column = (...pages: string[][]): ColumnData => ({
  pages: pages.map((items, i) => ({
    items: items.map((id) => task(id)),
    nextCursor: i < pages.length - 1 ? `c${i + 1}` : null,
  })),
  pageParams: pages.map((_, i) => (i === 0 ? null : `c${i}`)),
});

describe('optimistic edits of a column keep its pages and cursors', () => {
  it('removes from any page and inserts at an index counted over all pages', () => {
    const data = column(['a', 'b'], ['c', 'd']);
    const moved = insertTask(removeTask(data, 'a'), 2, task('a'));
    expect(flatten(moved).map((t) => t.id)).toEqual(['b', 'c', 'a', 'd']);
    expect(moved.pageParams).toEqual(data.pageParams);
    expect(moved.pages.map((p) => p.nextCursor)).toEqual(['c1', null]);
  });

  it('rolling back is restoring the snapshot: the original is never mutated', () => {
    const data = column(['a', 'b'], ['c']);
    const snapshot = structuredClone(data);
    insertTask(removeTask(data, 'b'), 0, task('b'));
    expect(data).toEqual(snapshot);
  });

  it('inserts past the end into the last page, and into an empty column', () => {
    expect(flatten(insertTask(column(['a']), 5, task('z'))).map((t) => t.id)).toEqual(['a', 'z']);
    expect(flatten(insertTask({ pages: [], pageParams: [] }, 0, task('z'))).map((t) => t.id)).toEqual(['z']);
  });

  it('replaces a task in place with the server answer', () => {
    const data = column(['a', 'b']);
    const updated = replaceTask(data, task('b', { title: 'new', version: 2 }));
    expect(flatten(updated).map((t) => t.title)).toEqual(['a', 'new']);
  });

  it("keeps the board's cover URL while the cover stays the same (other answers carry none)", () => {
    const shown = { ...task('b'), coverAttachmentId: 'b.A', coverUrl: 'https://files/b.A' };
    const data: ColumnData = { pages: [{ items: [shown], nextCursor: null }], pageParams: [null] };
    const edited = flatten(replaceTask(data, { ...task('b', { title: 'x' }), coverAttachmentId: 'b.A' }))[0]!;
    expect([edited.title, edited.coverUrl]).toEqual(['x', 'https://files/b.A']);
    const recovered = flatten(replaceTask(data, { ...task('b'), coverAttachmentId: 'b.B' }))[0]!;
    expect(recovered.coverUrl).toBeUndefined();
    const removed = flatten(replaceTask(data, { ...task('b'), coverAttachmentId: null }))[0]!;
    expect(removed.coverUrl).toBeUndefined();
    const fresh = { ...task('b'), coverAttachmentId: 'b.A', coverUrl: 'https://files/new' };
    expect(flatten(replaceTask(data, fresh))[0]!.coverUrl).toBe('https://files/new');
  });

  it('knows when a column is fully loaded', () => {
    expect(fullyLoaded(column(['a'], ['b']))).toBe(true);
    expect(fullyLoaded({ ...column(['a']), pages: [{ items: [], nextCursor: 'c1' }] })).toBe(false);
    expect(fullyLoaded(undefined)).toBe(false);
  });
});

describe('isOverdue', () => {
  it('is due before today and not done', () => {
    expect(isOverdue({ dueDate: '2026-01-01', status: 'todo' }, '2026-01-02')).toBe(true);
    expect(isOverdue({ dueDate: '2026-01-02', status: 'todo' }, '2026-01-02')).toBe(false);
    expect(isOverdue({ dueDate: '2026-01-01', status: 'done' }, '2026-01-02')).toBe(false);
    expect(isOverdue({ dueDate: null, status: 'todo' }, '2026-01-02')).toBe(false);
  });
});
