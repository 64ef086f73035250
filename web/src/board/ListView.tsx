import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Project } from '../../../shared/schemas/projects.ts';
import type { Task } from '../../../shared/schemas/tasks.ts';
import { api, describeError, type Page } from '../lib/api.ts';
import { Spinner } from '../lib/ui.tsx';
import { flatten, isOverdue, PRIORITY_TITLES, STATUS_TITLES } from './board-logic.ts';
import type { CardLookups } from './Card.tsx';
import { apiQuery, matches, type BoardFilters } from './filters.ts';
import { sortTasks, type SortKey } from './sort.ts';

/** Estimated height of a row (one line); rows are measured once shown. */
const ROW_HEIGHT = 37;

/**
 * The project's tasks as a sortable table. Only the rows in view (and a few around) are in the DOM: spacer rows
 * above and below keep the scroll height, and `aria-rowcount` / `aria-rowindex` tell assistive technology where
 * a row sits in the whole table. Pages load as the table is scrolled towards its end.
 */
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
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: tasks.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    getItemKey: (index) => tasks[index]?.id ?? index,
  });
  const rows = virtualizer.getVirtualItems();
  const lastIndex = rows.at(-1)?.index ?? -1;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= tasks.length - 20) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, lastIndex, tasks.length]);

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
        onClick={() => {
          setSort({ key, dir: sort.key === key ? (-sort.dir as 1 | -1) : 1 });
          virtualizer.scrollToOffset(0);
        }}
      >
        {title}
        <span aria-hidden="true">{sort.key === key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
  const before = rows[0]?.start ?? 0;
  const after = Math.max(0, virtualizer.getTotalSize() - (rows.at(-1)?.end ?? 0));
  return (
    <div className="list-view">
      <div className="table-wrap list-scroll" ref={scrollRef}>
        <table className="task-table list-table" aria-rowcount={hasNextPage ? -1 : tasks.length + 1}>
          {/* Fixed widths (table-layout: fixed): a long title is cut with an ellipsis instead of squeezing the
              other columns; the title column takes what is left. */}
          <colgroup>
            <col className="col-key" />
            <col />
            <col className="col-status" />
            <col className="col-priority" />
            <col className="col-due" />
            <col className="col-assignees" />
          </colgroup>
          <thead>
            <tr aria-rowindex={1}>
              {header('key', 'Key')}
              {header('title', 'Title')}
              {header('status', 'Status')}
              {header('priority', 'Priority')}
              {header('dueDate', 'Due')}
              <th scope="col">Assignees</th>
            </tr>
          </thead>
          <tbody>
            {before > 0 && (
              <tr className="spacer-row" aria-hidden="true">
                <td colSpan={COLUMN_COUNT} style={{ height: before }} />
              </tr>
            )}
            {rows.map((row) => {
              const t = tasks[row.index]!;
              return (
                <tr
                  key={row.key}
                  data-index={row.index}
                  ref={virtualizer.measureElement}
                  aria-rowindex={row.index + 2}
                >
                  <td className="card-key">{t.key}</td>
                  <td className="title-cell">
                    <Link to={`/p/${project.key}/${t.key}`} title={t.title}>
                      {t.title}
                    </Link>
                  </td>
                  <td>{STATUS_TITLES[t.status]}</td>
                  <td>{PRIORITY_TITLES[t.priority]}</td>
                  <td className={isOverdue(t, lookups.today) ? 'overdue' : undefined}>{t.dueDate ?? ''}</td>
                  <AssigneesCell names={t.assigneeIds.map((id) => lookups.members.get(id)?.name ?? '')} />
                </tr>
              );
            })}
            {after > 0 && (
              <tr className="spacer-row" aria-hidden="true">
                <td colSpan={COLUMN_COUNT} style={{ height: after }} />
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {tasks.length === 0 && (
        <p className="empty">No tasks match. Clear the filters or add tasks on the board.</p>
      )}
      {isFetchingNextPage && <p className="muted loading-more">Loading more…</p>}
      {hasNextPage && !isFetchingNextPage && (
        <button type="button" onClick={() => void fetchNextPage()}>
          Load more tasks
        </button>
      )}
    </div>
  );
}

const COLUMN_COUNT = 6;

/** The assignees on one line, cut with an ellipsis when they do not fit; all of them in the tooltip. */
function AssigneesCell({ names }: { names: string[] }) {
  const text = names.filter(Boolean).join(', ');
  return (
    <td className="truncate" title={text || undefined}>
      {text}
    </td>
  );
}
