import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  closestCenter,
  DndContext,
  DragOverlay,
  pointerWithin,
  useDraggable,
  useDroppable,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
} from '@dnd-kit/core';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Project } from '../../../shared/schemas/projects.ts';
import type { Burndown, Sprint } from '../../../shared/schemas/sprints.ts';
import type { Task } from '../../../shared/schemas/tasks.ts';
import { api, describeError, type Page } from '../lib/api.ts';
import { useToasts } from '../lib/toasts.tsx';
import { FormDialog, Spinner } from '../lib/ui.tsx';
import { flatten } from './board-logic.ts';
import { Card, type CardLookups } from './Card.tsx';
import { useOptimisticTaskMove } from './optimistic.ts';
import { saveTaskChanges } from '../offline/sync.ts';
import { jumpToDroppable } from './keyboard.ts';
import { cardKeyDown, useTaskSensors } from './dnd.ts';
import {
  BACKLOG_DROPPABLE,
  canPlan,
  isBacklogTask,
  planDrop,
  planningSprint,
  sprintDroppableId,
  sprintOfDroppable,
  totalPoints,
} from './planning.ts';

/**
 * Sprints of a project: create, plan (drag tasks from the backlog into the sprint and back), start, complete,
 * burndown.
 */
export function SprintsView({
  project,
  lookups,
  canEdit,
}: {
  project: Project;
  lookups: CardLookups;
  canEdit: boolean;
}) {
  const client = useQueryClient();
  const toasts = useToasts();
  const queryKey = ['sprints', project.id];
  const { data = [], isPending } = useQuery({
    queryKey,
    queryFn: () =>
      api<Page<Sprint>>(`/projects/${project.id}/sprints`, { query: { limit: 100 } }).then((p) => p.items),
  });
  const [creating, setCreating] = useState(false);
  const [selected, setSelected] = useState<string>();
  const shown = data.find((s) => s.id === selected) ?? planningSprint(data) ?? data[0];
  const advance = useMutation({
    mutationFn: (sprint: Sprint) =>
      api<Sprint>(`/sprints/${sprint.id}`, {
        method: 'PATCH',
        body: { version: sprint.version, status: sprint.status === 'planned' ? 'active' : 'completed' },
      }),
    onSuccess: (sprint) => {
      toasts.show(
        sprint.status === 'active'
          ? `${sprint.name} started`
          : `${sprint.name} completed; unfinished tasks went back to the backlog`,
      );
      void client.invalidateQueries({ queryKey });
      void client.invalidateQueries({ queryKey: ['burndown', sprint.id] });
      // Completing a sprint moves its unfinished tasks back to the backlog (or into the next sprint).
      void client.invalidateQueries({ queryKey: ['plan', project.id] });
    },
    onError: (error) => toasts.error(describeError(error)),
  });
  if (isPending) return <Spinner />;
  return (
    <div className="sprints">
      <div className="page-header">
        <h2>Sprints</h2>
        {canEdit && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New sprint
          </button>
        )}
      </div>
      {data.length === 0 ? (
        <p className="empty">
          No sprints yet. A sprint is a time box: create one, drag tasks into it from the backlog (or set
          their Sprint field), then start it and follow its burndown.
        </p>
      ) : (
        <ul className="plain-list sprint-list">
          {data.map((s) => (
            <li key={s.id} className={s.id === shown?.id ? 'selected' : undefined}>
              <button
                type="button"
                className="link-button"
                aria-pressed={s.id === shown?.id}
                onClick={() => setSelected(s.id)}
              >
                {s.name}
              </button>{' '}
              <span className="muted">
                {s.startDate} → {s.endDate} · {s.status}
              </span>{' '}
              {canEdit && s.status !== 'completed' && (
                <button type="button" className="small" onClick={() => advance.mutate(s)}>
                  {s.status === 'planned' ? `Start ${s.name}` : `Complete ${s.name}`}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {shown && <SprintPlan project={project} sprint={shown} lookups={lookups} canEdit={canEdit} />}
      {shown && <BurndownChart sprint={shown} />}
      {creating && (
        <NewSprintDialog project={project} today={lookups.today} onClose={() => setCreating(false)} />
      )}
    </div>
  );
}

const PLAN_PAGE = 100;
const planKey = (projectId: string, sprintId: string | null) =>
  ['plan', projectId, sprintId ?? 'backlog'] as const;

/** The pointer's list when there is a pointer (mouse, touch); the nearest list's centre for the keyboard. */
const planCollision: CollisionDetection = (args) => {
  if (args.pointerCoordinates) {
    const hits = pointerWithin(args);
    if (hits.length) return hits;
  }
  return closestCenter(args);
};

/** One list of the plan, page by page: the backlog (`sprintId=none`) or a sprint's tasks. */
function usePlanList(project: Project, sprintId: string | null) {
  return useInfiniteQuery({
    queryKey: planKey(project.id, sprintId),
    queryFn: ({ pageParam, signal }) =>
      api<Page<Task>>(`/projects/${project.id}/tasks`, {
        query: { sprintId: sprintId ?? 'none', limit: PLAN_PAGE, cursor: pageParam },
        signal,
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/**
 * The backlog beside the sprint: drag a task from one into the other with the mouse, a finger (press and hold)
 * or the keyboard (Space, an arrow, Space). Each drop is one `PATCH { version, sprintId }`, shown at once and
 * undone with a toast when the API refuses it.
 */
function SprintPlan({
  project,
  sprint,
  lookups,
  canEdit,
}: {
  project: Project;
  sprint: Sprint;
  lookups: CardLookups;
  canEdit: boolean;
}) {
  const moveTask = useOptimisticTaskMove();
  const plannable = canPlan(sprint);
  const backlog = usePlanList(project, null);
  const planned = usePlanList(project, sprint.id);
  const backlogTasks = useMemo(() => flatten(backlog.data).filter(isBacklogTask), [backlog.data]);
  const sprintTasks = useMemo(() => flatten(planned.data).filter((t) => !t.deletedAt), [planned.data]);
  const [active, setActive] = useState<Task | null>(null);
  const sensors = useTaskSensors(jumpToDroppable);
  const findTask = (id: string | number) =>
    backlogTasks.find((t) => t.id === id) ?? sprintTasks.find((t) => t.id === id);

  const drop = async (task: Task, overId: string) => {
    const change = planDrop(task, overId);
    if (!change) return;
    const fromKey = planKey(project.id, task.sprintId);
    const toKey = planKey(project.id, change.sprintId);
    await moveTask({
      task,
      moved: { ...task, sprintId: change.sprintId },
      fromKey,
      toKey,
      index: 0,
      scope: ['plan', project.id],
      // The outbox puts the answer in every view and refreshes the burndowns.
      save: () => saveTaskChanges(task, { sprintId: change.sprintId }),
    });
  };

  const onDragEnd = (event: DragEndEvent) => {
    setActive(null);
    const task = findTask(event.active.id);
    if (task && event.over) void drop(task, String(event.over.id));
  };
  const titleOf = (id: string | number) => findTask(id)?.title ?? 'the task';
  const listName = (id: string | number | undefined) => {
    const sprintId = id === undefined ? undefined : sprintOfDroppable(String(id));
    return sprintId === undefined ? 'no list' : sprintId === null ? 'the backlog' : sprint.name;
  };
  const announcements: Announcements = {
    onDragStart: ({ active: a }) =>
      `Picked up ${titleOf(a.id)}. Use the arrow keys to move it to the other list, space to drop.`,
    onDragOver: ({ active: a, over }) => `${titleOf(a.id)} is over ${listName(over?.id)}.`,
    onDragEnd: ({ active: a, over }) => `${titleOf(a.id)} dropped in ${listName(over?.id)}.`,
    onDragCancel: ({ active: a }) => `Moving ${titleOf(a.id)} was cancelled.`,
  };
  const editable = canEdit && plannable;

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={planCollision}
      onDragStart={(event) => setActive(findTask(event.active.id) ?? null)}
      onDragEnd={onDragEnd}
      onDragCancel={() => setActive(null)}
      accessibility={{
        announcements,
        screenReaderInstructions: {
          draggable:
            'To move a task between the backlog and the sprint, press space, use the arrow keys, then space to drop it or escape to cancel.',
        },
      }}
    >
      <div className={`plan${active ? ' is-dragging' : ''}`}>
        {plannable && (
          <PlanList
            id={BACKLOG_DROPPABLE}
            column={0}
            title="Backlog"
            hint="Tasks in no sprint that are not done"
            query={backlog}
            tasks={backlogTasks}
            lookups={lookups}
            editable={editable}
            empty="The backlog is empty: every open task is in a sprint."
          />
        )}
        <PlanList
          id={sprintDroppableId(sprint.id)}
          column={1}
          title={sprint.name}
          hint={`${sprint.status}, ${sprint.startDate} → ${sprint.endDate}`}
          query={planned}
          tasks={sprintTasks}
          lookups={lookups}
          editable={editable}
          empty={editable ? 'No tasks yet: drag tasks here from the backlog.' : 'No tasks in this sprint.'}
        />
      </div>
      <DragOverlay>{active ? <Card task={active} lookups={lookups} overlay /> : null}</DragOverlay>
    </DndContext>
  );
}

function PlanList({
  id,
  column,
  title,
  hint,
  query,
  tasks,
  lookups,
  editable,
  empty,
}: {
  id: string;
  column: number;
  title: string;
  hint: string;
  query: ReturnType<typeof usePlanList>;
  tasks: Task[];
  lookups: CardLookups;
  editable: boolean;
  empty: string;
}) {
  const { setNodeRef, isOver } = useDroppable({ id, disabled: !editable });
  const headingId = `${id}-heading`;
  const points = totalPoints(tasks);
  return (
    <section aria-labelledby={headingId} className={`plan-list${isOver ? ' is-over' : ''}`} ref={setNodeRef}>
      <header className="column-header">
        <h3 id={headingId}>{title}</h3>
        <span className="count">
          {tasks.length}
          {query.hasNextPage ? '+' : ''} tasks · {points} points
        </span>
      </header>
      <p className="muted plan-hint">{hint}</p>
      <div className="plan-scroll">
        {query.isPending ? (
          <Spinner label={`Loading ${title}`} />
        ) : query.isError ? (
          <div role="alert" className="error-state">
            <p>{describeError(query.error)}</p>
            <button type="button" onClick={() => void query.refetch()}>
              Retry
            </button>
          </div>
        ) : tasks.length === 0 ? (
          <p className="column-empty">{empty}</p>
        ) : (
          tasks.map((task, index) => (
            <PlanCard
              key={task.id}
              task={task}
              lookups={lookups}
              disabled={!editable}
              column={column}
              index={index}
            />
          ))
        )}
        {query.hasNextPage && (
          <button
            type="button"
            className="small"
            onClick={() => void query.fetchNextPage()}
            disabled={query.isFetchingNextPage}
          >
            Load more of {title}
          </button>
        )}
      </div>
    </section>
  );
}

function PlanCard({
  task,
  lookups,
  disabled,
  column,
  index,
}: {
  task: Task;
  lookups: CardLookups;
  disabled: boolean;
  column: number;
  index: number;
}) {
  const navigate = useNavigate();
  const { setNodeRef, listeners, attributes, isDragging, active } = useDraggable({ id: task.id, disabled });
  const open = () => navigate(`/p/${lookups.projectKey}/${task.key}`);
  const { onKeyDown: dragKeyDown, ...pointerListeners } = listeners ?? {};
  return (
    <Card
      task={task}
      lookups={lookups}
      cardRef={setNodeRef}
      dragging={isDragging}
      tabIndex={0}
      aria-roledescription={disabled ? undefined : 'draggable task'}
      aria-describedby={disabled ? undefined : attributes['aria-describedby']}
      data-card-id={task.id}
      data-column={column}
      data-index={index}
      onClick={(event) => {
        if ((event.target as HTMLElement).closest('a')) return;
        open();
      }}
      {...pointerListeners}
      onKeyDown={cardKeyDown({ dragging: Boolean(active), open, container: '.plan', dragKeyDown })}
    />
  );
}

function BurndownChart({ sprint }: { sprint: Sprint }) {
  const ref = useRef<HTMLDivElement>(null);
  const { data } = useQuery({
    queryKey: ['burndown', sprint.id],
    queryFn: () => api<Burndown>(`/sprints/${sprint.id}/burndown`),
  });
  useEffect(() => {
    const element = ref.current;
    if (!element || !data || data.days.length === 0) return;
    const style = getComputedStyle(document.documentElement);
    const text = style.getPropertyValue('--text').trim() || '#1b1e24';
    const muted = style.getPropertyValue('--muted').trim() || '#555d6b';
    const accent = style.getPropertyValue('--accent').trim() || '#3b4fd8';
    const xs = data.days.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000);
    const plot = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: 260,
        scales: { x: { time: true } },
        axes: [
          { stroke: text, grid: { stroke: 'rgba(128,128,128,0.2)' } },
          { stroke: text, grid: { stroke: 'rgba(128,128,128,0.2)' } },
        ],
        series: [
          {},
          { label: 'Remaining points', stroke: accent, width: 2 },
          { label: 'Ideal', stroke: muted, dash: [6, 6] },
        ],
      },
      [xs, data.days.map((d) => d.remainingPoints), data.days.map((d) => d.idealPoints)],
      element,
    );
    const onResize = () => plot.setSize({ width: Math.max(280, element.clientWidth), height: 260 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, [data]);
  if (!data) return <Spinner label="Loading the burndown" />;
  return (
    <figure className="burndown">
      <figcaption>
        Burndown of {sprint.name}: {data.completedPoints} of {data.committedPoints} points done
      </figcaption>
      <div ref={ref} aria-hidden="true" />
      <table className="visually-hidden">
        <caption>Remaining points by day</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Remaining</th>
            <th scope="col">Ideal</th>
          </tr>
        </thead>
        <tbody>
          {data.days.map((d) => (
            <tr key={d.date}>
              <td>{d.date}</td>
              <td>{d.remainingPoints ?? '—'}</td>
              <td>{d.idealPoints}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function NewSprintDialog({
  project,
  today,
  onClose,
}: {
  project: Project;
  today: string;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [startDate, setStart] = useState(today);
  const [endDate, setEnd] = useState(() => {
    const d = new Date(`${today}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 13);
    return d.toISOString().slice(0, 10);
  });
  const [goal, setGoal] = useState('');
  const create = useMutation({
    mutationFn: () =>
      api<Sprint>(`/projects/${project.id}/sprints`, {
        method: 'POST',
        body: { name: name.trim(), startDate, endDate, goal: goal.trim() || null },
      }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['sprints', project.id] });
      onClose();
    },
  });
  return (
    <FormDialog
      title="New sprint"
      onClose={onClose}
      onSubmit={() => create.mutate()}
      submitLabel="Create sprint"
      pending={create.isPending}
      error={create.error}
    >
      <label>
        Sprint name
        <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      </label>
      <label>
        Start date
        <input type="date" required value={startDate} onChange={(e) => setStart(e.target.value)} />
      </label>
      <label>
        End date
        <input type="date" required value={endDate} onChange={(e) => setEnd(e.target.value)} />
      </label>
      <label>
        Sprint goal
        <input maxLength={500} value={goal} onChange={(e) => setGoal(e.target.value)} />
      </label>
    </FormDialog>
  );
}
