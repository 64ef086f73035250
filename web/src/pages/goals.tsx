import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Goal } from '../../../shared/schemas/goals.ts';
import type { Workspace } from '../../../shared/schemas/workspaces.ts';
import { PageHeader, useCurrentWorkspace, useSession } from '../App.tsx';
import { api, ApiError, describeError, type Page } from '../lib/api.ts';
import { useWorkspaces } from '../lib/data.ts';
import { useToasts } from '../lib/toasts.tsx';
import { ErrorState, FormDialog, Modal, Spinner } from '../lib/ui.tsx';
import { Markdown } from '../task/Markdown.tsx';

const goalKey = (goalId: string) => ['goal', goalId] as const;
/** The API's limits (shared/schemas/goals.ts; not imported, which would bring zod into the bundle). */
const GOAL_TITLE_MAX = 200;
const GOAL_DESCRIPTION_MAX = 5_000;

/** Goals: my personal ones and the current workspace's, each with progress from its linked tasks. */
export function GoalsPage() {
  const { workspace } = useCurrentWorkspace();
  const [creating, setCreating] = useState(false);
  const personal = useQuery({
    queryKey: ['goals', 'personal'],
    queryFn: () => api<Page<Goal>>('/goals', { query: { limit: 100 } }).then((p) => p.items),
    refetchOnMount: 'always',
  });
  const shared = useQuery({
    queryKey: ['goals', workspace?.id],
    queryFn: () =>
      api<Page<Goal>>('/goals', { query: { workspaceId: workspace?.id, limit: 100 } }).then((p) => p.items),
    enabled: !!workspace,
    // Progress follows the tasks linked to a goal (from their panels): read afresh each time the page opens.
    refetchOnMount: 'always',
  });
  return (
    <section>
      <PageHeader title="Goals">
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New goal
        </button>
      </PageHeader>
      {workspace && (
        <GoalList
          title={`${workspace.name} goals`}
          empty={`No goals for ${workspace.name} yet. A workspace goal is an outcome the team works towards, like “Launch the new website”: everyone in the workspace sees it, and its progress fills in as the tasks linked to it get done.`}
          query={shared}
        />
      )}
      <GoalList
        title="My personal goals"
        empty="No personal goals yet. Only you see these: use them for what you want to get done yourself, and link your tasks to them to follow your progress."
        query={personal}
      />
      {creating && <NewGoalDialog workspaceId={workspace?.id} onClose={() => setCreating(false)} />}
    </section>
  );
}

