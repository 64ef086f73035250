/**
 * A field of the task panel while the stored value may change under it (a live event: someone else, or this
 * person in another tab). Pure (draft.test.ts); the panel's inputs run it with useReducer.
 *
 * - Not being edited: the field simply shows the new value.
 * - Focused, nothing typed yet: it shows the new value too, with a note saying who changed it (nothing is lost).
 * - Typed something (a draft based on the old value): the draft stays, and a conflict asks "keep mine" (save my
 *   draft over theirs) or "use theirs" (drop my draft). Saving is held until the person chooses, so their change
 *   is never overwritten by accident.
 */
export interface DraftState<T> {
  draft: T;
  /** The stored value the draft started from. */
  base: T;
  focused: boolean;
  /** Someone else's value, stored while this person had a draft (null: no conflict). */
  theirs: { value: T } | null;
  /** The value changed while focused (no draft lost): say so. */
  notice: boolean;
}

export type DraftAction<T> =
  | { type: 'stored'; value: T }
  | { type: 'edit'; draft: T }
  | { type: 'focus' }
  | { type: 'blur' }
  /** The draft was sent to be saved: it is the new base (its echo is not a conflict). */
  | { type: 'saved' }
  | { type: 'keep-mine' }
  | { type: 'use-theirs' }
  /** Escape: back to the stored value. */
  | { type: 'revert' };

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export const initialDraft = <T>(value: T): DraftState<T> => ({
  draft: value,
  base: value,
  focused: false,
  theirs: null,
  notice: false,
});

export const isDirty = <T>(state: DraftState<T>) => !same(state.draft, state.base);

export function draftReducer<T>(state: DraftState<T>, action: DraftAction<T>): DraftState<T> {
  switch (action.type) {
    case 'stored': {
      if (same(action.value, state.base)) return state.theirs ? { ...state, theirs: null } : state;
      if (!isDirty(state))
        return { ...state, draft: action.value, base: action.value, theirs: null, notice: state.focused };
      if (same(action.value, state.draft)) return { ...state, base: action.value, theirs: null };
      return { ...state, theirs: { value: action.value } };
    }
    case 'edit':
      return { ...state, draft: action.draft };
    case 'focus':
      return { ...state, focused: true };
    case 'blur':
      return { ...state, focused: false, notice: false };
    case 'saved':
      return { ...state, base: state.draft, notice: false };
    case 'keep-mine':
      return state.theirs ? { ...state, base: state.theirs.value, theirs: null } : state;
    case 'use-theirs':
      return state.theirs
        ? { ...state, draft: state.theirs.value, base: state.theirs.value, theirs: null }
        : state;
    case 'revert':
      return {
        ...state,
        draft: state.theirs?.value ?? state.base,
        base: state.theirs?.value ?? state.base,
        theirs: null,
      };
  }
}

/** Whether a commit (blur, Enter, Save) may send the draft now: changed, and no unanswered conflict. */
export const mayCommit = <T>(state: DraftState<T>) => !state.theirs && isDirty(state);
