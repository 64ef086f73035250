import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useInfiniteQuery, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import {
  closestCorners,
  DndContext,
  DragOverlay,
  pointerWithin,
  useDroppable,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
  type DragMoveEvent,
  type DragStartEvent,
} from '@dnd-kit/core';
import {
  SortableContext,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import type { Project } from '../../../shared/schemas/projects.ts';
import type { Task, TaskStatus } from '../../../shared/schemas/tasks.ts';
import { api, describeError, type Page } from '../lib/api.ts';
import { keys } from '../lib/data.ts';
import { TITLE_MAX } from '../lib/limits.ts';
import { useToasts } from '../lib/toasts.tsx';
import { LimitNote } from '../lib/ui.tsx';
import {
  COLUMNS,
  columnDroppableId,
  dropPlace,
  flatten,
  fullyLoaded,
  insertTask,
  neighboursAt,
  removeTask,
  replaceTask,
  STATUS_TITLES,
  statusOfDroppable,
  type ColumnData,
  type DropOver,
} from './board-logic.ts';
import { Card, type CardLookups } from './Card.tsx';
import { useOptimisticTaskMove } from './optimistic.ts';
import { saveTaskMove } from '../offline/sync.ts';
import { acrossColumns } from './keyboard.ts';
import { cardKeyDown, keepFocusOnCard, useTaskSensors } from './dnd.ts';
import { apiQuery, matches, type BoardFilters } from './filters.ts';

const PAGE_SIZE = 100;

export const columnKey = (projectId: string, status: TaskStatus, filterKey: string) =>
  [...keys.column(projectId), status, filterKey] as const;

/**
 * The board's first request: the first page of the whole list (every status, in board order). For a project of
 * up to a page of tasks (most projects) that is the whole board in one request, shared out to the columns; a
 * bigger board then loads each column page by page with `?status=` as its columns are scrolled.
 */
export const seedQuery = (projectId: string, filterKey: string, filters: BoardFilters, today: string) => ({
  queryKey: ['boardSeed', projectId, filterKey] as const,
  queryFn: ({ signal }: { signal: AbortSignal }) =>
    api<Page<Task>>(`/projects/${projectId}/tasks`, {
      query: { limit: PAGE_SIZE, ...apiQuery(filters, today) },
      signal,
    }),
});

/** Applies a task the server answered with to every loaded column of its project (status changes included). */
export function applyTaskToBoard(client: QueryClient, task: Task, options: { remove?: boolean } = {}) {
  for (const [key, data] of client.getQueriesData<ColumnData>({ queryKey: keys.column(task.projectId) })) {
    if (!data) continue;
    const status = key[2] as TaskStatus;
    const has = data.pages.some((p) => p.items.some((t) => t.id === task.id));
    if (options.remove || task.deletedAt) {
      if (has) client.setQueryData(key, removeTask(data, task.id));
    } else if (has && status === task.status) client.setQueryData(key, replaceTask(data, task));
    else if (has) client.setQueryData(key, removeTask(data, task.id));
    else if (status === task.status && fullyLoaded(data))
      client.setQueryData(key, insertTask(data, Number.MAX_SAFE_INTEGER, task));
  }
}

/** Finds a loaded task of the project by its key ("WEB-12"). */
export function taskFromBoard(client: QueryClient, projectId: string, taskKey: string): Task | undefined {
  for (const [, data] of client.getQueriesData<ColumnData>({ queryKey: keys.column(projectId) })) {
    const found = flatten(data).find((t) => t.key === taskKey);
    if (found) return found;
  }
  return undefined;
}

/*
 * A pointer dragged past the viewport's edge (possible with a mouse, e.g. on a narrow window) must not scroll the
 * column strip on and on: auto-scroll is on only while the pointer is inside the viewport (see `onDragMove`).
 */
const AUTO_SCROLL = { threshold: { x: 0.1, y: 0.15 }, acceleration: 5 };

function pointerX(event: DragMoveEvent): number | undefined {
  const start = event.activatorEvent;
  if (typeof MouseEvent !== 'undefined' && start instanceof MouseEvent) return start.clientX + event.delta.x;
  if (typeof TouchEvent !== 'undefined' && start instanceof TouchEvent) {
    const touch = start.touches[0] ?? start.changedTouches[0];
    return touch ? touch.clientX + event.delta.x : undefined;
  }
  return undefined;
}

const BOARD_KEYBOARD_COORDINATES = acrossColumns(sortableKeyboardCoordinates);

const collision: CollisionDetection = (args) => {
  if (args.pointerCoordinates) {
    const hits = pointerWithin(args);
    const cards = hits.filter((h) => !String(h.id).startsWith('column:'));
    if (cards.length) return cards;
    if (hits.length) return hits;
  }
  return closestCorners(args);
};

export function Board({
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
  const client = useQueryClient();
  const moveTask = useOptimisticTaskMove();
  const filterKey = JSON.stringify(filters);
  const [active, setActive] = useState<Task | null>(null);
  const [pointerInside, setPointerInside] = useState(true);
  const seed = useQuery(seedQuery(project.id, filterKey, filters, lookups.today));
  const seedItems = seed.data && seed.data.nextCursor === null ? seed.data.items : undefined;
  const sensors = useTaskSensors(BOARD_KEYBOARD_COORDINATES);

  const columnOf = useCallback(
    (status: TaskStatus) =>
      flatten(client.getQueryData<ColumnData>(columnKey(project.id, status, filterKey))).filter((t) =>
        matches(t, filters, lookups.today),
      ),
    [client, project.id, filterKey, filters, lookups.today],
  );
  const findTask = (id: string) => {
    for (const { status } of COLUMNS) {
      const task = columnOf(status).find((t) => t.id === id);
      if (task) return task;
    }
    return undefined;
  };

  const move = async (task: Task, over: DropOver) => {
    const columns = Object.fromEntries(COLUMNS.map(({ status }) => [status, columnOf(status)]));
    const place = dropPlace(columns, task.id, task.status, over);
    if (!place) return;
    const fromKey = columnKey(project.id, task.status, filterKey);
    const toKey = columnKey(project.id, place.status, filterKey);
    const target = (columns[place.status] ?? []).filter((t) => t.id !== task.id);
    const neighbours = neighboursAt(target, place.index);
    // The index among the visible (filtered) cards, turned into one among all loaded cards of the column.
    const all = flatten(client.getQueryData<ColumnData>(toKey)).filter((t) => t.id !== task.id);
    const index = neighbours.afterId
      ? all.findIndex((t) => t.id === neighbours.afterId)
      : neighbours.beforeId
        ? all.findIndex((t) => t.id === neighbours.beforeId) + 1
        : all.length;
    await moveTask({
      task,
      moved: { ...task, status: place.status },
      fromKey,
      toKey,
      index,
      scope: keys.column(project.id),
      save: () => saveTaskMove(task, { status: place.status, ...neighbours }),
    });
  };

  const onDragStart = (event: DragStartEvent) => setActive(findTask(String(event.active.id)) ?? null);
  const onDragEnd = (event: DragEndEvent) => {
    setActive(null);
    setPointerInside(true);
    const task = findTask(String(event.active.id));
    if (!task || !event.over) return;
    const overId = String(event.over.id);
    const status = statusOfDroppable(overId);
    let over: DropOver;
    if (status) over = { kind: 'column', status };
    else {
      const dragged = event.active.rect.current.translated;
      const center = dragged ? dragged.top + dragged.height / 2 : 0;
      over = { kind: 'card', id: overId, below: center > event.over.rect.top + event.over.rect.height / 2 };
    }
    const moved = move(task, over);
    // Dropped with the keyboard: the focus stays on the card in its new place.
    if (event.activatorEvent instanceof KeyboardEvent) keepFocusOnCard(task.id, moved);
  };

  const titleOf = (id: string | number) => findTask(String(id))?.title ?? 'the task';
  const placeOf = (id: string | number | undefined) => {
    if (id === undefined) return 'no column';
    const status = statusOfDroppable(String(id));
    if (status) return STATUS_TITLES[status];
    const task = findTask(String(id));
    return task ? `${STATUS_TITLES[task.status]}, at ${task.title}` : 'the board';
  };
  const announcements: Announcements = {
    onDragStart: ({ active: a }) => `Picked up ${titleOf(a.id)}. Use the arrow keys to move, space to drop.`,
    onDragOver: ({ active: a, over }) => `${titleOf(a.id)} is over ${placeOf(over?.id)}.`,
    onDragEnd: ({ active: a, over }) => `${titleOf(a.id)} dropped in ${placeOf(over?.id)}.`,
    onDragCancel: ({ active: a }) => `Moving ${titleOf(a.id)} was cancelled.`,
  };

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={collision}
      onDragStart={onDragStart}
      onDragMove={(event) => {
        const x = pointerX(event);
        setPointerInside(x === undefined || (x >= 0 && x <= window.innerWidth));
      }}
      onDragEnd={onDragEnd}
      onDragCancel={() => setActive(null)}
      accessibility={{
        announcements,
        screenReaderInstructions: {
          draggable:
            'Arrow keys move between cards and enter opens one. To move a task, press space, use the arrow keys to move it, then space to drop it or escape to cancel.',
        },
      }}
      autoScroll={pointerInside ? AUTO_SCROLL : false}
    >
      <div className={active ? 'board is-dragging' : 'board'}>
        {COLUMNS.map(({ status, title }, columnIndex) => (
          <Column
            key={status}
            columnIndex={columnIndex}
            project={project}
            status={status}
            title={title}
            filters={filters}
            filterKey={filterKey}
            lookups={lookups}
            canEdit={canEdit}
            ready={!seed.isPending}
            seed={seedItems}
          />
        ))}
      </div>
      <DragOverlay>{active ? <Card task={active} lookups={lookups} overlay /> : null}</DragOverlay>
    </DndContext>
  );
}

function Column({
  project,
  columnIndex,
  status,
  title,
  filters,
  filterKey,
  lookups,
  canEdit,
  ready,
  seed,
}: {
  project: Project;
  /** The column's place on the board, for the arrow keys' focus movement. */
  columnIndex: number;
  status: TaskStatus;
  title: string;
  filters: BoardFilters;
  filterKey: string;
  lookups: CardLookups;
  canEdit: boolean;
  /** False until the board's first request answered (it may hold the whole column). */
  ready: boolean;
  /** The whole board when it fits in the first request. */
  seed: Task[] | undefined;
}) {
  const query = useInfiniteQuery({
    enabled: ready,
    initialData: seed
      ? { pages: [{ items: seed.filter((t) => t.status === status), nextCursor: null }], pageParams: [null] }
      : undefined,
    queryKey: columnKey(project.id, status, filterKey),
    queryFn: ({ pageParam, signal }) =>
      api<Page<Task>>(`/projects/${project.id}/tasks`, {
        query: { status, limit: PAGE_SIZE, cursor: pageParam, ...apiQuery(filters, lookups.today) },
        signal,
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const tasks = useMemo(
    () => flatten(query.data).filter((t) => matches(t, filters, lookups.today)),
    [query.data, filters, lookups.today],
  );
  const ids = useMemo(() => tasks.map((t) => t.id), [tasks]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: tasks.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 104,
    overscan: 6,
    getItemKey: (index) => tasks[index]?.id ?? index,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? -1;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= tasks.length - 15) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, lastIndex, tasks.length]);
  const { setNodeRef, isOver } = useDroppable({ id: columnDroppableId(status) });

  return (
    <section aria-label={title} className={`column${isOver ? ' is-over' : ''}`} ref={setNodeRef}>
      <header className="column-header">
        <h2>{title}</h2>
        <span className="count">
          {tasks.length}
          {hasNextPage ? '+' : ''}
          <span className="visually-hidden"> tasks</span>
        </span>
      </header>
      <div className="column-scroll" ref={scrollRef}>
        {query.isPending ? (
          <div className="card-skeletons" aria-busy="true">
            <div className="card skeleton" />
            <div className="card skeleton" />
            <span className="visually-hidden">Loading tasks…</span>
          </div>
        ) : query.isError ? (
          <div role="alert" className="error-state">
            <p>{describeError(query.error)}</p>
            <button type="button" onClick={() => void query.refetch()}>
              Retry
            </button>
          </div>
        ) : tasks.length === 0 ? (
          <p className="column-empty">{emptyText(status)}</p>
        ) : (
          <SortableContext id={status} items={ids} strategy={verticalListSortingStrategy}>
            <div className="column-list" style={{ height: virtualizer.getTotalSize() }}>
              {items.map((item) => {
                const task = tasks[item.index]!;
                return (
                  <div
                    key={item.key}
                    className="virtual-row"
                    data-index={item.index}
                    ref={virtualizer.measureElement}
                    style={{ transform: `translateY(${item.start}px)` }}
                  >
                    <SortableCard
                      task={task}
                      lookups={lookups}
                      disabled={!canEdit}
                      column={columnIndex}
                      index={item.index}
                    />
                  </div>
                );
              })}
            </div>
          </SortableContext>
        )}
        {isFetchingNextPage && <p className="muted loading-more">Loading more…</p>}
      </div>
      {canEdit && <QuickAdd project={project} status={status} filterKey={filterKey} />}
    </section>
  );
}

const emptyText = (status: TaskStatus) =>
  status === 'todo'
    ? 'Nothing to do yet. Add a task below, or press c.'
    : status === 'done'
      ? 'Finished work lands here.'
      : 'Drag a card here.';

function SortableCard({
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
  const {
    setNodeRef,
    setActivatorNodeRef,
    listeners,
    attributes,
    transform,
    transition,
    isDragging,
    active,
  } = useSortable({
    id: task.id,
    data: { status: task.status },
    disabled,
  });
  const open = () => navigate(`/p/${lookups.projectKey}/${task.key}`);
  const { onKeyDown: dragKeyDown, ...pointerListeners } = listeners ?? {};
  return (
    <Card
      task={task}
      lookups={lookups}
      cardRef={(node) => {
        setNodeRef(node);
        setActivatorNodeRef(node);
      }}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      dragging={isDragging}
      tabIndex={0}
      aria-roledescription="draggable task"
      aria-describedby={attributes['aria-describedby']}
      data-card-id={task.id}
      data-column={column}
      data-index={index}
      onClick={(event) => {
        if ((event.target as HTMLElement).closest('a')) return;
        open();
      }}
      {...pointerListeners}
      onKeyDown={cardKeyDown({ dragging: Boolean(active), open, container: '.board', dragKeyDown })}
    />
  );
}

function QuickAdd({
  project,
  status,
  filterKey,
}: {
  project: Project;
  status: TaskStatus;
  filterKey: string;
}) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const client = useQueryClient();
  const toasts = useToasts();
  const limitId = useId();
  // Over the API's limit the title is kept whole (a paste is not cut) and not sent; LimitNote says by how much.
  const tooLong = title.length > TITLE_MAX;
  useEffect(() => {
    const onOpen = (event: Event) => {
      if ((event as CustomEvent<string>).detail === status) setOpen(true);
    };
    window.addEventListener('teamflow:quick-add', onOpen);
    return () => window.removeEventListener('teamflow:quick-add', onOpen);
  }, [status]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const text = title.trim();
    if (!text || busy || tooLong) return;
    setBusy(true);
    try {
      const task = await api<Task>(`/projects/${project.id}/tasks`, {
        method: 'POST',
        body: { title: text, status },
      });
      setTitle('');
      const key = columnKey(project.id, status, filterKey);
      const data = client.getQueryData<ColumnData>(key);
      if (data && fullyLoaded(data))
        client.setQueryData(key, insertTask(data, Number.MAX_SAFE_INTEGER, task));
      else toasts.show(`${task.key} created at the bottom of ${STATUS_TITLES[status]}`);
    } catch (error) {
      toasts.error(`The task was not created: ${describeError(error)}`);
    } finally {
      setBusy(false);
    }
  };
  if (!open)
    return (
      <button type="button" className="quick-add-button" onClick={() => setOpen(true)}>
        <span aria-hidden="true">+ </span>Add task
      </button>
    );
  return (
    <form className="quick-add" onSubmit={submit}>
      <input
        aria-label="Task title"
        placeholder="What needs doing?"
        aria-invalid={tooLong || undefined}
        aria-describedby={limitId}
        value={title}
        autoFocus
        onChange={(e) => setTitle(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setOpen(false);
        }}
        onBlur={() => {
          if (!title.trim()) setOpen(false);
        }}
      />
      <button type="submit" className="small primary" disabled={busy || !title.trim() || tooLong}>
        Add
      </button>
      <LimitNote id={limitId} length={title.length} max={TITLE_MAX} noun="Title" />
    </form>
  );
}
