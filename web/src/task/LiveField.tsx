import {
  useEffect,
  useId,
  useReducer,
  useRef,
  useState,
  type InputHTMLAttributes,
  type ReactNode,
} from 'react';
import { LimitNote } from '../lib/ui.tsx';
import {
  draftReducer,
  initialDraft,
  isDirty,
  mayCommit,
  type DraftAction,
  type DraftState,
} from './draft.ts';

/**
 * A field of the task panel that someone else may change while it is being edited (see draft.ts). `field` is
 * the task's field name: it is what presence says is being edited, and what the live change names.
 */

export interface LiveFieldProps {
  field: string;
  /** Lower-case words for the warning ("the due date"). */
  noun: string;
  /** Who changed the stored value last: "Alex", "You (in another tab)", "Someone". */
  changedBy: string;
  onEditing: (field: string | null) => void;
}

/** The stored value drives the draft; returns it with its dispatcher. */
export function useLiveDraft(value: string): [DraftState<string>, (action: DraftAction<string>) => void] {
  const [state, dispatch] = useReducer(draftReducer<string>, value, initialDraft);
  useEffect(() => dispatch({ type: 'stored', value }), [value]);
  return [state, dispatch];
}

/** Under a field: the conflict (a choice) or the notice (nothing lost). */
export function FieldWarning({
  state,
  dispatch,
  noun,
  changedBy,
  show,
  onKeepMine,
}: {
  state: DraftState<string>;
  dispatch: (action: DraftAction<string>) => void;
  noun: string;
  changedBy: string;
  show?: (value: string) => ReactNode;
  onKeepMine: () => void;
}) {
  if (state.theirs) {
    const theirs = state.theirs.value;
    return (
      <div className="field-conflict" role="alert">
        <p>
          <strong>
            {changedBy} changed {noun} while you were editing.
          </strong>{' '}
          Theirs: “{show ? show(theirs) : theirs || 'empty'}”. Your draft is kept until you choose.
        </p>
        <div className="row">
          <button
            type="button"
            className="small"
            // Keep the focus in the field: a click here must not count as leaving it.
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => dispatch({ type: 'use-theirs' })}
          >
            Use theirs
          </button>
          <button
            type="button"
            className="small primary"
            onMouseDown={(e) => e.preventDefault()}
            onClick={onKeepMine}
          >
            Keep mine
          </button>
        </div>
      </div>
    );
  }
  if (state.notice)
    return (
      <p className="field-notice" role="status">
        {changedBy} changed {noun} while you were editing.
      </p>
    );
  return null;
}

/**
 * A one-line input (title, due date, story points): saves on leaving it (and on Enter), Escape reverts,
 * someone else's change while it is being edited is shown, never typed over.
 */
export function LiveInput({
  field,
  noun,
  changedBy,
  onEditing,
  label,
  hideLabel,
  className,
  value,
  disabled,
  normalize = (text) => text,
  onSave,
  inputProps,
  maxLength,
}: LiveFieldProps & {
  label: string;
  hideLabel?: boolean;
  className?: string;
  value: string;
  disabled: boolean;
  /** The draft as it will be saved; null when it cannot be (a blank title). */
  normalize?: (text: string) => string | null;
  onSave: (text: string) => void;
  inputProps?: InputHTMLAttributes<HTMLInputElement>;
  /** The API's limit: shown near it, and a longer draft is kept (never cut) but not saved. */
  maxLength?: number;
}) {
  const [state, dispatch] = useLiveDraft(value);
  const limitId = useId();
  const invalidId = useId();
  const input = useRef<HTMLInputElement>(null);
  // The input's own rules (a number's min and max): broken, the draft stays, with the browser's words under it.
  const [invalid, setInvalid] = useState<string | null>(null);
  const tooLong = maxLength !== undefined && state.draft.length > maxLength;
  const commit = (keepMine = false) => {
    const current = keepMine && state.theirs ? { ...state, base: state.theirs.value, theirs: null } : state;
    if (keepMine) dispatch({ type: 'keep-mine' });
    if (!mayCommit(current) || tooLong) return;
    if (input.current && !input.current.checkValidity()) {
      setInvalid(input.current.validationMessage);
      return;
    }
    const text = normalize(current.draft);
    if (text === null || text === current.base) return;
    dispatch({ type: 'saved' });
    onSave(text);
  };
  return (
    <div className={`live-field ${className ?? ''}`}>
      <label>
        {hideLabel ? <span className="visually-hidden">{label}</span> : label}
        <input
          {...inputProps}
          ref={input}
          aria-invalid={tooLong || !!invalid || undefined}
          aria-describedby={
            [maxLength !== undefined && limitId, invalid && invalidId].filter(Boolean).join(' ') || undefined
          }
          value={state.draft}
          disabled={disabled}
          onChange={(e) => {
            setInvalid(null);
            dispatch({ type: 'edit', draft: e.target.value });
          }}
          onFocus={() => {
            dispatch({ type: 'focus' });
            onEditing(field);
          }}
          onBlur={() => {
            dispatch({ type: 'blur' });
            onEditing(null);
            commit();
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              commit();
            }
            if (e.key === 'Escape' && (isDirty(state) || state.theirs)) {
              // Escape reverts the field first; a second one closes the panel.
              e.stopPropagation();
              e.preventDefault();
              dispatch({ type: 'revert' });
            }
          }}
        />
      </label>
      {maxLength !== undefined && (
        <LimitNote id={limitId} length={state.draft.length} max={maxLength} noun={label} />
      )}
      {invalid && (
        <p id={invalidId} role="alert" className="field-error">
          {label}: {invalid}
        </p>
      )}
      <FieldWarning
        state={state}
        dispatch={dispatch}
        noun={noun}
        changedBy={changedBy}
        onKeepMine={() => commit(true)}
      />
    </div>
  );
}
