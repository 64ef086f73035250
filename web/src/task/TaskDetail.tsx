import { useId, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { Comment } from '../../../shared/schemas/comments.ts';
import type { Goal } from '../../../shared/schemas/goals.ts';
import type { Project } from '../../../shared/schemas/projects.ts';
import type { Sprint } from '../../../shared/schemas/sprints.ts';
import type { Subtask } from '../../../shared/schemas/subtasks.ts';
import type { Activity, Task, TaskPriority, TaskStatus } from '../../../shared/schemas/tasks.ts';
import { useSession } from '../App.tsx';
import { api, ApiError, describeError, type Page } from '../lib/api.ts';
import { initials, keys } from '../lib/data.ts';
import { useToasts } from '../lib/toasts.tsx';
import { DESCRIPTION_MAX, TITLE_MAX } from '../lib/limits.ts';
import { Avatar, LimitNote, Modal, Popover, Spinner } from '../lib/ui.tsx';
import { isOverdue, PRIORITY_TITLES, STATUS_TITLES } from '../board/board-logic.ts';
import { applyTaskToBoard, seedQuery, taskFromBoard } from '../board/Board.tsx';
import type { BoardFilters } from '../board/filters.ts';
import type { CardLookups } from '../board/Card.tsx';
import { applyMineBody, conflictRows, FIELD_TITLES, type TaskChanges } from './conflict.ts';
import { AiBreakdown } from './AiBreakdown.tsx';
import { Attachments } from './Attachments.tsx';
import { Markdown } from './Markdown.tsx';
import { MentionTextarea } from './MentionBox.tsx';
import { markMentions } from './mentions.ts';
import { FieldWarning, LiveInput, useLiveDraft, type LiveFieldProps } from './LiveField.tsx';
import { useLive, useRemoteChange, useTaskPresence } from '../live/react.tsx';
import { useTaskConflict } from '../offline/conflicts.ts';
import { outbox, saveTaskChanges } from '../offline/sync.ts';
import { waitingMessage } from './save-status.ts';

/** Pages through the project's tasks (deleted ones too) for the one with this key: a URL names tasks by key. */
async function findTaskByKey(projectId: string, taskKey: string): Promise<Task | null> {
  let cursor: string | null = null;
  for (let page = 0; page < 60; page++) {
    const result: Page<Task> = await api<Page<Task>>(`/projects/${projectId}/tasks`, {
      query: { limit: 100, cursor, includeDeleted: true },
    });
    const found = result.items.find((t) => t.key === taskKey);
    if (found) return found;
    if (!result.nextCursor) return null;
    cursor = result.nextCursor;
  }
  return null;
}

interface Conflict {
  theirs: Task;
  mine: TaskChanges;
}

export function TaskDetail({
  project,
  taskKey,
  lookups,
  canEdit,
  onClose,
  boardFilters,
}: {
  project: Project;
  taskKey: string;
  lookups: CardLookups;
  canEdit: boolean;
  onClose: () => void;
  /** The board's filters (its first request is keyed by them). */
  boardFilters: BoardFilters;
}) {
  const client = useQueryClient();
  const boardFilterKey = JSON.stringify(boardFilters);
  const located = useQuery({
    queryKey: ['taskByKey', project.id, taskKey],
    queryFn: async () => {
      const loaded = taskFromBoard(client, project.id, taskKey);
      if (loaded) return loaded;
      // The board's first request (shared with the board, not sent twice) usually holds it.
      const seed = await client.fetchQuery(
        seedQuery(project.id, boardFilterKey, boardFilters, lookups.today),
      );
      return seed.items.find((t) => t.key === taskKey) ?? (await findTaskByKey(project.id, taskKey));
    },
    staleTime: Infinity,
  });
  const taskId = located.data?.id;
  const task = useQuery({
    queryKey: keys.task(taskId ?? ''),
    queryFn: () => api<Task>(`/tasks/${taskId}`),
    enabled: !!taskId,
    initialData: () => located.data ?? undefined,
    staleTime: 60_000,
  });

  if (located.isPending || (taskId && task.isPending))
    return (
      <Modal label={`Loading ${taskKey}`} onClose={onClose} className="task-panel">
        <Spinner />
      </Modal>
    );
  const failure = located.error ?? task.error;
  // Offline, a task never opened on this device is not "not found": it opens once back online.
  const unreachable = failure instanceof ApiError && failure.code === 'NETWORK_ERROR';
  if (!task.data)
    return (
      <Modal
        title={unreachable ? `${taskKey} is not available offline` : `${taskKey} not found`}
        onClose={onClose}
        className="task-panel"
      >
        <p role="alert">
          {failure ? describeError(failure) : `There is no task ${taskKey} in ${project.name}.`}
        </p>
        <button type="button" onClick={onClose}>
          Back to the board
        </button>
      </Modal>
    );
  return (
    <TaskPanel
      task={task.data}
      workspaceId={project.workspaceId}
      lookups={lookups}
      canEdit={canEdit}
      onClose={onClose}
    />
  );
}

function TaskPanel({
  task,
  workspaceId,
  lookups,
  canEdit,
  onClose,
}: {
  task: Task;
  workspaceId: string;
  lookups: CardLookups;
  canEdit: boolean;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const toasts = useToasts();
  const latest = useRef(task);
  latest.current = task;
  // A conflict of this task (raised here or by the outbox when a queued change met a newer version).
  const [conflict, setConflict] = useTaskConflict(task.id);
  const editable = canEdit && !task.deletedAt;
  const { user } = useSession();
  // The others see this panel open (and which field is being typed in); their changes update it live.
  const setEditing = useTaskPresence(task.projectId, task.id);
  const remote = useRemoteChange(task.id);
  const live = (field: string, noun: string): LiveFieldProps => {
    let changedBy = 'Someone';
    if (remote?.fields.includes(field)) {
      const member = lookups.members.get(remote.actorId);
      if (remote.actorId === user?.id) changedBy = 'You (in another tab)';
      else if (member) changedBy = member.name || member.email;
    }
    return { field, noun, changedBy, onEditing: setEditing };
  };

  const store = (saved: Task) => {
    client.setQueryData(keys.task(saved.id), saved);
    applyTaskToBoard(client, saved);
  };
  // Saved through the outbox (web/src/offline/sync.ts), online or not: shown at once, sent in order with the
  // version it was made on; a conflict comes back as this panel's conflict dialog, a refusal as a toast.
  const change = (changes: TaskChanges) => void saveTaskChanges(latest.current, changes);

  const remove = useMutation({
    mutationFn: () =>
      api<Task>(`/tasks/${task.id}`, { method: 'DELETE', query: { version: latest.current.version } }),
    onSuccess: (deleted) => {
      client.setQueryData(keys.task(deleted.id), deleted);
      applyTaskToBoard(client, deleted, { remove: true });
      toasts.show(`${deleted.key} deleted`, { action: { label: 'Undo', run: () => restore.mutate() } });
      onClose();
    },
    onError: (error) => toasts.error(`Not deleted: ${describeError(error)}`),
  });
  const restore = useMutation({
    mutationFn: () => api<Task>(`/tasks/${task.id}/restore`, { method: 'POST', body: {} }),
    onSuccess: (restored) => {
      store(restored);
      void client.invalidateQueries({ queryKey: keys.column(restored.projectId) });
      toasts.show(`${restored.key} restored`);
    },
    onError: (error) => toasts.error(`Not restored: ${describeError(error)}`),
  });

  // Fields follow the stored value (live changes included) and keep a draft being typed (see draft.ts).
  const v = task.id;
  const members = [...lookups.members.values()];
  const labels = [...lookups.labels.values()];
  return (
    <>
      <Modal
        onClose={onClose}
        className="task-panel"
        heading={(id) => (
          <div className="panel-head">
            <span className="card-key">{task.key}</span>
            <h2 id={id}>{task.title}</h2>
            <button type="button" className="icon" aria-label="Close" onClick={onClose}>
              ×
            </button>
          </div>
        )}
      >
        {task.deletedAt && (
          <div className="banner" role="status">
            This task is deleted. It can be restored for 30 days.{' '}
            {canEdit && (
              <button type="button" className="small" onClick={() => restore.mutate()}>
                Restore
              </button>
            )}
          </div>
        )}
        <LiveInput
          key={v}
          {...live('title', 'the title')}
          label="Title"
          hideLabel
          className="title-field"
          value={task.title}
          disabled={!editable}
          normalize={(text) => text.trim() || null}
          onSave={(title) => change({ title })}
          maxLength={TITLE_MAX}
        />
        <SaveStatus taskId={task.id} />
        <div className="fields">
          <ChoiceField
            label="Status"
            value={task.status}
            titles={STATUS_TITLES}
            disabled={!editable}
            onChange={(status) => change({ status })}
          />
          <ChoiceField
            label="Priority"
            value={task.priority}
            titles={PRIORITY_TITLES}
            disabled={!editable}
            onChange={(priority) => change({ priority })}
          />
          <LiveInput
            key={`due-${v}`}
            {...live('dueDate', 'the due date')}
            label="Due date"
            value={task.dueDate ?? ''}
            disabled={!editable}
            onSave={(text) => change({ dueDate: text || null })}
            inputProps={{ type: 'date', className: isOverdue(task, lookups.today) ? 'overdue' : undefined }}
          />
          <LiveInput
            key={`points-${v}`}
            {...live('storyPoints', 'the story points')}
            label="Story points"
            value={task.storyPoints === null ? '' : String(task.storyPoints)}
            disabled={!editable}
            onSave={(text) => change({ storyPoints: text ? Number(text) : null })}
            inputProps={{ type: 'number', min: 1, max: 21 }}
          />
          <SprintField task={task} disabled={!editable} onChange={(sprintId) => change({ sprintId })} />
          <GoalField
            task={task}
            workspaceId={workspaceId}
            disabled={!editable}
            onChange={(goalId) => change({ goalId })}
          />
          <PickMany
            label="Assignees"
            disabled={!editable}
            options={members.map((m) => ({ id: m.userId, name: m.name || m.email }))}
            selected={task.assigneeIds}
            onChange={(assigneeIds) => change({ assigneeIds })}
            render={(id) => {
              const m = lookups.members.get(id);
              const name = m ? m.name || m.email : 'Former member';
              return <Avatar key={id} initials={initials(name)} name={name} />;
            }}
          />
          <PickMany
            label="Labels"
            disabled={!editable}
            options={labels.map((l) => ({ id: l.id, name: l.name }))}
            selected={task.labelIds}
            onChange={(labelIds) => change({ labelIds })}
            render={(id) => {
              const l = lookups.labels.get(id);
              return (
                <span
                  key={id}
                  className="label-chip"
                  style={{ ['--label' as string]: l?.color ?? '#888888' }}
                >
                  {l?.name ?? 'Deleted label'}
                </span>
              );
            }}
          />
        </div>
        <DescriptionField
          key={`d-${v}`}
          {...live('description', 'the description')}
          value={task.description ?? ''}
          disabled={!editable}
          onSave={(description) => change({ description: description || null })}
        />
        <Subtasks task={task} canEdit={editable} />
        <AiBreakdown task={task} canEdit={editable} />
        <Attachments task={task} canEdit={editable} />
        <Comments task={task} canEdit={editable} lookups={lookups} />
        <ActivityList task={task} lookups={lookups} />
        {canEdit && !task.deletedAt && (
          <div className="danger-zone">
            <button
              type="button"
              className="danger"
              onClick={() => {
                if (window.confirm(`Delete ${task.key}? You can restore it for 30 days.`)) remove.mutate();
              }}
            >
              Delete task
            </button>
          </div>
        )}
      </Modal>
      {conflict && (
        <ConflictDialog
          conflict={conflict}
          lookups={lookups}
          onKeepTheirs={() => {
            store(conflict.theirs);
            setConflict(null);
          }}
          onApplyMine={async () => {
            const body = applyMineBody(conflict.theirs, conflict.mine);
            if (!body) {
              store(conflict.theirs);
              setConflict(null);
              return;
            }
            try {
              const saved = await api<Task>(`/tasks/${task.id}`, { method: 'PATCH', body });
              store(saved);
              setConflict(null);
              toasts.show('Your change is saved on top of theirs');
            } catch (error) {
              if (error instanceof ApiError && error.isVersionConflict && error.current)
                setConflict({ theirs: error.current as Task, mine: conflict.mine });
              else toasts.error(`Not saved: ${describeError(error)}`);
            }
          }}
        />
      )}
    </>
  );
}

/** A labelled select of one of `titles`' keys, each shown by its title. */
function ChoiceField<T extends string>({
  label,
  value,
  titles,
  disabled,
  onChange,
}: {
  label: string;
  value: T;
  titles: Record<T, string>;
  disabled: boolean;
  onChange: (value: T) => void;
}) {
  return (
    <label>
      {label}
      <select value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as T)}>
        {Object.entries<string>(titles).map(([key, title]) => (
          <option key={key} value={key}>
            {title}
          </option>
        ))}
      </select>
    </label>
  );
}

