import { lazy, Suspense, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import {
  BrowserRouter,
  Link,
  Navigate,
  NavLink,
  Outlet,
  Route,
  Routes,
  useLocation,
  useNavigate,
  useParams,
} from 'react-router';
import {
  onlineManager,
  QueryClient,
  QueryClientProvider,
  useMutation,
  useQueryClient,
} from '@tanstack/react-query';
import type { Workspace } from '../../shared/schemas/workspaces.ts';
import type { WebConfig } from './config.ts';
import { api, describeError } from './lib/api.ts';
import { keys, lastWorkspaceId, rememberWorkspace, useWorkspaces } from './lib/data.ts';
import { sessionSnapshot, signOut, subscribeSession } from './lib/session.ts';
import { CACHE_MAX_AGE_MS } from './offline/persist.ts';
import { SyncHost, SyncIndicator } from './offline/react.tsx';
import { forgetUser, outbox } from './offline/sync.ts';
import { ToastProvider, useToasts } from './lib/toasts.tsx';
import { Modal, Popover, Spinner } from './lib/ui.tsx';
import { ConfigContext } from './lib/config-context.ts';
import { LiveProvider } from './live/react.tsx';
import { NotificationBell } from './pages/notifications.tsx';

// Code-split routes: each page is its own chunk, loaded when first visited.
const auth = () => import('./pages/auth.tsx');
const SignInPage = lazy(() => auth().then((m) => ({ default: m.SignInPage })));
const SignUpPage = lazy(() => auth().then((m) => ({ default: m.SignUpPage })));
const ConfirmPage = lazy(() => auth().then((m) => ({ default: m.ConfirmPage })));
const ForgotPage = lazy(() => auth().then((m) => ({ default: m.ForgotPage })));
const workspace = () => import('./pages/workspace.tsx');
const HomePage = lazy(() => workspace().then((m) => ({ default: m.HomePage })));
const ProjectsPage = lazy(() => workspace().then((m) => ({ default: m.ProjectsPage })));
const MembersPage = lazy(() => workspace().then((m) => ({ default: m.MembersPage })));
const InvitationPage = lazy(() => workspace().then((m) => ({ default: m.InvitationPage })));
const BoardPage = lazy(() => import('./board/BoardPage.tsx').then((m) => ({ default: m.BoardPage })));
const GoalsPage = lazy(() => import('./pages/goals.tsx').then((m) => ({ default: m.GoalsPage })));
const GoalPage = lazy(() => import('./pages/goals.tsx').then((m) => ({ default: m.GoalPage })));
const CommandPalette = lazy(() =>
  import('./pages/CommandPalette.tsx').then((m) => ({ default: m.CommandPalette })),
);
const MyDayPage = lazy(() => import('./pages/my-day.tsx').then((m) => ({ default: m.MyDayPage })));
const SettingsPage = lazy(() => import('./pages/settings.tsx').then((m) => ({ default: m.SettingsPage })));
const UnsubscribePage = lazy(() =>
  import('./pages/unsubscribe.tsx').then((m) => ({ default: m.UnsubscribePage })),
);

/**
 * The query cache, kept in IndexedDB per person (web/src/offline/persist.ts; sync.ts clears it when the session
 * changes hands). Offline (docs/offline.md): what is cached shows and is not re-read (no error over data that is
 * there); what is not cached fails at once with a message saying so, instead of waiting forever. Mutations other
 * than task edits and moves (which go through the outbox) need a connection, and say so when there is none.
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      gcTime: CACHE_MAX_AGE_MS,
      networkMode: 'offlineFirst',
      refetchOnMount: () => onlineManager.isOnline(),
      // Changes waiting are sent first: a refetch before them would show the server's older copy for a moment
      // (sync.ts refreshes the views once they are sent).
      refetchOnReconnect: () => outbox.snapshot().pending === 0,
      // An open edit keeps the version it read: no silent refetch when the window regains focus.
      refetchOnWindowFocus: false,
      retry: (count, error) =>
        onlineManager.isOnline() && count < 2 && !(error as { status?: number }).status,
    },
    mutations: { networkMode: 'always' },
  },
});

export const useSession = () => useSyncExternalStore(subscribeSession, sessionSnapshot);

export function App({ config }: { config: WebConfig }) {
  return (
    <ConfigContext.Provider value={config}>
      <QueryClientProvider client={queryClient}>
        <LiveProvider config={config} client={queryClient}>
          <ToastProvider>
            <BrowserRouter>
              <Suspense fallback={<Spinner />}>
                <Routes>
                  <Route path="/sign-in" element={<SignInPage />} />
                  <Route path="/sign-up" element={<SignUpPage />} />
                  <Route path="/confirm" element={<ConfirmPage />} />
                  <Route path="/forgot" element={<ForgotPage />} />
                  {/* No sign-in: the emails' unsubscribe link (its signed token is the authority). */}
                  <Route path="/unsubscribe" element={<UnsubscribePage />} />
                  <Route element={<RequireAuth />}>
                    <Route element={<Layout />}>
                      <Route index element={<HomePage />} />
                      <Route path="/w/:workspaceId" element={<ProjectsPage />} />
                      <Route path="/w/:workspaceId/members" element={<MembersPage />} />
                      <Route path="/invitations/:token" element={<InvitationPage />} />
                      <Route path="/me" element={<MyDayPage />} />
                      <Route path="/settings" element={<SettingsPage />} />
                      <Route path="/goals" element={<GoalsPage />} />
                      <Route path="/goals/:goalId" element={<GoalPage />} />
                      <Route path="/p/:projectKey" element={<BoardPage view="board" />} />
                      <Route path="/p/:projectKey/list" element={<BoardPage view="list" />} />
                      <Route path="/p/:projectKey/calendar" element={<BoardPage view="calendar" />} />
                      <Route path="/p/:projectKey/sprints" element={<BoardPage view="sprints" />} />
                      <Route path="/p/:projectKey/:taskKey" element={<BoardPage view="board" />} />
                    </Route>
                  </Route>
                  <Route path="*" element={<Navigate to="/" replace />} />
                </Routes>
              </Suspense>
            </BrowserRouter>
          </ToastProvider>
        </LiveProvider>
      </QueryClientProvider>
    </ConfigContext.Provider>
  );
}

