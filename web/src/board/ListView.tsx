import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useInfiniteQuery } from '@tanstack/react-query';
import type { Project } from '../../../shared/schemas/projects.ts';
import type { Task } from '../../../shared/schemas/tasks.ts';
import { api, describeError, type Page } from '../lib/api.ts';
import { Spinner } from '../lib/ui.tsx';
import { flatten, isOverdue, PRIORITY_TITLES, STATUS_TITLES } from './board-logic.ts';
import type { CardLookups } from './Card.tsx';
import { apiQuery, matches, type BoardFilters } from './filters.ts';
import { sortTasks, type SortKey } from './sort.ts';

export function ListView({
  project,
  filters,
  lookups,
}: {
  project: Project;
  filters: BoardFilters;
  lookups: CardLookups;
}) {
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'key', dir: 1 });
  const query = useInfiniteQuery({
    queryKey: ['list', project.id, JSON.stringify(filters)],
    queryFn: ({ pageParam }) =>
      api<Page<Task>>(`/projects/${project.id}/tasks`, {
        query: { limit: 100, cursor: pageParam, ...apiQuery(filters, lookups.today) },
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const tasks = useMemo(
    () =>
      sortTasks(
        flatten(query.data).filter((t) => matches(t, filters, lookups.today)),
        sort.key,
        sort.dir,
      ),
    [query.data, filters, lookups.today, sort],
  );
  if (query.isPending) return <Spinner />;
  if (query.isError)
    return (
      <p role="alert" className="error">
        {describeError(query.error)}
      </p>
    );
  const header = (key: SortKey, title: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
      <button
        type="button"
        className="sort-button"
        onClick={() => setSort({ key, dir: sort.key === key ? (-sort.dir as 1 | -1) : 1 })}
      >
        {title}
        <span aria-hidden="true">{sort.key === key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
  return (
    <div className="list-view">
      <div className="table-wrap">
        <table className="task-table">
          <thead>
            <tr>
              {header('key', 'Key')}
              {header('title', 'Title')}
              {header('status', 'Status')}
              {header('priority', 'Priority')}
              {header('dueDate', 'Due')}
              <th scope="col">Assignees</th>
            </tr>
          </thead>
          <tbody>
            {tasks.map((t) => (
              <tr key={t.id}>
                <td className="card-key">{t.key}</td>
                <td>
                  <Link to={`/p/${project.key}/${t.key}`}>{t.title}</Link>
                </td>
                <td>{STATUS_TITLES[t.status]}</td>
                <td>{PRIORITY_TITLES[t.priority]}</td>
                <td className={isOverdue(t, lookups.today) ? 'overdue' : undefined}>{t.dueDate ?? ''}</td>
                <td>
                  {t.assigneeIds
                    .map((id) => lookups.members.get(id)?.name ?? '')
                    .filter(Boolean)
                    .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {tasks.length === 0 && (
        <p className="empty">No tasks match. Clear the filters or add tasks on the board.</p>
      )}
      {query.hasNextPage && (
        <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          Load more tasks
        </button>
      )}
    </div>
  );
}