function DescriptionField({
  value,
  disabled,
  onSave,
  field,
  noun,
  changedBy,
  onEditing,
}: LiveFieldProps & {
  value: string;
  disabled: boolean;
  onSave: (v: string) => void;
}) {
  const [editing, setEditingOpen] = useState(false);
  const [state, dispatch] = useLiveDraft(value);
  const limitId = useId();
  const tooLong = state.draft.length > DESCRIPTION_MAX;
  // Escape leaves the editor, never the panel: at once when nothing changed; with unsaved text, the first
  // Escape says so and only a second one discards it (a long description is not lost to one key).
  const [discarding, setDiscarding] = useState(false);
  const open = () => {
    setDiscarding(false);
    setEditingOpen(true);
    dispatch({ type: 'focus' });
    onEditing(field);
  };
  const close = () => {
    setEditingOpen(false);
    dispatch({ type: 'blur' });
    onEditing(null);
  };
  return (
    <section className="panel-section" aria-labelledby="description-heading">
      <div className="section-head">
        <h3 id="description-heading">Description</h3>
        {!disabled && !editing && (
          <button type="button" className="small" onClick={open}>
            Edit description
          </button>
        )}
      </div>
      {editing ? (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            // Over the API's limit it stays open, the text kept, the limit said under it (LimitNote).
            if (state.theirs || tooLong) return;
            if (state.draft !== state.base) {
              dispatch({ type: 'saved' });
              onSave(state.draft);
            }
            close();
          }}
        >
          <label>
            <span className="visually-hidden">Description (markdown)</span>
            <textarea
              rows={8}
              value={state.draft}
              aria-invalid={tooLong || undefined}
              aria-describedby={limitId}
              onChange={(e) => {
                setDiscarding(false);
                dispatch({ type: 'edit', draft: e.target.value });
              }}
              onKeyDown={(e) => {
                if (e.key !== 'Escape') return;
                e.preventDefault();
                e.stopPropagation();
                if (state.draft === state.base || discarding) {
                  dispatch({ type: 'revert' });
                  close();
                } else setDiscarding(true);
              }}
              autoFocus
            />
          </label>
          {discarding && (
            <p role="status" className="muted">
              Unsaved changes: press Escape again to discard them, or save.
            </p>
          )}
          <LimitNote id={limitId} length={state.draft.length} max={DESCRIPTION_MAX} noun="Description" />
          <FieldWarning
            state={state}
            dispatch={dispatch}
            noun={noun}
            changedBy={changedBy}
            show={(text) => (text.length > 120 ? `${text.slice(0, 120)}…` : text)}
            onKeepMine={() => dispatch({ type: 'keep-mine' })}
          />
          <div className="row">
            <button
              type="button"
              onClick={() => {
                dispatch({ type: 'revert' });
                close();
              }}
            >
              Cancel
            </button>
            <button type="submit" className="primary" disabled={!!state.theirs}>
              Save description
            </button>
          </div>
        </form>
      ) : value ? (
        <Markdown text={value} />
      ) : (
        <p className="muted">No description yet. Markdown works: **bold**, lists, `code`, links.</p>
      )}
    </section>
  );
}

