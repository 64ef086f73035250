import { lazy, Suspense, useEffect, useSyncExternalStore } from 'react';
import { useToasts } from '../lib/toasts.tsx';
import { useUnshownConflict } from './conflicts.ts';
import { messagesSnapshot, outbox, subscribeMessages, takeMessages } from './sync.ts';
import { updateReady, applyUpdate, subscribeUpdate } from './update.ts';

const ConflictHost = lazy(() => import('./ConflictHost.tsx').then((m) => ({ default: m.ConflictHost })));

const subscribeOnline = (listener: () => void) => {
  window.addEventListener('online', listener);
  window.addEventListener('offline', listener);
  return () => {
    window.removeEventListener('online', listener);
    window.removeEventListener('offline', listener);
  };
};
export const useOnline = () => useSyncExternalStore(subscribeOnline, () => navigator.onLine);

const changes = (n: number) => (n === 1 ? '1 change' : `${n} changes`);

/** The indicator's short form on a phone (the full words stay for assistive technology). */
export function syncShortLabel(online: boolean, pending: number, syncing: boolean): string {
  if (!online) return pending ? `Offline · ${pending}` : 'Offline';
  if (syncing) return 'Saving…';
  return pending ? `${pending} waiting` : '';
}

/** The words of the header's sync indicator (empty: online, nothing waiting). */
export function syncLabel(online: boolean, pending: number, syncing: boolean): string {
  if (!online) return pending ? `Offline · ${changes(pending)} waiting` : 'Offline';
  if (syncing) return `Saving ${changes(pending)}…`;
  return pending ? `${changes(pending)} waiting` : '';
}

/**
 * The header's indicator: offline, changes waiting, saving. A live region (role=status), so a change of state
 * is announced; shown on a phone too (it is short).
 */
export function SyncIndicator() {
  const online = useOnline();
  const { pending, syncing } = useSyncExternalStore(outbox.subscribe, outbox.snapshot);
  const label = syncLabel(online, pending, syncing);
  const state = !online ? 'offline' : pending ? 'waiting' : 'online';
  return (
    <span
      role="status"
      className={`sync-indicator sync-${state}`}
      title={label || undefined}
      // The phone's short form, drawn by CSS (styles.css) so it is neither read out twice nor in the text.
      data-short={syncShortLabel(online, pending, syncing)}
    >
      {label && (
        <>
          <span className="sync-dot" aria-hidden="true" />
          <span className="sync-long">{label}</span>
        </>
      )}
    </span>
  );
}

/**
 * What the outbox has to tell (a change refused) as toasts, a conflict of a task whose panel is closed as the
 * conflict dialog, and the banner of a new version.
 */
export function SyncHost() {
  const toasts = useToasts();
  const messages = useSyncExternalStore(subscribeMessages, messagesSnapshot);
  useEffect(() => {
    if (messages.length) for (const message of takeMessages()) toasts.error(message);
  }, [messages, toasts]);
  const conflict = useUnshownConflict();
  return (
    <>
      {conflict && (
        <Suspense fallback={null}>
          <ConflictHost conflict={conflict} />
        </Suspense>
      )}
      <UpdateBanner />
    </>
  );
}

/** A new version is installed and waits: the person reloads when it suits them (changes waiting are kept). */
function UpdateBanner() {
  const ready = useSyncExternalStore(subscribeUpdate, updateReady);
  if (!ready) return null;
  return (
    <div className="update-banner" role="status">
      A new version of TeamFlow is ready.{' '}
      <button type="button" className="small" onClick={() => void applyUpdate()}>
        Reload
      </button>
    </div>
  );
}
