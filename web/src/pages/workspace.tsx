import { useState, type ReactNode } from 'react';
import { Link, Navigate, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Project } from '../../../shared/schemas/projects.ts';
import type {
  AcceptedMembership,
  Invitation,
  InvitationPreview,
  Role,
  Workspace,
} from '../../../shared/schemas/workspaces.ts';
import { PageHeader, useCurrentWorkspace, useSession, WorkspaceForm } from '../App.tsx';
import { api, ApiError, describeError, type Page } from '../lib/api.ts';
import { initials, keys, rememberWorkspace, useMembers, useProjects, useWorkspaces } from '../lib/data.ts';
import { signOut } from '../lib/session.ts';
import { useToasts } from '../lib/toasts.tsx';
import { Avatar, ErrorState, FormDialog, Spinner } from '../lib/ui.tsx';

const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];
const canManage = (role: Role | undefined) => role === 'owner' || role === 'admin';

/** `/`: the last used workspace, or the first-workspace page for someone who has none. */
export function HomePage() {
  const { data: workspaces, isPending, error } = useWorkspaces();
  const { workspace } = useCurrentWorkspace();
  if (isPending) return <Spinner />;
  if (error) return <ErrorState error={error} />;
  if (workspace) return <Navigate to={`/w/${workspace.id}`} replace />;
  if (workspaces.length === 0)
    return (
      <section className="empty-page">
        <h1>Create your first workspace</h1>
        <p className="muted">
          A workspace holds your team’s projects and members. Name it after your team or company; you can
          rename it later.
        </p>
        <WorkspaceForm />
      </section>
    );
  return <Spinner />;
}

export function ProjectsPage() {
  const { workspaceId = '' } = useParams();
  const { data: workspaces } = useWorkspaces();
  const workspace = workspaces?.find((w) => w.id === workspaceId);
  const { data: projects, isPending, error } = useProjects(workspaceId);
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [showArchived, setShowArchived] = useState(false);
  if (workspaceId) rememberWorkspace(workspaceId);
  const role = workspace?.role;

  return (
    <section>
      <p className="eyebrow">{workspace?.name}</p>
      <PageHeader title="Projects">
        {role === 'owner' && (
          <button type="button" onClick={() => setRenaming(true)}>
            Rename workspace
          </button>
        )}
        {role !== 'viewer' && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New project
          </button>
        )}
      </PageHeader>
      {isPending ? (
        <Spinner />
      ) : error ? (
        <ErrorState error={error} />
      ) : projects.length === 0 ? (
        <div className="empty">
          <p>No projects yet. A project is a board of tasks with a short key (like WEB) that numbers them.</p>
          {role !== 'viewer' && (
            <button type="button" className="primary" onClick={() => setCreating(true)}>
              Create the first project
            </button>
          )}
        </div>
      ) : (
        <ul className="project-grid">
          {projects.map((project) => (
            <ProjectCard key={project.id} project={project} canArchive={canManage(role)} />
          ))}
        </ul>
      )}
      <button type="button" className="link-button" onClick={() => setShowArchived(!showArchived)}>
        {showArchived ? 'Hide archived projects' : 'Show archived projects'}
      </button>
      {showArchived && <ArchivedProjects workspaceId={workspaceId} canManage={canManage(role)} />}
      {creating && <NewProjectDialog workspaceId={workspaceId} onClose={() => setCreating(false)} />}
      {renaming && workspace && <RenameDialog workspace={workspace} onClose={() => setRenaming(false)} />}
    </section>
  );
}

function useArchive(workspaceId: string) {
  const client = useQueryClient();
  const toasts = useToasts();
  return useMutation({
    mutationFn: ({ project, archived }: { project: Project; archived: boolean }) =>
      api<Project>(`/projects/${project.id}`, {
        method: 'PATCH',
        body: { version: project.version, archived },
      }),
    onSuccess: (project) => {
      toasts.show(`${project.name} ${project.archived ? 'archived' : 'restored'}`);
      void client.invalidateQueries({ queryKey: keys.projects(workspaceId) });
      void client.invalidateQueries({ queryKey: ['archived', workspaceId] });
    },
    onError: (error) => toasts.error(describeError(error)),
  });
}

function ProjectCard({ project, canArchive }: { project: Project; canArchive: boolean }) {
  const archive = useArchive(project.workspaceId);
  return (
    <li className="project-card">
      <span className="key-badge" aria-hidden="true">
        {project.key}
      </span>
      <Link to={`/p/${project.key}`} className="project-link">
        {project.name}
      </Link>
      <span className="muted">
        {project.key} · {project.taskCount} {project.taskCount === 1 ? 'task' : 'tasks'}
      </span>
      {canArchive && (
        <button
          type="button"
          className="small"
          aria-label={`Archive ${project.name}`}
          onClick={() => archive.mutate({ project, archived: true })}
        >
          Archive
        </button>
      )}
    </li>
  );
}