function SprintField({
  task,
  disabled,
  onChange,
}: {
  task: Task;
  disabled: boolean;
  onChange: (sprintId: string | null) => void;
}) {
  const { data = [] } = useQuery({
    queryKey: ['sprints', task.projectId],
    queryFn: () =>
      api<Page<Sprint>>(`/projects/${task.projectId}/sprints`, { query: { limit: 100 } }).then(
        (p) => p.items,
      ),
  });
  const choices = data.filter((s) => s.status !== 'completed' || s.id === task.sprintId);
  return (
    <label>
      Sprint
      <select
        value={task.sprintId ?? ''}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value || null)}
      >
        <option value="">Backlog (no sprint)</option>
        {choices.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name} ({s.status})
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The task's goal: one of the workspace's goals, or none; the linked goal is a link to its page. A goal the
 * list does not hold (a personal one, or one this person cannot read) stays chosen, named as well as it can be.
 */
function GoalField({
  task,
  workspaceId,
  disabled,
  onChange,
}: {
  task: Task;
  workspaceId: string;
  disabled: boolean;
  onChange: (goalId: string | null) => void;
}) {
  // The goals page's own query (pages/goals.tsx): one cache for both.
  const { data = [] } = useQuery({
    queryKey: ['goals', workspaceId],
    queryFn: () => api<Page<Goal>>('/goals', { query: { workspaceId, limit: 100 } }).then((p) => p.items),
  });
  const other = useQuery({
    queryKey: ['goal', task.goalId],
    queryFn: () => api<Goal>(`/goals/${encodeURIComponent(task.goalId ?? '')}`),
    enabled: !!task.goalId && !data.some((g) => g.id === task.goalId),
    retry: false,
  });
  const linked = data.find((g) => g.id === task.goalId) ?? (task.goalId ? other.data : undefined);
  const selectId = useId();
  return (
    <div className="field goal-field">
      <label htmlFor={selectId}>Goal</label>
      <select
        id={selectId}
        value={task.goalId ?? ''}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value || null)}
      >
        <option value="">No goal</option>
        {data.map((g) => (
          <option key={g.id} value={g.id}>
            {g.title}
          </option>
        ))}
        {task.goalId && !data.some((g) => g.id === task.goalId) && (
          <option value={task.goalId}>{linked?.title ?? 'Another goal'}</option>
        )}
      </select>
      {task.goalId && (
        <Link
          to={`/goals/${task.goalId}`}
          className="goal-link"
          aria-label={`Open goal ${linked?.title ?? ''}`.trim()}
        >
          {linked?.title ?? 'Open the goal'}
        </Link>
      )}
    </div>
  );
}

