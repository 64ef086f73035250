import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Project } from '../../../shared/schemas/projects.ts';
import type { Task } from '../../../shared/schemas/tasks.ts';
import { api, describeError, type Page } from '../lib/api.ts';
import { keys } from '../lib/data.ts';
import { useToasts } from '../lib/toasts.tsx';
import { Spinner } from '../lib/ui.tsx';
import { applyTaskToBoard } from './Board.tsx';
import { isOverdue } from './board-logic.ts';
import type { CardLookups } from './Card.tsx';
import { apiQuery, matches, type BoardFilters } from './filters.ts';

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** The days a month view shows: whole weeks (Monday first) around the month. */
export function monthGrid(year: number, month: number): string[] {
  const first = new Date(Date.UTC(year, month, 1));
  const start = new Date(first);
  start.setUTCDate(1 - ((first.getUTCDay() + 6) % 7));
  const days: string[] = [];
  const cursor = new Date(start);
  do {
    for (let i = 0; i < 7; i++) {
      days.push(iso(cursor));
      cursor.setUTCDate(cursor.getUTCDate() + 1);
    }
  } while (cursor.getUTCMonth() === month);
  return days;
}

/** Tasks by due date; drag a task to another day to reschedule it (or use the task panel's date field). */
export function CalendarView({
  project,
  filters,
  lookups,
  canEdit,
}: {
  project: Project;
  filters: BoardFilters;
  lookups: CardLookups;
  canEdit: boolean;
}) {
  const [month, setMonth] = useState(() => {
    const [y, m] = lookups.today.split('-').map(Number) as [number, number];
    return { year: y, month: m - 1 };
  });
  const days = useMemo(() => monthGrid(month.year, month.month), [month]);
  const client = useQueryClient();
  const toasts = useToasts();
  const queryKey = ['calendar', project.id, days[0], JSON.stringify(filters)];
  const { data, isPending } = useQuery({
    queryKey,
    queryFn: async () => {
      // Tasks due before the grid's last day, page by page (a calendar shows at most a few hundred).
      const all: Task[] = [];
      let cursor: string | null = null;
      const dueBefore = days.at(-1)!;
      for (let i = 0; i < 20; i++) {
        const page: Page<Task> = await api<Page<Task>>(`/projects/${project.id}/tasks`, {
          query: { ...apiQuery(filters, lookups.today), dueBefore, limit: 100, cursor },
        });
        all.push(...page.items);
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      return all.filter((t) => t.dueDate && t.dueDate >= days[0]! && matches(t, filters, lookups.today));
    },
  });
  const byDay = useMemo(() => {
    const map = new Map<string, Task[]>();
    for (const t of data ?? []) map.set(t.dueDate!, [...(map.get(t.dueDate!) ?? []), t]);
    return map;
  }, [data]);

  const reschedule = async (taskId: string, dueDate: string) => {
    const task = data?.find((t) => t.id === taskId);
    if (!task || task.dueDate === dueDate) return;
    client.setQueryData<Task[]>(queryKey, (all = []) =>
      all.map((t) => (t.id === taskId ? { ...t, dueDate } : t)),
    );
    try {
      const saved = await api<Task>(`/tasks/${taskId}`, {
        method: 'PATCH',
        body: { version: task.version, dueDate },
      });
      client.setQueryData(keys.task(saved.id), saved);
      applyTaskToBoard(client, saved);
      client.setQueryData<Task[]>(queryKey, (all = []) => all.map((t) => (t.id === taskId ? saved : t)));
      toasts.show(`${saved.key} is now due ${dueDate}`);
    } catch (error) {
      client.setQueryData<Task[]>(queryKey, (all = []) => all.map((t) => (t.id === taskId ? task : t)));
      toasts.error(`${task.key} was not rescheduled: ${describeError(error)}`);
    }
  };

  const title = new Date(Date.UTC(month.year, month.month, 1)).toLocaleDateString(undefined, {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
  const step = (delta: number) =>
    setMonth(({ year, month: m }) => {
      const d = new Date(Date.UTC(year, m + delta, 1));
      return { year: d.getUTCFullYear(), month: d.getUTCMonth() };
    });
  return (
    <div className="calendar">
      <div className="calendar-head">
        <button type="button" onClick={() => step(-1)} aria-label="Previous month">
          ‹
        </button>
        <h2>{title}</h2>
        <button type="button" onClick={() => step(1)} aria-label="Next month">
          ›
        </button>
      </div>
      {isPending ? (
        <Spinner />
      ) : (
        <ol className="calendar-grid">
          {days.map((day) => {
            const inMonth = Number(day.slice(5, 7)) - 1 === month.month;
            return (
              <li
                key={day}
                className={`calendar-day${inMonth ? '' : ' other-month'}${day === lookups.today ? ' today' : ''}`}
                onDragOver={(e) => canEdit && e.preventDefault()}
                onDrop={(e) => {
                  e.preventDefault();
                  const id = e.dataTransfer.getData('text/x-teamflow-task');
                  if (id) void reschedule(id, day);
                }}
              >
                <span className="day-number">
                  <time dateTime={day}>{Number(day.slice(8))}</time>
                </span>
                <ul>
                  {(byDay.get(day) ?? []).map((t) => (
                    <li
                      key={t.id}
                      draggable={canEdit}
                      onDragStart={(e) => e.dataTransfer.setData('text/x-teamflow-task', t.id)}
                      className={isOverdue(t, lookups.today) ? 'cal-task overdue' : 'cal-task'}
                    >
                      <Link to={`/p/${project.key}/${t.key}`} draggable={false}>
                        {t.key} {t.title}
                      </Link>
                    </li>
                  ))}
                </ul>
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
