import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { useTopDialog } from './ui.tsx';

export interface Toast {
  id: number;
  message: string;
  kind: 'info' | 'error';
  action?: { label: string; run: () => void };
}

interface Toasts {
  show: (message: string, options?: { kind?: Toast['kind']; action?: Toast['action'] }) => void;
  error: (message: string) => void;
}

const ToastContext = createContext<Toasts>({ show: () => undefined, error: () => undefined });

export const useToasts = () => useContext(ToastContext);

let nextId = 1;

/**
 * Toasts: background results in a `role="status"` region, errors in a `role="alert"` one (UI contract). While a
 * modal dialog is open they show inside it: outside, they would sit under its backdrop, inert and unseen.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const show = useCallback<Toasts['show']>(
    (message, options = {}) => {
      const toast: Toast = { id: nextId++, message, kind: options.kind ?? 'info', action: options.action };
      setToasts((all) => [...all.slice(-3), toast]);
      setTimeout(() => dismiss(toast.id), toast.kind === 'error' ? 8000 : 4000);
    },
    [dismiss],
  );
  const value = useMemo<Toasts>(
    () => ({ show, error: (message) => show(message, { kind: 'error' }) }),
    [show],
  );
  const render = (kind: Toast['kind']) =>
    toasts
      .filter((t) => t.kind === kind)
      .map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`}>
          <span>{t.message}</span>
          {t.action && (
            <button
              type="button"
              onClick={() => {
                t.action?.run();
                dismiss(t.id);
              }}
            >
              {t.action.label}
            </button>
          )}
          <button type="button" className="icon" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            ×
          </button>
        </div>
      ));
  const dialog = useTopDialog();
  const regions = (
    <div className="toasts">
      <div role="status" aria-live="polite">
        {render('info')}
      </div>
      <div role="alert" aria-live="assertive">
        {render('error')}
      </div>
    </div>
  );
  return (
    <ToastContext.Provider value={value}>
      {children}
      {dialog ? createPortal(regions, dialog) : regions}
    </ToastContext.Provider>
  );
}