/**
 * This task's changes that were sent and not saved yet (a 429, no connection, ...), said in the panel (a modal:
 * it covers the header's sync indicator): which fields, why, and when TeamFlow tries again.
 */
function SaveStatus({ taskId }: { taskId: string }) {
  // Follows the outbox; its entries are read afresh at each change of its status.
  useSyncExternalStore(outbox.subscribe, outbox.snapshot);
  const message = waitingMessage(outbox.pending()[0], outbox.pending(taskId), Date.now());
  if (!message) return null;
  return (
    <p role="alert" className="field-error">
      {message}
    </p>
  );
}

function PickMany({
  label,
  options,
  selected,
  onChange,
  render,
  disabled,
}: {
  label: string;
  options: { id: string; name: string }[];
  selected: string[];
  onChange: (ids: string[]) => void;
  render: (id: string) => ReactNode;
  disabled: boolean;
}) {
  return (
    <div className="pick-many">
      <span className="field-label">{label}</span>
      <div className="chips">
        {selected.length ? selected.map(render) : <span className="muted">None</span>}
        {!disabled && (
          <Popover
            label={`Edit ${label.toLowerCase()}`}
            button={<span aria-hidden="true">✎</span>}
            fitViewport
          >
            {() => (
              <fieldset className="menu-list">
                <legend className="visually-hidden">{label}</legend>
                {options.length === 0 && <p className="muted">Nothing to choose yet.</p>}
                {options.map((o) => (
                  <label key={o.id} className="check">
                    <input
                      type="checkbox"
                      checked={selected.includes(o.id)}
                      onChange={(e) =>
                        onChange(
                          e.target.checked ? [...selected, o.id] : selected.filter((id) => id !== o.id),
                        )
                      }
                    />
                    {o.name}
                  </label>
                ))}
              </fieldset>
            )}
          </Popover>
        )}
      </div>
    </div>
  );
}

