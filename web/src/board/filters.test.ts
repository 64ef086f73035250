import {
  apiQuery,
  filtersFromParams,
  hasFilters,
  matches,
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