function ArchivedProjects({ workspaceId, canManage }: { workspaceId: string; canManage: boolean }) {
  const archive = useArchive(workspaceId);
  const { data = [] } = useQuery({
    queryKey: ['archived', workspaceId],
    queryFn: () =>
      api<Page<Project>>(`/workspaces/${workspaceId}/projects`, {
        query: { archived: true, limit: 100 },
      }).then((p) => p.items),
  });
  return (
    <ul className="plain-list">
      {data.length === 0 && <li className="muted">No archived projects.</li>}
      {data.map((p) => (
        <li key={p.id}>
          {p.name} <span className="muted">{p.key}</span>{' '}
          {canManage && (
            <button
              type="button"
              className="small"
              onClick={() => archive.mutate({ project: p, archived: false })}
            >
              Restore {p.name}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

function NewProjectDialog({ workspaceId, onClose }: { workspaceId: string; onClose: () => void }) {
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [keyTouched, setKeyTouched] = useState(false);
  const client = useQueryClient();
  const navigate = useNavigate();
  const toasts = useToasts();
  const create = useMutation({
    mutationFn: (projectKey: string) =>
      api<Project>(`/workspaces/${workspaceId}/projects`, {
        method: 'POST',
        body: { name: name.trim(), key: projectKey },
      }),
    onSuccess: (project) => {
      client.setQueryData<Project[]>(keys.projects(workspaceId), (all = []) => [...all, project]);
      toasts.show(`Project ${project.name} created`);
      onClose();
      navigate(`/p/${project.key}`);
    },
  });
  const suggested = name
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toUpperCase()
    .slice(0, 4);
  const shownKey = keyTouched ? key : suggested;
  const keyError = create.error instanceof ApiError ? create.error : undefined;
  return (
    <FormDialog
      title="New project"
      onClose={onClose}
      onSubmit={() => create.mutate(shownKey)}
      submitLabel="Create project"
      pending={create.isPending}
      error={keyError}
      formatError={(error) =>
        error instanceof ApiError && error.code === 'CONFLICT'
          ? 'That key is taken in this workspace: choose another.'
          : describeError(error)
      }
    >
      <label>
        Project name
        <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      </label>
      <label>
        Key
        <input
          required
          pattern="[A-Z]{2,10}"
          maxLength={10}
          aria-describedby="key-hint"
          value={shownKey}
          onChange={(e) => {
            setKeyTouched(true);
            setKey(e.target.value.toUpperCase().replace(/[^A-Z]/g, ''));
          }}
          onBlur={() => {
            if (!keyTouched) {
              setKeyTouched(true);
              setKey(suggested);
            }
          }}
        />
      </label>
      <p className="hint" id="key-hint">
        2–10 capital letters; tasks get numbers like {shownKey || 'KEY'}-1.
      </p>
    </FormDialog>
  );
}

function RenameDialog({ workspace, onClose }: { workspace: Workspace; onClose: () => void }) {
  const [name, setName] = useState(workspace.name);
  const client = useQueryClient();
  const toasts = useToasts();
  const rename = useMutation({
    mutationFn: () =>
      api<Workspace>(`/workspaces/${workspace.id}`, {
        method: 'PATCH',
        body: { version: workspace.version, name: name.trim() },
      }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.workspaces });
      toasts.show('Workspace renamed');
      onClose();
    },
    onError: (error) => toasts.error(describeError(error)),
  });
  return (
    <FormDialog
      title="Rename workspace"
      onClose={onClose}
      onSubmit={() => rename.mutate()}
      submitLabel="Save"
      pending={rename.isPending}
    >
      <label>
        Workspace name
        <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      </label>
    </FormDialog>
  );
}

export function MembersPage() {
  const { workspaceId = '' } = useParams();
  const { data: workspaces } = useWorkspaces();
  const workspace = workspaces?.find((w) => w.id === workspaceId);
  const { user } = useSession();
  const { data: members, isPending, error } = useMembers(workspaceId);
  const [inviting, setInviting] = useState(false);
  const client = useQueryClient();
  const toasts = useToasts();
  const manage = canManage(workspace?.role);
  const invitations = useQuery({
    queryKey: keys.invitations(workspaceId),
    queryFn: () =>
      api<Page<Invitation>>(`/workspaces/${workspaceId}/invitations`, { query: { limit: 100 } }).then(
        (p) => p.items,
      ),
    enabled: manage,
  });
  const onError = (e: unknown) => toasts.error(describeError(e));
  const changeRole = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      api(`/workspaces/${workspaceId}/members/${userId}`, { method: 'PATCH', body: { role } }),
    onSuccess: () => toasts.show('Role changed'),
    onError,
    onSettled: () => client.invalidateQueries({ queryKey: keys.members(workspaceId) }),
  });
  const remove = useMutation({
    mutationFn: (userId: string) => api(`/workspaces/${workspaceId}/members/${userId}`, { method: 'DELETE' }),
    onSuccess: () => toasts.show('Member removed'),
    onError,
    onSettled: () => client.invalidateQueries({ queryKey: keys.members(workspaceId) }),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/invitations/${id}`, { method: 'DELETE' }),
    onSuccess: () => toasts.show('Invitation revoked'),
    onError,
    onSettled: () => client.invalidateQueries({ queryKey: keys.invitations(workspaceId) }),
  });
  return (
    <section>
      <p className="eyebrow">{workspace?.name}</p>
      <PageHeader title="Members">
        {manage && (
          <button type="button" className="primary" onClick={() => setInviting(true)}>
            Invite
          </button>
        )}
      </PageHeader>
      {isPending ? (
        <Spinner />
      ) : error ? (
        <ErrorState error={error} />
      ) : (
        <ul className="member-list">
          {members.map((m) => (
            <li key={m.userId}>
              <Avatar initials={initials(m.name || m.email)} name={m.name || m.email} />
              <span className="member-name">
                {m.name} {m.userId === user?.id && <span className="muted">(you)</span>}
                <br />
                <span className="muted">{m.email}</span>
              </span>
              {manage && m.userId !== user?.id ? (
                <>
                  <label className="visually-hidden" htmlFor={`role-${m.userId}`}>
                    Role of {m.name || m.email}
                  </label>
                  <select
                    id={`role-${m.userId}`}
                    value={m.role}
                    onChange={(e) => changeRole.mutate({ userId: m.userId, role: e.target.value as Role })}
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                  <button
                    type="button"
                    className="small danger"
                    aria-label={`Remove ${m.name || m.email}`}
                    onClick={() => {
                      if (window.confirm(`Remove ${m.name || m.email} from the workspace?`))
                        remove.mutate(m.userId);
                    }}
                  >
                    Remove
                  </button>
                </>
              ) : (
                <span className="role-badge">{m.role}</span>
              )}
            </li>
          ))}
        </ul>
      )}
      {manage && (invitations.data?.length ?? 0) > 0 && (
        <>
          <h2>Pending invitations</h2>
          <ul className="plain-list">
            {invitations.data?.map((i) => (
              <li key={i.id}>
                {i.email} <span className="muted">as {i.role}</span>{' '}
                <button type="button" className="small" onClick={() => revoke.mutate(i.id)}>
                  Revoke {i.email}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {inviting && <InviteDialog workspaceId={workspaceId} onClose={() => setInviting(false)} />}
    </section>
  );
}

function InviteDialog({ workspaceId, onClose }: { workspaceId: string; onClose: () => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const client = useQueryClient();
  const toasts = useToasts();
  const invite = useMutation({
    mutationFn: () =>
      api<Invitation>(`/workspaces/${workspaceId}/invitations`, {
        method: 'POST',
        body: { email: email.trim(), role },
      }),
    onSuccess: (invitation) => {
      toasts.show(`Invitation sent to ${invitation.email}`);
      void client.invalidateQueries({ queryKey: keys.invitations(workspaceId) });
      onClose();
    },
  });
  return (
    <FormDialog
      title="Invite a member"
      onClose={onClose}
      onSubmit={() => invite.mutate()}
      submitLabel="Send invitation"
      pending={invite.isPending}
      error={invite.error}
      formatError={(error) =>
        error instanceof ApiError && error.code === 'CONFLICT'
          ? 'This person is already a member or has a pending invitation.'
          : describeError(error)
      }
    >
      <label>
        Email
        <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
      </label>
      <label>
        Role
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
    </FormDialog>
  );
}

/**
 * `/invitations/:token`, the link of an invitation email. It names the workspace, the inviter and the role
 * before anything is accepted (`GET /invitations/{token}`), and offers Accept only when the invitation can be
 * accepted by the person signed in: someone else's, an unknown, an expired or a used link says so instead. A
 * signed-out person comes back here after signing in or creating an account (`?next=`, see pages/auth.tsx).
 */
export function InvitationPage() {
  const { token = '' } = useParams();
  const { user } = useSession();
  const preview = useQuery({
    queryKey: ['invitation', token, user?.id],
    queryFn: () => api<InvitationPreview>(`/invitations/${encodeURIComponent(token)}`),
    retry: false,
  });
  if (preview.isPending) return <Spinner label="Loading the invitation" />;
  if (preview.error) {
    const invalid =
      preview.error instanceof ApiError &&
      (preview.error.code === 'NOT_FOUND' || preview.error.code === 'VALIDATION_ERROR');
    if (!invalid) return <ErrorState error={preview.error} />;
    return (
      <InvitationMessage title="This invitation link is not valid">
        <p>
          Check that you opened the whole link from the email, or ask the person who invited you to send a new
          invitation. It may also have been revoked.
        </p>
        <p>
          <Link to="/">Go to your workspaces</Link>
        </p>
      </InvitationMessage>
    );
  }
  return <InvitationDetails token={token} invitation={preview.data} email={user?.email ?? ''} />;
}

function InvitationMessage({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="empty-page invitation">
      <p className="eyebrow">Invitation</p>
      <h1>{title}</h1>
      {children}
    </section>
  );
}

function InvitationDetails({
  token,
  invitation,
  email,
}: {
  token: string;
  invitation: InvitationPreview;
  email: string;
}) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const toasts = useToasts();
  const { workspaceId, workspaceName, role } = invitation;
  const inviter = invitation.inviterName ?? 'A member';
  const accept = useMutation({
    mutationFn: () =>
      api<AcceptedMembership>(`/invitations/${encodeURIComponent(token)}/accept`, { method: 'POST' }),
    onSuccess: async (membership) => {
      await client.invalidateQueries({ queryKey: keys.workspaces });
      rememberWorkspace(membership.workspaceId);
      toasts.show(`You joined ${membership.workspaceName} as ${membership.role}`);
      navigate(`/w/${membership.workspaceId}`);
    },
  });
  const switchAccount = async () => {
    await signOut();
    client.clear();
    navigate(`/sign-in?next=${encodeURIComponent(`/invitations/${token}`)}`);
  };

  if (invitation.status === 'accepted') {
    return invitation.forYou ? (
      <InvitationMessage title={`You're already in ${workspaceName}`}>
        <p>You accepted this invitation earlier.</p>
        <p>
          <Link className="button primary" to={`/w/${workspaceId}`}>
            Open {workspaceName}
          </Link>
        </p>
      </InvitationMessage>
    ) : (
      <InvitationMessage title="This invitation was already used">
        <p>
          The invitation to {workspaceName} has been accepted. If you need access too, ask {inviter} to invite
          you.
        </p>
      </InvitationMessage>
    );
  }
  if (invitation.status === 'expired') {
    return (
      <InvitationMessage title="This invitation has expired">
        <p>
          {inviter}’s invitation to {workspaceName} ended on {formatDay(invitation.expiresAt)}. Ask them to
          send a new one.
        </p>
      </InvitationMessage>
    );
  }
  if (!invitation.forYou) {
    return (
      <InvitationMessage title="This invitation is for someone else">
        <p>
          {inviter} invited someone to join <strong>{workspaceName}</strong>.
        </p>
        <p>
          This invitation is for {invitation.email}. You're signed in as <strong>{email}</strong>; sign out
          and sign in with that address to accept it.
        </p>
        <div className="row start">
          <button type="button" className="primary" onClick={() => void switchAccount()}>
            Sign out and switch account
          </button>
          <Link className="button" to="/">
            Not now
          </Link>
        </div>
      </InvitationMessage>
    );
  }
  return (
    <InvitationMessage title={`Join ${workspaceName}`}>
      <p>
        {inviter} invited you to join {workspaceName} as {role}.
      </p>
      <p className="muted">
        For {invitation.email} · valid until {formatDay(invitation.expiresAt)}
      </p>
      {accept.error && (
        <p role="alert" className="error">
          {acceptError(accept.error)}
        </p>
      )}
      <div className="row start">
        <button type="button" className="primary" disabled={accept.isPending} onClick={() => accept.mutate()}>
          Accept invitation
        </button>
        <Link className="button" to="/">
          Not now
        </Link>
      </div>
    </InvitationMessage>
  );
}

/** The accept route's own words where they help (whose invitation it is, already a member, expired). */
function acceptError(error: unknown): string {
  if (error instanceof ApiError && (error.code === 'FORBIDDEN' || error.code === 'CONFLICT'))
    return `${error.message.replace(/\.?$/, '')}.`;
  if (error instanceof ApiError && error.code === 'NOT_FOUND')
    return 'This invitation is not valid any more: it may have been revoked.';
  return describeError(error);
}

const formatDay = (iso: string) =>
  new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
