import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Goal } from '../../../shared/schemas/goals.ts';
import { PageHeader, useCurrentWorkspace } from '../App.tsx';
import { api, describeError, type Page } from '../lib/api.ts';
import { useToasts } from '../lib/toasts.tsx';
import { FormDialog, Spinner } from '../lib/ui.tsx';

/** Goals: my personal ones and the current workspace's, each with progress from its linked tasks. */
export function GoalsPage() {
  const { workspace } = useCurrentWorkspace();
  const [creating, setCreating] = useState(false);
  const personal = useQuery({
    queryKey: ['goals', 'personal'],
    queryFn: () => api<Page<Goal>>('/goals', { query: { limit: 100 } }).then((p) => p.items),
  });
  const shared = useQuery({
    queryKey: ['goals', workspace?.id],
    queryFn: () =>
      api<Page<Goal>>('/goals', { query: { workspaceId: workspace?.id, limit: 100 } }).then((p) => p.items),
    enabled: !!workspace,
  });
  return (
    <section>
      <PageHeader title="Goals">
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New goal
        </button>
      </PageHeader>
      {workspace && <GoalList title={`${workspace.name} goals`} query={shared} />}
      <GoalList title="My personal goals" query={personal} />
      {creating && <NewGoalDialog workspaceId={workspace?.id} onClose={() => setCreating(false)} />}
    </section>
  );
}

function GoalList({
  title,
  query,
}: {
  title: string;
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
        <p className="empty">
          No goals here yet. Link tasks to a goal (goalId) and its progress fills in by itself.
        </p>
      ) : (
        <ul className="goal-list">
          {query.data.map((g) => (
            <li key={g.id}>
              <strong>{g.title}</strong>
              {g.targetDate && <span className="muted"> · by {g.targetDate}</span>}
              <progress
                className="progress"
                value={g.progress}
                max={1}
                aria-label={`Progress of ${g.title}`}
              />
              <span className="muted">
                {g.doneCount} of {g.taskCount} tasks done ({Math.round(g.progress * 100)}%)
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
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
        <input required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} autoFocus />
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
