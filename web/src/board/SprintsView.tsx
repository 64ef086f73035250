import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Project } from '../../../shared/schemas/projects.ts';
import type { Burndown, Sprint } from '../../../shared/schemas/sprints.ts';
import { api, describeError, type Page } from '../lib/api.ts';
import { useToasts } from '../lib/toasts.tsx';
import { Modal, Spinner } from '../lib/ui.tsx';
import type { CardLookups } from './Card.tsx';

/** Sprints of a project: plan (create; tasks join a sprint from the task panel), start, complete, burndown. */
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
  const shown = data.find((s) => s.id === selected) ?? data.find((s) => s.status === 'active') ?? data[0];
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
          No sprints yet. A sprint is a time box: create one, put tasks in it from their panel (Sprint field),
          then start it and follow its burndown.
        </p>
      ) : (
        <ul className="plain-list sprint-list">
          {data.map((s) => (
            <li key={s.id} className={s.id === shown?.id ? 'selected' : undefined}>
              <button type="button" className="link-button" onClick={() => setSelected(s.id)}>
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
      {shown && <BurndownChart sprint={shown} />}
      {creating && (
        <NewSprintDialog project={project} today={lookups.today} onClose={() => setCreating(false)} />
      )}
    </div>
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
    <Modal title="New sprint" onClose={onClose}>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
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
        {create.error && (
          <p role="alert" className="error">
            {describeError(create.error)}
          </p>
        )}
        <div className="row">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            Create sprint
          </button>
        </div>
      </form>
    </Modal>
  );
}
