import {
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type CSSProperties,
  type ReactNode,
} from 'react';
import { describeError } from './api.ts';
import { limitMessage } from './limits.ts';

/*
 * The open modal dialogs, latest last. A modal dialog sits in the top layer and makes the rest of the page inert:
 * what must stay seen and usable while one is open (the toasts) goes inside the topmost one (`useTopDialog`).
 */
let openDialogs: HTMLDialogElement[] = [];
const dialogListeners = new Set<() => void>();
const setDialogOpen = (dialog: HTMLDialogElement, open: boolean) => {
  openDialogs = open ? [...openDialogs, dialog] : openDialogs.filter((d) => d !== dialog);
  for (const listener of dialogListeners) listener();
};
const subscribeDialogs = (listener: () => void) => {
  dialogListeners.add(listener);
  return () => dialogListeners.delete(listener);
};

/** The topmost open modal dialog (null when none is open). */
export const useTopDialog = (): HTMLDialogElement | null =>
  useSyncExternalStore(
    subscribeDialogs,
    () => openDialogs.at(-1) ?? null,
    () => null,
  );

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
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    setDialogOpen(dialog, true);
    return () => {
      setDialogOpen(dialog, false);
      dialog.close();
    };
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

/**
 * Where a popover fits on screen (fixed coordinates): under its button, else over it when there is more room
 * there, right-aligned with it, always inside the viewport (8 px from its edges); it scrolls when taller.
 */
export function placePopover(
  button: { top: number; bottom: number; right: number },
  size: { width: number; height: number },
  viewport: { width: number; height: number },
): CSSProperties {
  const margin = 8;
  const gap = 4;
  const width = Math.min(size.width, viewport.width - 2 * margin);
  const left = Math.max(margin, Math.min(button.right - width, viewport.width - margin - width));
  const below = viewport.height - button.bottom - gap - margin;
  const above = button.top - gap - margin;
  const style: CSSProperties = { position: 'fixed', left, right: 'auto', width, overflowY: 'auto' };
  if (size.height <= below || below >= above) {
    const top = Math.max(margin, button.bottom + gap);
    return { ...style, top, maxHeight: viewport.height - margin - top };
  }
  const height = Math.min(size.height, above);
  return { ...style, top: Math.max(margin, button.top - gap - height), maxHeight: height };
}

/**
 * A button that opens a small popover list; closes on a choice, on a click elsewhere and on Escape (which then
 * goes no further: inside a dialog it closes the popover, not the dialog, and the focus goes back to the
 * button). `fitViewport` places it with fixed coordinates, fully on screen: inside a scrolling dialog (the task
 * panel) an absolutely placed popover would be cut off by the dialog's edges.
 */
export function Popover({
  label,
  button,
  children,
  className,
  description,
  fitViewport,
}: {
  label: string;
  /** Read after the name (e.g. the current choice), for a button whose visible text is not its name. */
  description?: string;
  button: ReactNode;
  children: (close: () => void) => ReactNode;
  className?: string;
  fitViewport?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const popoverRef = useRef<HTMLDivElement>(null);
  const [place, setPlace] = useState<CSSProperties | null>(null);
  const descriptionId = useId();
  useEffect(() => {
    if (!open) return;
    const onDown = (event: PointerEvent) => {
      if (!ref.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      event.stopPropagation();
      setOpen(false);
      buttonRef.current?.focus();
    };
    document.addEventListener('pointerdown', onDown);
    // Capture: before the dialog (or a field) around it takes the Escape.
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('keydown', onKey, true);
    };
  }, [open]);
  useLayoutEffect(() => {
    if (!open || !fitViewport) {
      setPlace(null);
      return;
    }
    const measure = () => {
      const popover = popoverRef.current;
      const anchor = buttonRef.current;
      if (!popover || !anchor) return;
      // Its natural size: as wide as its content allows (the CSS's min and max width), all of its height.
      popover.style.width = '';
      setPlace(
        placePopover(
          anchor.getBoundingClientRect(),
          { width: popover.offsetWidth, height: popover.scrollHeight },
          { width: window.innerWidth, height: window.innerHeight },
        ),
      );
    };
    measure();
    window.addEventListener('resize', measure);
    window.addEventListener('scroll', measure, true);
    return () => {
      window.removeEventListener('resize', measure);
      window.removeEventListener('scroll', measure, true);
    };
  }, [open, fitViewport]);
  return (
    <div className={`popover-anchor ${className ?? ''}`} ref={ref}>
      <button
        ref={buttonRef}
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
      {open && (
        <div
          className="popover"
          ref={popoverRef}
          style={
            fitViewport
              ? (place ?? { position: 'fixed', left: 0, top: 0, right: 'auto', visibility: 'hidden' })
              : undefined
          }
        >
          {children(() => setOpen(false))}
        </div>
      )}
    </div>
  );
}

/**
 * Under a text field with a length limit: a counter near the limit, and over it (the text is kept, not cut) how
 * much too long it is, as an alert. `id` is for the field's aria-describedby.
 */
export function LimitNote({
  id,
  length,
  max,
  noun,
}: {
  id: string;
  length: number;
  max: number;
  noun: string;
}) {
  const message = limitMessage(length, max, noun);
  if (!message) return null;
  return message.over ? (
    <p id={id} role="alert" className="field-error">
      {message.text}
    </p>
  ) : (
    <p id={id} className="field-count muted">
      {message.text}
    </p>
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