function RequireAuth() {
  const session = useSession();
  const location = useLocation();
  if (!session.user) {
    const next = location.pathname + location.search;
    return <Navigate to={`/sign-in${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`} replace />;
  }
  return <Outlet />;
}

/** The workspace in view: the one in the URL, else the last used one, else the first. */
export function useCurrentWorkspace(): { workspace: Workspace | undefined; workspaces: Workspace[] } {
  const params = useParams();
  const { data: workspaces = [] } = useWorkspaces();
  const wanted = params.workspaceId ?? lastWorkspaceId();
  const workspace = workspaces.find((w) => w.id === wanted) ?? workspaces[0];
  return { workspace, workspaces };
}

function Layout() {
  const { workspace } = useCurrentWorkspace();
  const home = workspace ? `/w/${workspace.id}` : '/';
  const [palette, setPalette] = useState(false);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        setPalette(true);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="app">
      <header className="topbar">
        <Link to={home} className="brand">
          TeamFlow
        </Link>
        <WorkspaceSwitcher />
        <nav aria-label="Main" className="topnav">
          <NavLink to={home} end>
            Projects
          </NavLink>
          {workspace && <NavLink to={`/w/${workspace.id}/members`}>Members</NavLink>}
          <NavLink to="/me">My day</NavLink>
          <NavLink to="/goals">Goals</NavLink>
        </nav>
        <button
          type="button"
          className="icon palette-button"
          aria-label="Command palette"
          title="Command palette (Ctrl K or ⌘ K)"
          onClick={() => setPalette(true)}
        >
          <span aria-hidden="true">⌕</span>
        </button>
        <SyncIndicator />
        <NotificationBell />
        <AccountMenu />
      </header>
      <SyncHost />
      {palette && (
        <Suspense fallback={null}>
          <CommandPalette workspace={workspace} onClose={() => setPalette(false)} />
        </Suspense>
      )}
      <main className="content">
        <Suspense fallback={<Spinner />}>
          <Outlet />
        </Suspense>
      </main>
      <nav aria-label="Bottom" className="bottomnav">
        <NavLink to={home} end>
          <span aria-hidden="true">▦</span>Projects
        </NavLink>
        <NavLink to="/me">
          <span aria-hidden="true">☀</span>My day
        </NavLink>
        <NavLink to="/goals">
          <span aria-hidden="true">◎</span>Goals
        </NavLink>
        {workspace && (
          <NavLink to={`/w/${workspace.id}/members`}>
            <span aria-hidden="true">☺</span>Members
          </NavLink>
        )}
      </nav>
    </div>
  );
}

