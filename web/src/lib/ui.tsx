import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { describeError } from './api.ts';

/**
 * A modal dialog on the native `<dialog>` (focus trap, Escape, top layer for free). `label` names it when it
 * has no visible heading of its own; otherwise `title` is its heading and name.
 */
export function Modal({
  title,
  label,
  onClose,
  children,
  className,
  heading,
}: {
  title?: string;
  label?: string;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  /** A custom heading element (gets the id that names the dialog). */
  heading?: (id: string) => ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={`modal ${className ?? ''}`}
      aria-labelledby={label ? undefined : id}
      aria-label={label}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onClick={(event) => {
        if (event.target === ref.current) onClose();
      }}
    >
      <div className="modal-body">
        {heading ? heading(id) : title ? <h2 id={id}>{title}</h2> : null}
        {children}
      </div>
    </dialog>
  );
}

/** A button that opens a small popover list; closes on Escape, on a choice and on a click elsewhere. */
export function Popover({
  label,
  button,
  children,
  className,
  description,
}: {
  label: string;
  /** Read after the name (e.g. the current choice), for a button whose visible text is not its name. */
  description?: string;
  button: ReactNode;
  children: (close: () => void) => ReactNode;
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const descriptionId = useId();
  useEffect(() => {
    if (!open) return;
    const onDown = (event: PointerEvent) => {
      if (!ref.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  return (
    <div className={`popover-anchor ${className ?? ''}`} ref={ref}>
      <button
        type="button"
        aria-label={label}
        aria-expanded={open}
        aria-describedby={description ? descriptionId : undefined}
        onClick={() => setOpen(!open)}
      >
        {button}
      </button>
      {description && (
        <span id={descriptionId} className="visually-hidden">
          {description}
        </span>
      )}
      {open && <div className="popover">{children(() => setOpen(false))}</div>}
    </div>
  );
}

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="skeleton-block" aria-busy="true">
      <span className="visually-hidden">{label}…</span>
    </div>
  );
}

export function Avatar({ initials, name }: { initials: string; name: string }) {
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) | 0;
  return (
    <span className="avatar" style={{ ['--hue' as string]: String(Math.abs(hash) % 360) }} title={name}>
      <span aria-hidden="true">{initials}</span>
      <span className="visually-hidden">{name}</span>
    </span>
  );
}

/** An error that says what went wrong and offers the way out. */
export function ErrorState({ error }: { error: unknown }) {
  return (
    <div role="alert" className="error-state">
      <p>{describeError(error)}</p>
      <button type="button" onClick={() => window.location.reload()}>
        Reload
      </button>
    </div>
  );
}

/**
 * A modal holding one form: the fields, an error (if any) as an alert, then Cancel and the submit button
 * (disabled while `pending`). `formatError` turns the error into its message (default `describeError`).
 */
export function FormDialog({
  title,
  onClose,
  onSubmit,
  submitLabel,
  pending,
  error,
  formatError = describeError,
  children,
}: {
  title: string;
  onClose: () => void;
  onSubmit: () => void;
  submitLabel: string;
  pending: boolean;
  error?: unknown;
  formatError?: (error: unknown) => ReactNode;
  children: ReactNode;
}) {
  return (
    <Modal title={title} onClose={onClose}>
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit();
        }}
      >
        {children}
        {error ? (
          <p role="alert" className="error">
            {formatError(error)}
          </p>
        ) : null}
        <div className="row">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={pending}>
            {submitLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
