import {
  apiQuery,
  filtersFromParams,
  hasFilters,
  matches,
  matchesAll,
  paramsWithFilters,
  selectFilterCount,
} from './filters.ts';

describe('filters ↔ URL', () => {
  it('reads the known filters and ignores invalid values', () => {
    const params = new URLSearchParams(
      'q=%20launch%20&priority=urgent&due=week&assignee=u1&label=l1&sprint=none',
    );
    expect(filtersFromParams(params)).toEqual({
      q: 'launch',
      due: 'week',
      assignee: 'u1',
      label: 'l1',
      sprint: 'none',
    });
  });

  it('round-trips through the URL and keeps unrelated parameters', () => {
    const filters = { q: 'a b&c', priority: 'high' as const, due: 'overdue' as const };
    const params = paramsWithFilters(new URLSearchParams('view=compact&q=old'), filters);
    expect(params.get('view')).toBe('compact');
    expect(filtersFromParams(new URLSearchParams(params.toString()))).toEqual(filters);
  });

  it('clearing a filter removes it from the URL', () => {
    const params = paramsWithFilters(new URLSearchParams('q=x&priority=low'), { priority: 'low' });
    expect(params.toString()).toBe('priority=low');
    expect(hasFilters(filtersFromParams(params))).toBe(true);
    expect(hasFilters({})).toBe(false);
  });
});

describe('filters → API query and client matching', () => {
  const today = '2026-03-10';
  it('maps due ranges to dueBefore (strictly before that day)', () => {
    expect(apiQuery({ due: 'overdue' }, today).dueBefore).toBe('2026-03-10');
    expect(apiQuery({ due: 'today' }, today).dueBefore).toBe('2026-03-11');
    expect(apiQuery({ due: 'week' }, today).dueBefore).toBe('2026-03-17');
    expect(apiQuery({ q: 'x', assignee: 'u', label: 'l', sprint: 'none' }, today)).toEqual({
      q: 'x',
      assigneeId: 'u',
      labelId: 'l',
      sprintId: 'none',
      dueBefore: undefined,
    });
  });

  it('applies priority and the lower bounds of today/week on the client', () => {
    expect(matches({ priority: 'high', dueDate: null }, { priority: 'low' }, today)).toBe(false);
    expect(matches({ priority: 'high', dueDate: '2026-03-09' }, { due: 'today' }, today)).toBe(false);
    expect(matches({ priority: 'high', dueDate: '2026-03-10' }, { due: 'today' }, today)).toBe(true);
    expect(matches({ priority: 'high', dueDate: '2026-03-09' }, { due: 'week' }, today)).toBe(false);
    expect(matches({ priority: 'high', dueDate: null }, {}, today)).toBe(true);
  });
});

describe('selectFilterCount', () => {
  it('counts the set filters other than the search', () => {
    expect(selectFilterCount({})).toBe(0);
    expect(selectFilterCount({ q: 'launch' })).toBe(0);
    expect(selectFilterCount({ q: 'launch', priority: 'high', sprint: 'none' })).toBe(2);
    expect(
      selectFilterCount({ assignee: 'u1', label: 'l1', priority: 'low', sprint: 's1', due: 'today' }),
    ).toBe(5);
  });
});

describe('matchesAll (a task brought by a live event, against a filtered view)', () => {
  const today = '2026-03-10';
  const task = {
    priority: 'high' as const,
    dueDate: '2026-03-12',
    title: 'Fix the Login bug',
    description: 'Users see a **blank** page',
    assigneeIds: ['u1'],
    labelIds: ['l1'],
    sprintId: null,
  };
  it('no filters: everything belongs', () => {
    expect(matchesAll(task, {}, today)).toBe(true);
  });
  it('the search is in the title or the description, in any case', () => {
    expect(matchesAll(task, { q: 'login' }, today)).toBe(true);
    expect(matchesAll(task, { q: 'BLANK' }, today)).toBe(true);
    expect(matchesAll(task, { q: 'signup' }, today)).toBe(false);
  });
  it('assignee, label and sprint (none = the backlog)', () => {
    expect(matchesAll(task, { assignee: 'u1', label: 'l1', sprint: 'none' }, today)).toBe(true);
    expect(matchesAll(task, { assignee: 'u2' }, today)).toBe(false);
    expect(matchesAll(task, { label: 'l2' }, today)).toBe(false);
    expect(matchesAll(task, { sprint: 's1' }, today)).toBe(false);
    expect(matchesAll({ ...task, sprintId: 's1' }, { sprint: 's1' }, today)).toBe(true);
  });
  it('due ranges, both bounds', () => {
    expect(matchesAll(task, { due: 'week' }, today)).toBe(true);
    expect(matchesAll(task, { due: 'today' }, today)).toBe(false);
    expect(matchesAll(task, { due: 'overdue' }, today)).toBe(false);
    expect(matchesAll({ ...task, dueDate: '2026-03-01' }, { due: 'overdue' }, today)).toBe(true);
    expect(matchesAll({ ...task, dueDate: null }, { due: 'week' }, today)).toBe(false);
  });
  it('priority, as matches() does', () => {
    expect(matchesAll(task, { priority: 'low' }, today)).toBe(false);
  });
});