function GoalList({
  title,
  empty,
  query,
}: {
  title: string;
  empty: string;
  query: { data?: Goal[]; isPending: boolean; error: unknown };
}) {
  return (
    <>
      <h2>{title}</h2>
      {query.isPending ? (
        <Spinner />
      ) : query.error ? (
        <p role="alert">{describeError(query.error)}</p>
      ) : !query.data?.length ? (
        <p className="empty">{empty}</p>
      ) : (
        <ul className="goal-list">
          {query.data.map((g) => (
            <li key={g.id}>
              <Link to={`/goals/${g.id}`} className="goal-link">
                {g.title}
              </Link>
              {g.targetDate && <span className="muted"> · by {formatDay(g.targetDate)}</span>}
              <GoalProgress goal={g} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function GoalProgress({ goal }: { goal: Goal }) {
  return (
    <>
      <progress className="progress" value={goal.progress} max={1} aria-label={`Progress of ${goal.title}`} />
      <span className="muted">
        {goal.taskCount === 0
          ? 'No tasks linked yet'
          : `${goal.doneCount} of ${goal.taskCount} ${goal.taskCount === 1 ? 'task' : 'tasks'} done (${Math.round(goal.progress * 100)}%)`}
      </span>
    </>
  );
}

/** A date-only `YYYY-MM-DD` as a person reads it (in their locale; no time zone shift). */
const formatDay = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  });

/**
 * Who may change a goal, as the API decides it: a personal goal its owner (the only one who sees it); a
 * workspace goal its creator (unless a viewer), admins and owners. Others read it without the buttons.
 */
function mayChange(goal: Goal, userId: string | undefined, workspaces: Workspace[] | undefined): boolean {
  if (goal.workspaceId === null) return true;
  const role = workspaces?.find((w) => w.id === goal.workspaceId)?.role;
  if (role === 'owner' || role === 'admin') return true;
  return role === 'member' && goal.ownerId === userId;
}

/** `/goals/:goalId`: one goal, its description and progress; edit and delete for those who may. */
export function GoalPage() {
  const { goalId = '' } = useParams();
  const { user } = useSession();
  const { data: workspaces } = useWorkspaces();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const client = useQueryClient();
  const goal = useQuery({
    queryKey: goalKey(goalId),
    queryFn: () => api<Goal>(`/goals/${encodeURIComponent(goalId)}`),
    refetchOnMount: 'always',
    // A goal from the list shows at once; the page still reads it fresh.
    placeholderData: () =>
      client
        .getQueriesData<Goal[]>({ queryKey: ['goals'] })
        .flatMap(([, goals]) => goals ?? [])
        .find((g) => g.id === goalId),
  });
  if (goal.isPending) return <Spinner label="Loading the goal" />;
  if (goal.error) {
    if (goal.error instanceof ApiError && goal.error.code === 'NOT_FOUND')
      return (
        <section className="empty-page">
          <h1>Goal not found</h1>
          <p className="muted">It may have been deleted, or it belongs to a workspace you are not in.</p>
          <p>
            <Link to="/goals">All goals</Link>
          </p>
        </section>
      );
    return <ErrorState error={goal.error} />;
  }
  const g = goal.data;
  const workspace = g.workspaceId ? workspaces?.find((w) => w.id === g.workspaceId) : undefined;
  const canChange = mayChange(g, user?.id, workspaces);
  return (
    <section className="goal-page">
      <p className="eyebrow">
        <Link to="/goals">Goals</Link> ·{' '}
        {g.workspaceId ? (workspace?.name ?? 'Workspace goal') : 'Personal goal'}
      </p>
      <PageHeader title={g.title}>
        {canChange && (
          <>
            <button type="button" onClick={() => setEditing(true)}>
              Edit goal
            </button>
            <button type="button" className="danger" onClick={() => setDeleting(true)}>
              Delete goal
            </button>
          </>
        )}
      </PageHeader>
      <dl className="goal-facts">
        <dt>Target date</dt>
        <dd>{g.targetDate ? formatDay(g.targetDate) : 'None'}</dd>
        <dt>Progress</dt>
        <dd>
          <GoalProgress goal={g} />
        </dd>
      </dl>
      <h2>Description</h2>
      {g.description ? <Markdown text={g.description} /> : <p className="muted">No description.</p>}
      <p className="hint">
        Link a task to this goal from the task’s panel; its progress follows those tasks.
      </p>
      {editing && <EditGoalDialog goal={g} onClose={() => setEditing(false)} />}
      {deleting && <DeleteGoalDialog goal={g} onClose={() => setDeleting(false)} />}
    </section>
  );
}

/** The saved goal everywhere it shows: its page, and the lists (which are read again for their order). */
function useStoreGoal() {
  const client = useQueryClient();
  return (saved: Goal) => {
    client.setQueryData(goalKey(saved.id), saved);
    void client.invalidateQueries({ queryKey: ['goals'] });
  };
}

function EditGoalDialog({ goal, onClose }: { goal: Goal; onClose: () => void }) {
  const toasts = useToasts();
  const store = useStoreGoal();
  const [title, setTitle] = useState(goal.title);
  const [description, setDescription] = useState(goal.description ?? '');
  const [targetDate, setTargetDate] = useState(goal.targetDate ?? '');
  // The version the edit is based on: moves on when a conflict shows someone else's change.
  const [base, setBase] = useState(goal);
  const [conflict, setConflict] = useState<Goal>();
  const save = useMutation({
    mutationFn: () => {
      // Only what changed since the version read (a PATCH needs at least one field besides the version).
      const changes: Record<string, string | null> = {};
      if (title.trim() !== base.title) changes.title = title.trim();
      if ((description.trim() || null) !== base.description) changes.description = description.trim() || null;
      if ((targetDate || null) !== base.targetDate) changes.targetDate = targetDate || null;
      if (Object.keys(changes).length === 0) return Promise.resolve(base);
      return api<Goal>(`/goals/${encodeURIComponent(goal.id)}`, {
        method: 'PATCH',
        body: { version: base.version, ...changes },
      });
    },
    onSuccess: (saved) => {
      store(saved);
      toasts.show('Goal saved');
      onClose();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.isVersionConflict && error.current) {
        // Someone saved first: keep what this person typed, show what is stored now, and let them save again.
        const current = error.current as Goal;
        store(current);
        setBase(current);
        setConflict(current);
      }
    },
  });
  return (
    <FormDialog
      title="Edit goal"
      onClose={onClose}
      onSubmit={() => {
        setConflict(undefined);
        save.mutate();
      }}
      submitLabel="Save"
      pending={save.isPending}
      error={conflict ? undefined : save.error}
    >
      <label>
        Title
        <input
          required
          maxLength={GOAL_TITLE_MAX}
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          autoFocus
        />
      </label>
      <label>
        Description
        <textarea
          rows={5}
          maxLength={GOAL_DESCRIPTION_MAX}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          aria-describedby="goal-description-hint"
        />
      </label>
      <p className="hint" id="goal-description-hint">
        Markdown works: **bold**, lists, links.
      </p>
      <label>
        Target date
        <input type="date" value={targetDate} onChange={(e) => setTargetDate(e.target.value)} />
      </label>
      {conflict && (
        <p role="alert" className="error">
          Someone changed this goal while you were editing (it is now “{conflict.title}”
          {conflict.targetDate ? `, by ${formatDay(conflict.targetDate)}` : ''}). Your text is still here:
          save again to keep it.
        </p>
      )}
    </FormDialog>
  );
}

function DeleteGoalDialog({ goal, onClose }: { goal: Goal; onClose: () => void }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const toasts = useToasts();
  const remove = useMutation({
    mutationFn: () =>
      api<void>(`/goals/${encodeURIComponent(goal.id)}`, {
        method: 'DELETE',
        query: { version: goal.version },
      }),
    onSuccess: () => {
      client.removeQueries({ queryKey: goalKey(goal.id) });
      void client.invalidateQueries({ queryKey: ['goals'] });
      toasts.show(`Goal “${goal.title}” deleted`);
      navigate('/goals');
    },
  });
  return (
    <Modal title={`Delete “${goal.title}”?`} onClose={onClose}>
      <p>
        The goal disappears for everyone who sees it. Tasks linked to it stay as they are; only the link is no
        longer shown.
      </p>
      {remove.error ? (
        <p role="alert" className="error">
          {remove.error instanceof ApiError && remove.error.isVersionConflict
            ? 'Someone changed this goal meanwhile. Close this, look at their change, and delete again if you still want to.'
            : describeError(remove.error)}
        </p>
      ) : null}
      <div className="row">
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className="danger-fill"
          disabled={remove.isPending}
          onClick={() => remove.mutate()}
        >
          Delete goal
        </button>
      </div>
    </Modal>
  );
}

function NewGoalDialog({ workspaceId, onClose }: { workspaceId?: string; onClose: () => void }) {
  const client = useQueryClient();
  const toasts = useToasts();
  const [title, setTitle] = useState('');
  const [targetDate, setTargetDate] = useState('');
  const [scope, setScope] = useState<'workspace' | 'personal'>(workspaceId ? 'workspace' : 'personal');
  const create = useMutation({
    mutationFn: () =>
      api<Goal>('/goals', {
        method: 'POST',
        body: {
          title: title.trim(),
          targetDate: targetDate || null,
          ...(scope === 'workspace' && workspaceId ? { workspaceId } : {}),
        },
      }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['goals'] });
      toasts.show('Goal created');
      onClose();
    },
  });
  return (
    <FormDialog
      title="New goal"
      onClose={onClose}
      onSubmit={() => create.mutate()}
      submitLabel="Create goal"
      pending={create.isPending}
      error={create.error}
    >
      <label>
        Goal
        <input
          required
          maxLength={GOAL_TITLE_MAX}
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          autoFocus
        />
      </label>
      <label>
        Target date
        <input type="date" value={targetDate} onChange={(e) => setTargetDate(e.target.value)} />
      </label>
      {workspaceId && (
        <label>
          For
          <select value={scope} onChange={(e) => setScope(e.target.value as 'workspace' | 'personal')}>
            <option value="workspace">The workspace</option>
            <option value="personal">Me only</option>
          </select>
        </label>
      )}
    </FormDialog>
  );
}
