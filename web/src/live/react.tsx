import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import type { QueryClient } from '@tanstack/react-query';
import type { Job } from '../../../shared/schemas/ai.ts';
import type { ChangesPage, Task } from '../../../shared/schemas/tasks.ts';
import type { WebConfig } from '../config.ts';
import { api } from '../lib/api.ts';
import { initials } from '../lib/data.ts';
import { idToken, sessionSnapshot, subscribeSession } from '../lib/session.ts';
import { Avatar } from '../lib/ui.tsx';
import type { CardLookups } from '../board/Card.tsx';
import type { RemoteChange } from './apply.ts';
import { LiveClient, type LiveStatus, type ProjectView } from './client.ts';
import { serverClock } from './clock.ts';
import { CATCH_UP_LIMIT } from './cursor.ts';
import { peopleOnTask, type Person } from './presence.ts';

/** A tab shown again after being hidden this long may hold a dead socket (a laptop that slept): check it. */
const LONG_HIDDEN_MS = 60_000;

const LiveContext = createContext<LiveClient | undefined>(undefined);

/** The tab's live client, wired to the API, the session and the page's lifecycle. */
export function LiveProvider({
  config,
  client,
  children,
}: {
  config: WebConfig;
  client: QueryClient;
  children: ReactNode;
}) {
  const [live] = useState(
    () =>
      new LiveClient({
        client,
        wsUrl: config.wsUrl,
        clock: serverClock,
        readChanges: (projectId, since) =>
          api<ChangesPage>(`/projects/${projectId}/changes`, { query: { since, limit: CATCH_UP_LIMIT } }),
        readTask: (taskId) => api<Task>(`/tasks/${taskId}`),
        token: idToken,
        // A cheap authenticated read: a 401 makes api() renew the ID token (see LiveSocket.checkSession).
        checkSession: () => api('/me'),
        createSocket: (url) => new WebSocket(url),
        online: () => navigator.onLine,
        selfId: () => sessionSnapshot().user?.id,
      }),
  );
  useEffect(() => {
    let hiddenAt = 0;
    let userId = sessionSnapshot().user?.id;
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') hiddenAt = Date.now();
      else if (hiddenAt && Date.now() - hiddenAt > LONG_HIDDEN_MS) live.wake();
    };
    const onPageShow = () => live.pageShown();
    const onPageHide = () => live.pageHidden();
    const onOnline = () => live.wake();
    const onOffline = () => live.wentOffline();
    window.addEventListener('pagehide', onPageHide);
    window.addEventListener('pageshow', onPageShow);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    document.addEventListener('visibilitychange', onVisibility);
    // Signing out closes the socket and forgets what it knew; another person signing in starts afresh.
    const stopSession = subscribeSession(() => {
      const next = sessionSnapshot().user?.id;
      if (next === userId) return;
      userId = next;
      live.reset();
      if (next) live.resume();
    });
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      window.removeEventListener('pageshow', onPageShow);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      document.removeEventListener('visibilitychange', onVisibility);
      stopSession();
    };
  }, [live]);
  useEffect(() => () => live.dispose(), [live]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

export const useLive = () => useContext(LiveContext);

const NO_VIEW: ProjectView = { status: 'connecting', people: [] };
const noop = () => () => undefined;

/** Follows a project while the calling component is mounted: its live status and who else is on it. */
export function useLiveProject(projectId: string | undefined): ProjectView {
  const live = useLive();
  useEffect(() => {
    if (live && projectId) return live.track(projectId);
  }, [live, projectId]);
  return useSyncExternalStore(live?.subscribe ?? noop, () =>
    live && projectId ? (live.view(projectId) ?? NO_VIEW) : NO_VIEW,
  );
}

/** The latest change of a task by someone else (or this person's other tab). */
export function useRemoteChange(taskId: string): RemoteChange | undefined {
  const live = useLive();
  return useSyncExternalStore(live?.subscribe ?? noop, () => live?.lastChange(taskId));
}

/**
 * A job of this person's as last pushed over the socket (JOB_UPDATED), and whether pushes can arrive now; the
 * caller polls GET /api/jobs/{id} meanwhile (faster when there is no socket).
 */
export function useJobPush(jobId: string | undefined): { job: Job | undefined; connected: boolean } {
  const live = useLive();
  const job = useSyncExternalStore(live?.subscribe ?? noop, () =>
    live && jobId ? live.job(jobId) : undefined,
  );
  const connected = useSyncExternalStore(live?.subscribe ?? noop, () => live?.connected ?? false);
  return { job, connected };
}

/**
 * Tells the others which task this tab has open while the calling panel is mounted, and returns the function
 * that says which of its fields is being edited (null: none).
 */
export function useTaskPresence(projectId: string, taskId: string): (field: string | null) => void {
  const live = useLive();
  useEffect(() => {
    live?.setPresence(projectId, taskId);
    return () => live?.setPresence(projectId, null);
  }, [live, projectId, taskId]);
  return useCallback((field) => live?.setPresence(projectId, taskId, field), [live, projectId, taskId]);
}

/** Who is on the board, for the cards (set by the board page, read by each card). */
export const BoardPeopleContext = createContext<Person[]>([]);

const STATUS_TEXT: Record<LiveStatus, { text: string; title: string }> = {
  connecting: { text: 'Connecting…', title: 'Connecting for live updates' },
  live: { text: 'Live', title: 'Changes by others appear as they happen' },
  reconnecting: {
    text: 'Reconnecting…',
    title: 'The live link dropped: reconnecting; changes made meanwhile will appear when it is back',
  },
  offline: {
    text: 'Offline',
    title: 'No network: changes by others will appear when you are back online',
  },
  refused: { text: 'Not live', title: 'Live updates stopped: you may no longer have access to this project' },
};

/** "Live" / "Reconnecting…" / "Offline": in words (not colour alone), announced politely when it changes. */
export function LiveIndicator({ status }: { status: LiveStatus }) {
  const { text, title } = STATUS_TEXT[status];
  return (
    <span className={`live-indicator live-${status}`} role="status" title={title}>
      <span className="live-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

const nameOf = (lookups: CardLookups, userId: string) => {
  const member = lookups.members.get(userId);
  return member ? member.name || member.email : 'Someone';
};

/** The avatars of everyone else on the board, in the board's header. */
export function BoardPeople({ people, lookups }: { people: Person[]; lookups: CardLookups }) {
  if (people.length === 0) return null;
  const shown = people.slice(0, 5);
  return (
    <ul className="board-people" aria-label="On this board">
      {shown.map((person) => {
        const name = nameOf(lookups, person.userId);
        const task = person.editing[0] ?? (person.viewing[0] ? { taskId: person.viewing[0] } : undefined);
        const doing = task ? ('field' in task ? ' (editing a task)' : ' (viewing a task)') : '';
        return (
          <li key={person.userId} title={`${name}${doing}`}>
            <Avatar initials={initials(name)} name={name} />
          </li>
        );
      })}
      {people.length > shown.length && (
        <li className="muted" aria-label={`and ${people.length - shown.length} more`}>
          +{people.length - shown.length}
        </li>
      )}
    </ul>
  );
}

/** Small avatars on a card someone has open ("Alex is editing"), from the board's people. */
export function CardPeople({ taskId, lookups }: { taskId: string; lookups: CardLookups }) {
  const people = peopleOnTask(useContext(BoardPeopleContext), taskId);
  if (people.length === 0) return null;
  const label = people
    .map((p) => `${nameOf(lookups, p.userId)} is ${p.editing ? 'editing' : 'viewing'} this task`)
    .join('; ');
  return (
    <span className="card-people" role="img" aria-label={label} title={label}>
      {people.slice(0, 3).map((p) => {
        const name = nameOf(lookups, p.userId);
        return (
          <span key={p.userId} className={p.editing ? 'is-editing' : undefined} aria-hidden="true">
            <Avatar initials={initials(name)} name={name} />
          </span>
        );
      })}
      {people.some((p) => p.editing) && (
        <span className="card-people-editing" aria-hidden="true">
          ✎
        </span>
      )}
    </span>
  );
}
