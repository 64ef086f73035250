import { useEffect } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Notification, NotificationKind } from '../../../shared/schemas/notifications.ts';
import { api, describeError } from '../lib/api.ts';
import { Popover } from '../lib/ui.tsx';
import './notifications.css';

/** Each kind of notification as a person names it (settings, the unsubscribe page). */
export const KIND_TITLES: Record<NotificationKind, string> = {
  assigned: 'Assigned to me',
  mentioned: 'Mentioned in a comment',
  commented: 'A comment on a task I created or am assigned',
  dueSoon: 'A task of mine is due tomorrow',
  invitation: 'Invited to a workspace',
  jobFinished: 'My AI breakdown finished',
};

/** The query key of the inbox (the live client invalidates it when a NOTIFICATION frame arrives). */
export const NOTIFICATIONS_KEY = ['notifications'] as const;

interface Inbox {
  items: Notification[];
  nextCursor: string | null;
  unreadCount: number;
}

/** While no socket is open (no board on screen), how often the count is read again. */
const POLL_MS = 60_000;

const when = (at: string) =>
  new Date(at).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });

/**
 * The bell in the header: the unread count, the newest notifications, mark one (by opening it) or all read.
 * The count stays right across tabs: a NOTIFICATION frame (one arrived, or was read in another tab) refreshes
 * it, so does coming back to the tab, and a slow poll covers a tab with no socket open.
 */
export function NotificationBell() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const { data, error } = useQuery({
    queryKey: NOTIFICATIONS_KEY,
    queryFn: () => api<Inbox>('/notifications', { query: { limit: 20 } }),
    refetchInterval: POLL_MS,
  });
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === 'visible')
        void client.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
    };
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('focus', onVisible);
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('focus', onVisible);
    };
  }, [client]);
  const markRead = useMutation({
    mutationFn: (body: { ids: string[] } | { all: true }) =>
      api<{ unreadCount: number }>('/notifications/read', { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: NOTIFICATIONS_KEY }),
  });
  const unread = data?.unreadCount ?? 0;
  const label = unread ? `Notifications, ${unread} unread` : 'Notifications';
  return (
    <Popover
      label={label}
      className="bell"
      fitViewport
      button={
        <>
          <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20" className="bell-icon">
            <path
              d="M12 3a6 6 0 0 0-6 6v3.6L4.3 15.4A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.6L18 12.6V9a6 6 0 0 0-6-6Zm-2.5 15a2.5 2.5 0 0 0 5 0"
              fill="none"
              stroke="currentColor"
              strokeWidth="1.8"
              strokeLinejoin="round"
            />
          </svg>
          {unread > 0 && (
            <span className="bell-count" data-testid="bell-count" aria-hidden="true">
              {unread > 99 ? '99+' : unread}
            </span>
          )}
        </>
      }
    >
      {(close) => (
        <div>
          <div className="bell-head">
            <strong>Notifications</strong>
            <Link to="/settings" onClick={close}>
              Settings
            </Link>
            <button
              type="button"
              className="small"
              disabled={unread === 0 || markRead.isPending}
              onClick={() => markRead.mutate({ all: true })}
            >
              Mark all read
            </button>
          </div>
          {error && <p role="alert">{describeError(error)}</p>}
          {markRead.error && <p role="alert">{describeError(markRead.error)}</p>}
          {data && data.items.length === 0 && <p className="muted">Nothing yet.</p>}
          <ul className="bell-list" aria-label="Notifications">
            {data?.items.map((n) => (
              <li key={n.id}>
                <button
                  type="button"
                  className={n.readAt ? undefined : 'unread'}
                  onClick={() => {
                    if (!n.readAt) markRead.mutate({ ids: [n.id] });
                    close();
                    void navigate(n.link);
                  }}
                >
                  {!n.readAt && <span className="visually-hidden">Unread: </span>}
                  {n.title}
                  {n.excerpt && <span className="excerpt">{n.excerpt}</span>}
                  <span className="excerpt">{when(n.createdAt)}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </Popover>
  );
}
