import { draftReducer, initialDraft, mayCommit, type DraftAction, type DraftState } from './draft.ts';

const run = (state: DraftState<string>, ...actions: DraftAction<string>[]) =>
  actions.reduce(draftReducer, state);

describe('a panel field while others change it', () => {
  it('not being edited: shows the new value, no note', () => {
    const state = run(initialDraft('Old'), { type: 'stored', value: 'Theirs' });
    expect(state).toMatchObject({ draft: 'Theirs', base: 'Theirs', theirs: null, notice: false });
  });

  it('focused with nothing typed: shows the new value with a note (nothing lost)', () => {
    const state = run(initialDraft('Old'), { type: 'focus' }, { type: 'stored', value: 'Theirs' });
    expect(state).toMatchObject({ draft: 'Theirs', theirs: null, notice: true });
    expect(run(state, { type: 'blur' }).notice).toBe(false);
  });

  it('with a draft: keeps it and raises a conflict; saving waits for a choice', () => {
    const state = run(
      initialDraft('Old'),
      { type: 'focus' },
      { type: 'edit', draft: 'Mine' },
      { type: 'stored', value: 'Theirs' },
    );
    expect(state).toMatchObject({ draft: 'Mine', base: 'Old', theirs: { value: 'Theirs' } });
    expect(mayCommit(state)).toBe(false);
  });

  it('keep mine: the draft stays and may be saved over theirs', () => {
    const state = run(
      initialDraft('Old'),
      { type: 'edit', draft: 'Mine' },
      { type: 'stored', value: 'Theirs' },
      { type: 'keep-mine' },
    );
    expect(state).toMatchObject({ draft: 'Mine', base: 'Theirs', theirs: null });
    expect(mayCommit(state)).toBe(true);
  });

  it('use theirs: the draft is dropped for their value', () => {
    const state = run(
      initialDraft('Old'),
      { type: 'edit', draft: 'Mine' },
      { type: 'stored', value: 'Theirs' },
      { type: 'use-theirs' },
    );
    expect(state).toMatchObject({ draft: 'Theirs', base: 'Theirs', theirs: null });
    expect(mayCommit(state)).toBe(false);
  });

  it('the echo of my own save is not a conflict', () => {
    const state = run(
      initialDraft('Old'),
      { type: 'focus' },
      { type: 'edit', draft: 'Mine' },
      { type: 'saved' },
    );
    expect(mayCommit(state)).toBe(false);
    expect(run(state, { type: 'stored', value: 'Mine' })).toMatchObject({ theirs: null, notice: false });
  });

  it('someone else typing the same value as my draft is no conflict', () => {
    const state = run(
      initialDraft('Old'),
      { type: 'edit', draft: 'Same' },
      { type: 'stored', value: 'Same' },
    );
    expect(state).toMatchObject({ draft: 'Same', base: 'Same', theirs: null });
  });

  it('escape goes back to the stored value (theirs, if it changed)', () => {
    expect(run(initialDraft('Old'), { type: 'edit', draft: 'x' }, { type: 'revert' }).draft).toBe('Old');
    const state = run(
      initialDraft('Old'),
      { type: 'edit', draft: 'x' },
      { type: 'stored', value: 'Theirs' },
      { type: 'revert' },
    );
    expect(state).toMatchObject({ draft: 'Theirs', theirs: null });
  });
});
