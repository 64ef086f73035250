import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { Task } from '../../../shared/schemas/tasks.ts';
import { PageHeader } from '../App.tsx';
import { api, type Page } from '../lib/api.ts';
import { ErrorState, Spinner } from '../lib/ui.tsx';
import { isOverdue, localDate, STATUS_TITLES } from '../board/board-logic.ts';
import { Link } from 'react-router';

const RANGES = [
  { due: 'today', title: 'Today' },
  { due: 'overdue', title: 'Overdue' },
  { due: 'week', title: 'This week' },
  { due: 'all', title: 'All' },
] as const;

/** My day: my tasks across workspaces, by due date. */
export function MyDayPage() {
  const [due, setDue] = useState<(typeof RANGES)[number]['due']>('week');
  const { data, isPending, error } = useQuery({
    queryKey: ['myTasks', due],
    queryFn: () => api<Page<Task>>('/me/tasks', { query: { due, limit: 100 } }).then((p) => p.items),
  });
  const today = localDate();
  return (
    <section>
      <PageHeader title="My day" />
      <div className="segmented" role="group" aria-label="Due">
        {RANGES.map((r) => (
          <button key={r.due} type="button" aria-pressed={due === r.due} onClick={() => setDue(r.due)}>
            {r.title}
          </button>
        ))}
      </div>
      {isPending ? (
        <Spinner />
      ) : error ? (
        <ErrorState error={error} />
      ) : data.length === 0 ? (
        <p className="empty">
          Nothing assigned to you here. Enjoy the calm, or pick something up from a board.
        </p>
      ) : (
        <ul className="my-tasks">
          {data.map((t) => (
            <li key={t.id}>
              <Link to={`/p/${t.key.split('-')[0]}/${t.key}`}>
                <span className="card-key">{t.key}</span> {t.title}
              </Link>
              <span className="muted">{STATUS_TITLES[t.status]}</span>
              {t.dueDate && <span className={isOverdue(t, today) ? 'due overdue' : 'due'}>{t.dueDate}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