/** The name (or title) of the object `id` in any cached query under `prefix` (a list, pages, or one object). */
function nameInCache(client: QueryClient, prefix: string, id: string): string | undefined {
  const find = (data: unknown): string | undefined => {
    if (Array.isArray(data)) return data.map(find).find(Boolean);
    if (!data || typeof data !== 'object') return undefined;
    const object = data as {
      id?: unknown;
      name?: unknown;
      title?: unknown;
      items?: unknown;
      pages?: unknown;
    };
    if (object.id === id) return String(object.name ?? object.title ?? '') || undefined;
    return find(object.pages) ?? find(object.items);
  };
  return client
    .getQueriesData({ queryKey: [prefix] })
    .map(([, data]) => find(data))
    .find(Boolean);
}

function show(field: string, value: unknown, lookups: CardLookups, client: QueryClient): string {
  if (value === null || value === undefined || value === '') return '(empty)';
  if (field === 'goalId') return nameInCache(client, 'goals', String(value)) ?? 'a goal';
  if (field === 'sprintId') return nameInCache(client, 'sprints', String(value)) ?? 'a sprint';
  if (field === 'assigneeIds')
    return (value as string[]).map((id) => lookups.members.get(id)?.name ?? id).join(', ') || '(nobody)';
  if (field === 'labelIds')
    return (value as string[]).map((id) => lookups.labels.get(id)?.name ?? id).join(', ') || '(none)';
  if (field === 'status') return STATUS_TITLES[value as TaskStatus] ?? String(value);
  if (field === 'priority') return PRIORITY_TITLES[value as TaskPriority] ?? String(value);
  return String(value);
}

