import { useId, useLayoutEffect, useRef, useState, type TextareaHTMLAttributes } from 'react';
import type { Member } from '../../../shared/schemas/workspaces.ts';
import { handleOf, insertMention, mentionAt, mentionMatches } from './mentions.ts';
import '../pages/notifications.css';

type TextareaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'value' | 'onChange'>;

/**
 * A textarea that offers the workspace's members while an `@name` is typed (a combobox: arrow keys move, Enter
 * or Tab picks, Escape closes the list); picking inserts `@handle` (their email's local part, which the server
 * resolves to them).
 */
export function MentionTextarea({
  value,
  onChange,
  members,
  ...props
}: TextareaProps & { value: string; onChange: (value: string) => void; members: Member[] }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const listId = useId();
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<number | null>(null);
  // Where the caret goes once a picked mention is in the textarea: placed as React commits the new text, before
  // the next key is handled (a frame later, a fast typist's next letters landed before it and got split).
  const pendingCaret = useRef<number | null>(null);
  useLayoutEffect(() => {
    const at = pendingCaret.current;
    if (at === null || ref.current?.value.length === undefined || ref.current.value.length < at) return;
    pendingCaret.current = null;
    ref.current.setSelectionRange(at, at);
  });
  const typing = mentionAt(value, caret);
  const matches = typing && dismissed !== typing.start ? mentionMatches(members, typing.query) : [];
  const open = matches.length > 0;

  const pick = (member: Member) => {
    if (!typing) return;
    const next = insertMention(value, typing.start, caret, member);
    onChange(next.text);
    setCaret(next.caret);
    pendingCaret.current = next.caret;
  };

  return (
    <div className="mention-box">
      <textarea
        {...props}
        ref={ref}
        value={value}
        role="combobox"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        aria-autocomplete="list"
        aria-activedescendant={open ? `${listId}-${Math.min(active, matches.length - 1)}` : undefined}
        onChange={(e) => {
          onChange(e.target.value);
          setCaret(e.target.selectionStart);
          setActive(0);
        }}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
        onKeyDown={(e) => {
          if (!open) return;
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            const step = e.key === 'ArrowDown' ? 1 : -1;
            setActive((i) => (i + step + matches.length) % matches.length);
          } else if (e.key === 'Enter' || e.key === 'Tab') {
            e.preventDefault();
            pick(matches[Math.min(active, matches.length - 1)]!);
          } else if (e.key === 'Escape') {
            // Closes the list, not the task panel.
            e.preventDefault();
            e.stopPropagation();
            setDismissed(typing!.start);
          }
        }}
      />
      {open && (
        <ul className="mention-list popover" id={listId} role="listbox" aria-label="Mention someone">
          {matches.map((m, i) => (
            <li
              key={m.userId}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === Math.min(active, matches.length - 1)}
              onPointerDown={(e) => {
                // Keep the focus in the textarea.
                e.preventDefault();
                pick(m);
              }}
            >
              {m.name || m.email} <span className="muted">@{handleOf(m)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