function WorkspaceSwitcher() {
  const { workspace, workspaces } = useCurrentWorkspace();
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  return (
    <>
      <span className="switcher-name">{workspace?.name ?? 'Workspaces'}</span>
      <Popover
        label="Switch workspace"
        description={workspace ? `Current: ${workspace.name}` : undefined}
        className="switcher"
        button={
          // Icon only: the contract names this button "Switch workspace", and a visible label that is not
          // part of the name would confuse voice control. The current workspace is shown next to it.
          <span aria-hidden="true">⇅</span>
        }
      >
        {(close) => (
          <ul className="menu-list">
            {workspaces.map((w) => (
              <li key={w.id}>
                <button
                  type="button"
                  aria-current={w.id === workspace?.id ? 'true' : undefined}
                  onClick={() => {
                    rememberWorkspace(w.id);
                    close();
                    navigate(`/w/${w.id}`);
                  }}
                >
                  {w.name} <span className="muted">{w.role}</span>
                </button>
              </li>
            ))}
            <li>
              <button
                type="button"
                onClick={() => {
                  close();
                  setCreating(true);
                }}
              >
                New workspace
              </button>
            </li>
          </ul>
        )}
      </Popover>
      {creating && <NewWorkspaceDialog onClose={() => setCreating(false)} />}
    </>
  );
}

export function useCreateWorkspace() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const toasts = useToasts();
  return useMutation({
    mutationFn: (name: string) => api<Workspace>('/workspaces', { method: 'POST', body: { name } }),
    onSuccess: (created) => {
      client.setQueryData<Workspace[]>(keys.workspaces, (all = []) => [...all, created]);
      void client.invalidateQueries({ queryKey: keys.workspaces });
      rememberWorkspace(created.id);
      toasts.show(`Workspace “${created.name}” created`);
      navigate(`/w/${created.id}`);
    },
    onError: (error) => toasts.error(describeError(error)),
  });
}

export function WorkspaceForm({ onDone }: { onDone?: () => void }) {
  const create = useCreateWorkspace();
  const [name, setName] = useState('');
  return (
    <form
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate(name.trim(), { onSuccess: () => onDone?.() });
      }}
    >
      <label>
        Workspace name
        <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      </label>
      <button type="submit" className="primary" disabled={create.isPending || !name.trim()}>
        Create workspace
      </button>
    </form>
  );
}

function NewWorkspaceDialog({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="New workspace" onClose={onClose}>
      <WorkspaceForm onDone={onClose} />
    </Modal>
  );
}

function AccountMenu() {
  const { user } = useSession();
  const navigate = useNavigate();
  const client = useQueryClient();
  return (
    <Popover
      label="Account"
      className="account"
      button={
        <span className="avatar" aria-hidden="true">
          {(user?.name || user?.email || '?').slice(0, 1).toUpperCase()}
        </span>
      }
    >
      {(close) => (
        <div className="menu-list">
          <p className="muted account-who">
            {user?.name}
            <br />
            {user?.email}
          </p>
          <button
            type="button"
            onClick={async () => {
              const { pending } = outbox.snapshot();
              if (
                pending &&
                !window.confirm(
                  `${pending === 1 ? '1 change is' : `${pending} changes are`} not saved yet (waiting for a connection). Signing out deletes ${pending === 1 ? 'it' : 'them'} from this device. Sign out anyway?`,
                )
              )
                return;
              close();
              const id = user?.id;
              await signOut();
              client.clear();
              // A shared computer keeps nothing of this person: their saved data and waiting changes go.
              if (id) await forgetUser(id);
              navigate('/sign-in');
            }}
          >
            Sign out
          </button>
        </div>
      )}
    </Popover>
  );
}

export function PageHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      <div className="page-actions">{children}</div>
    </div>
  );
}