export function ConflictDialog({
  conflict,
  lookups,
  onKeepTheirs,
  onApplyMine,
}: {
  conflict: Conflict;
  lookups: CardLookups;
  onKeepTheirs: () => void;
  onApplyMine: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const client = useQueryClient();
  const rows = conflictRows(conflict.theirs, conflict.mine);
  return (
    <Modal title="Conflicting change" onClose={onKeepTheirs} className="conflict">
      <p>
        Someone saved a change to {conflict.theirs.key} after you opened it. Choose which version to keep.
      </p>
      <div className="conflict-table-wrap">
        <table className="conflict-table">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Theirs (saved)</th>
              <th scope="col">Yours</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.field}>
                <th scope="row">{FIELD_TITLES[row.field] ?? row.field}</th>
                <td>{show(row.field, row.theirs, lookups, client)}</td>
                <td>{show(row.field, row.yours, lookups, client)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="row">
        <button type="button" onClick={onKeepTheirs}>
          Keep theirs
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            await onApplyMine();
            setBusy(false);
          }}
        >
          Apply mine
        </button>
      </div>
    </Modal>
  );
}

function Subtasks({ task, canEdit }: { task: Task; canEdit: boolean }) {
  const client = useQueryClient();
  const toasts = useToasts();
  const live = useLive();
  const queryKey = keys.subtasks(task.id);
  const { data = [], isPending } = useQuery({
    queryKey,
    queryFn: () =>
      api<Page<Subtask>>(`/tasks/${task.id}/subtasks`, { query: { limit: 100 } }).then((p) => p.items),
  });
  const [title, setTitle] = useState('');
  const refreshTask = () => {
    void client.invalidateQueries({ queryKey });
    // The card's counters: read again (coalesced), noting when, so the change's own live event is not counted
    // on top (live/gate.ts, counters).
    if (live) {
      live.rereadTask(task.id);
      return;
    }
    void api<Task>(`/tasks/${task.id}`).then((fresh) => {
      // Counters only: keep the version the panel edits with unless the task itself changed.
      client.setQueryData<Task>(keys.task(task.id), (old) =>
        old ? { ...old, subtaskCount: fresh.subtaskCount, subtasksDone: fresh.subtasksDone } : fresh,
      );
      applyTaskToBoard(client, { ...(client.getQueryData<Task>(keys.task(task.id)) ?? fresh) });
    });
  };
  const onError = (error: unknown) => toasts.error(describeError(error));
  const add = useMutation({
    mutationFn: (t: string) =>
      api<Subtask>(`/tasks/${task.id}/subtasks`, { method: 'POST', body: { title: t } }),
    onSuccess: () => {
      setTitle('');
      refreshTask();
    },
    onError,
  });
  const toggle = useMutation({
    mutationFn: (s: Subtask) =>
      api<Subtask>(`/subtasks/${s.id}`, { method: 'PATCH', body: { version: s.version, done: !s.done } }),
    onMutate: (s) => {
      client.setQueryData<Subtask[]>(queryKey, (all = []) =>
        all.map((x) => (x.id === s.id ? { ...x, done: !s.done } : x)),
      );
    },
    onSettled: refreshTask,
    onError,
  });
  const remove = useMutation({
    mutationFn: (s: Subtask) => api(`/subtasks/${s.id}`, { method: 'DELETE' }),
    onSettled: refreshTask,
    onError,
  });
  const done = data.filter((s) => s.done).length;
  return (
    <section className="panel-section" aria-labelledby="subtasks-heading">
      <div className="section-head">
        <h3 id="subtasks-heading">Subtasks</h3>
        {data.length > 0 && (
          <span className="muted">
            {done}/{data.length} done
          </span>
        )}
      </div>
      {data.length > 0 && (
        <progress className="progress" value={done} max={data.length} aria-label="Subtasks done" />
      )}
      {isPending ? (
        <Spinner />
      ) : (
        <ul className="subtasks">
          {data.map((s) => (
            <li key={s.id}>
              <label className="check">
                <input
                  type="checkbox"
                  checked={s.done}
                  disabled={!canEdit}
                  onChange={() => toggle.mutate(s)}
                />
                <span className={s.done ? 'done-text' : undefined}>{s.title}</span>
              </label>
              {canEdit && (
                <button
                  type="button"
                  className="icon small"
                  aria-label={`Delete subtask ${s.title}`}
                  onClick={() => remove.mutate(s)}
                >
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (title.trim()) add.mutate(title.trim());
          }}
        >
          <input
            aria-label="Subtask title"
            placeholder="Add a subtask"
            maxLength={200}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
          <button type="submit" className="small" disabled={add.isPending || !title.trim()}>
            Add subtask
          </button>
        </form>
      )}
    </section>
  );
}

function Comments({ task, canEdit, lookups }: { task: Task; canEdit: boolean; lookups: CardLookups }) {
  const client = useQueryClient();
  const toasts = useToasts();
  const { user } = useSession();
  const live = useLive();
  const queryKey = keys.comments(task.id);
  const { data = [] } = useQuery({
    queryKey,
    queryFn: () =>
      api<Page<Comment>>(`/tasks/${task.id}/comments`, { query: { limit: 100 } }).then((p) => p.items),
  });
  const [body, setBody] = useState('');
  const add = useMutation({
    mutationFn: () =>
      api<Comment>(`/tasks/${task.id}/comments`, { method: 'POST', body: { body: body.trim() } }),
    onSuccess: (comment) => {
      setBody('');
      if (live) {
        // Listed and counted once, whether this answer or the comment's live event comes first.
        live.ownComment(comment);
        return;
      }
      client.setQueryData<Comment[]>(queryKey, (all = []) => [...all, comment]);
      client.setQueryData<Task>(
        keys.task(task.id),
        (old) => old && { ...old, commentCount: old.commentCount + 1 },
      );
      const updated = client.getQueryData<Task>(keys.task(task.id));
      if (updated) applyTaskToBoard(client, updated);
    },
    onError: (error) => toasts.error(`Comment not posted: ${describeError(error)}`),
  });
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const edit = useMutation({
    mutationFn: (c: Comment) =>
      api<Comment>(`/comments/${c.id}`, {
        method: 'PATCH',
        body: { version: c.version, body: draft.trim() },
      }),
    onSuccess: (saved) => {
      setEditing(null);
      client.setQueryData<Comment[]>(queryKey, (all = []) => all.map((x) => (x.id === saved.id ? saved : x)));
    },
    onError: (error) => {
      if (error instanceof ApiError && error.isVersionConflict) {
        // The comment changed elsewhere: show the stored one, keep the draft open to re-apply.
        if (error.current) {
          const current = error.current as Comment;
          client.setQueryData<Comment[]>(queryKey, (all = []) =>
            all.map((x) => (x.id === current.id ? current : x)),
          );
        } else void client.invalidateQueries({ queryKey });
        toasts.error('This comment was changed meanwhile: check it, then save your edit again.');
      } else toasts.error(`Comment not saved: ${describeError(error)}`);
    },
  });
  const remove = useMutation({
    mutationFn: (c: Comment) => api(`/comments/${c.id}`, { method: 'DELETE', query: { version: c.version } }),
    onSuccess: (_, c) =>
      client.setQueryData<Comment[]>(queryKey, (all = []) => all.filter((x) => x.id !== c.id)),
    onError: (error) => toasts.error(describeError(error)),
  });
  return (
    <section className="panel-section" aria-labelledby="comments-heading">
      <h3 id="comments-heading">Comments</h3>
      <ul className="comments">
        {data.map((c) => {
          const author = lookups.members.get(c.authorId);
          const name = author ? author.name || author.email : 'Former member';
          return (
            <li key={c.id}>
              <div className="comment-head">
                <Avatar initials={initials(name)} name={name} />
                <strong>{name}</strong>
                <time className="muted" dateTime={c.createdAt}>
                  {new Date(c.createdAt).toLocaleString()}
                </time>
                {c.editedAt && <span className="muted">(edited)</span>}
                {c.authorId === user?.id && editing !== c.id && (
                  <>
                    {canEdit && (
                      <button
                        type="button"
                        className="small link-button"
                        onClick={() => {
                          setEditing(c.id);
                          setDraft(c.body);
                        }}
                      >
                        Edit comment
                      </button>
                    )}
                    <button type="button" className="small link-button" onClick={() => remove.mutate(c)}>
                      Delete comment
                    </button>
                  </>
                )}
              </div>
              {editing === c.id ? (
                <form
                  className="stack"
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (draft.trim()) edit.mutate(c);
                  }}
                >
                  <label>
                    <span className="visually-hidden">Edit your comment</span>
                    <textarea
                      rows={3}
                      maxLength={10_000}
                      value={draft}
                      autoFocus
                      onChange={(e) => setDraft(e.target.value)}
                      onKeyDown={(e) => {
                        if (e.key === 'Escape') {
                          // Escape leaves the edit, not the task panel.
                          e.preventDefault();
                          e.stopPropagation();
                          setEditing(null);
                        }
                      }}
                    />
                  </label>
                  <div className="row">
                    <button type="button" className="small" onClick={() => setEditing(null)}>
                      Cancel
                    </button>
                    <button
                      type="submit"
                      className="small primary"
                      disabled={edit.isPending || !draft.trim() || draft.trim() === c.body}
                    >
                      Save comment
                    </button>
                  </div>
                </form>
              ) : (
                <Markdown
                  text={markMentions(
                    c.body,
                    c.mentions.flatMap((id) => lookups.members.get(id) ?? []),
                  )}
                />
              )}
            </li>
          );
        })}
      </ul>
      {canEdit && (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            if (body.trim()) add.mutate();
          }}
        >
          <label>
            <span className="visually-hidden">Comment</span>
            <MentionTextarea
              rows={3}
              placeholder="Write a comment (markdown, @name mentions)"
              value={body}
              onChange={setBody}
              members={[...lookups.members.values()]}
            />
          </label>
          <button type="submit" className="small primary" disabled={add.isPending || !body.trim()}>
            Comment
          </button>
        </form>
      )}
    </section>
  );
}

function ActivityList({ task, lookups }: { task: Task; lookups: CardLookups }) {
  const { data = [] } = useQuery({
    queryKey: ['activity', task.id, task.version],
    queryFn: () =>
      api<Page<Activity>>(`/tasks/${task.id}/activity`, { query: { limit: 30 } }).then((p) => p.items),
  });
  return (
    <section className="panel-section" aria-labelledby="activity-heading">
      <h3 id="activity-heading">Activity</h3>
      <ol className="activity">
        {data.map((a) => {
          const actor =
            a.actorId === 'system' ? 'TeamFlow' : (lookups.members.get(a.actorId)?.name ?? 'Someone');
          const fields = Object.keys(a.changes ?? {})
            .filter((f) => !['version', 'updatedAt', 'rank'].includes(f))
            .map((f) => FIELD_TITLES[f]?.toLowerCase() ?? f);
          return (
            <li key={a.id}>
              <strong>{actor}</strong> {a.action} {a.entityType === 'task' ? 'the task' : `a ${a.entityType}`}
              {fields.length > 0 && a.action === 'updated' ? ` (${fields.join(', ')})` : ''}{' '}
              <time className="muted" dateTime={a.at}>
                {new Date(a.at).toLocaleString()}
              </time>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
