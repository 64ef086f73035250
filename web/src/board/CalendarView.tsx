import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
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
import type { Project } from '../../../shared/schemas/projects.ts';
import type { Task } from '../../../shared/schemas/tasks.ts';
import { api, type Page } from '../lib/api.ts';
import { keys } from '../lib/data.ts';
import { useToasts } from '../lib/toasts.tsx';
import { Spinner } from '../lib/ui.tsx';
import { applyTaskToBoard } from './Board.tsx';
import { isOverdue } from './board-logic.ts';
import type { CardLookups } from './Card.tsx';
import { queueTaskChanges } from '../offline/sync.ts';
import { apiQuery, matches, type BoardFilters } from './filters.ts';
import { jumpToDroppable, nextCalendarTask, type CardSpot, type Direction } from './keyboard.ts';
import { cardKeyDown, useTaskSensors } from './dnd.ts';
import { useNarrow } from '../lib/use-narrow.ts';

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

export const dayDroppableId = (day: string) => `day:${day}`;
/** The day (YYYY-MM-DD) a drop target of the calendar stands for. */
export const dayOfDroppable = (id: string): string | undefined =>
  id.startsWith('day:') ? id.slice('day:'.length) : undefined;

/** A day as a person reads it ("Wednesday, March 11, 2026" in their locale). */
const longDate = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, {
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  });

/** A day in a list of days ("Wednesday, March 11"): the year is the month's, in the heading above. */
const dayHeading = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  });

/** The weekdays' short names in the person's locale, Monday first like the grid (2024-01-01 was a Monday). */
export const weekdayNames = (): string[] =>
  Array.from({ length: 7 }, (_, i) =>
    new Date(Date.UTC(2024, 0, 1 + i)).toLocaleDateString(undefined, { weekday: 'short', timeZone: 'UTC' }),
  );

/**
 * The arrow keys in the agenda (one list of days): up and down go through every task in date order, across
 * days; left and right go nowhere.
 */
export function nextAgendaTask(
  cards: readonly CardSpot[],
  currentId: string,
  direction: Direction,
): string | undefined {
  if (direction === 'left' || direction === 'right') return undefined;
  const order = [...cards].sort((a, b) => a.column - b.column || a.index - b.index);
  const at = order.findIndex((c) => c.id === currentId);
  if (at < 0) return undefined;
  return order[at + (direction === 'down' ? 1 : -1)]?.id;
}

/** The pointer's day for a mouse or a finger; the day nearest the dragged task's centre for the keyboard. */
const dayCollision: CollisionDetection = (args) => {
  if (args.pointerCoordinates) {
    const hits = pointerWithin(args);
    if (hits.length) return hits;
  }
  return closestCenter(args);
};

/**
 * Tasks by due date. Drag a task to another day to reschedule it, with the mouse, a finger (press and hold) or
 * the keyboard (Space, arrows: a day left or right, a week up or down, Space); or use the task panel's date field.
 * Without a drag, the arrows move the focus between tasks (`nextCalendarTask`).
 */
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
  const narrow = useNarrow();
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
    const moved = { ...task, dueDate };
    client.setQueryData(keys.task(task.id), (open: Task | undefined) => open && { ...open, dueDate });
    applyTaskToBoard(client, moved);
    // Through the outbox (online or offline): its answer lands here and on the board; a refusal puts it back.
    await queueTaskChanges(task, { dueDate });
    toasts.show(`${task.key} is now due ${dueDate}`);
  };

  const [active, setActive] = useState<Task | null>(null);
  const sensors = useTaskSensors(jumpToDroppable);
  const findTask = (id: string | number) => data?.find((t) => t.id === id);
  const onDragEnd = (event: DragEndEvent) => {
    setActive(null);
    const day = event.over ? dayOfDroppable(String(event.over.id)) : undefined;
    if (day) void reschedule(String(event.active.id), day);
  };
  const titleOf = (id: string | number) => findTask(id)?.title ?? 'the task';
  const dayName = (id: string | number | undefined) => {
    const day = id === undefined ? undefined : dayOfDroppable(String(id));
    return day ? longDate(day) : 'no day';
  };
  const announcements: Announcements = {
    onDragStart: ({ active: a }) =>
      narrow
        ? `Picked up ${titleOf(a.id)}. The up and down arrow keys move it to the day above or below, space drops it.`
        : `Picked up ${titleOf(a.id)}. The arrow keys move it a day left or right and a week up or down, space drops it.`,
    onDragOver: ({ active: a, over }) => `${titleOf(a.id)} is over ${dayName(over?.id)}.`,
    onDragEnd: ({ active: a, over }) => `${titleOf(a.id)} dropped on ${dayName(over?.id)}.`,
    onDragCancel: ({ active: a }) => `Rescheduling ${titleOf(a.id)} was cancelled.`,
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
        <DndContext
          sensors={sensors}
          collisionDetection={dayCollision}
          onDragStart={(event) => setActive(findTask(event.active.id) ?? null)}
          onDragEnd={onDragEnd}
          onDragCancel={() => setActive(null)}
          accessibility={{
            announcements,
            screenReaderInstructions: {
              draggable:
                'Enter opens the task. To reschedule it, press space, use the arrow keys to choose a day, then space to drop it or escape to cancel.',
            },
          }}
        >
          {narrow ? (
            <Agenda
              days={days}
              month={month.month}
              title={title}
              byDay={byDay}
              active={Boolean(active)}
              project={project}
              lookups={lookups}
              canEdit={canEdit}
            />
          ) : (
            <>
              <ol className="calendar-weekdays" aria-hidden="true">
                {weekdayNames().map((name, i) => (
                  <li key={i}>{name}</li>
                ))}
              </ol>
              <ol className={`calendar-grid${active ? ' is-dragging' : ''}`}>
                {days.map((day, dayIndex) => (
                  <DayCell
                    key={day}
                    day={day}
                    dayIndex={dayIndex}
                    inMonth={Number(day.slice(5, 7)) - 1 === month.month}
                    tasks={byDay.get(day) ?? []}
                    project={project}
                    lookups={lookups}
                    canEdit={canEdit}
                  />
                ))}
              </ol>
            </>
          )}
          <DragOverlay>
            {active ? (
              <div className="cal-task is-overlay" aria-hidden="true">
                {active.key} {active.title}
              </div>
            ) : null}
          </DragOverlay>
        </DndContext>
      )}
    </div>
  );
}

/**
 * The month on a phone: each day of the month that has tasks (and today), its date as a heading and its tasks
 * as full-width rows. The days stay drop targets: a task can still be dragged (press and hold) to another one.
 */
function Agenda({
  days,
  month,
  title,
  byDay,
  active,
  project,
  lookups,
  canEdit,
}: {
  days: string[];
  month: number;
  title: string;
  byDay: Map<string, Task[]>;
  active: boolean;
  project: Project;
  lookups: CardLookups;
  canEdit: boolean;
}) {
  const shown = days
    .map((day, dayIndex) => ({ day, dayIndex }))
    .filter(({ day }) => Number(day.slice(5, 7)) - 1 === month && (byDay.has(day) || day === lookups.today));
  const anything = shown.some(({ day }) => byDay.has(day));
  return (
    <>
      {!anything && <p className="empty">Nothing is due in {title}.</p>}
      <ol className={`calendar-agenda${active ? ' is-dragging' : ''}`}>
        {shown.map(({ day, dayIndex }) => (
          <AgendaDay
            key={day}
            day={day}
            dayIndex={dayIndex}
            tasks={byDay.get(day) ?? []}
            project={project}
            lookups={lookups}
            canEdit={canEdit}
          />
        ))}
      </ol>
    </>
  );
}

function AgendaDay({
  day,
  dayIndex,
  tasks,
  project,
  lookups,
  canEdit,
}: {
  day: string;
  dayIndex: number;
  tasks: Task[];
  project: Project;
  lookups: CardLookups;
  canEdit: boolean;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: dayDroppableId(day), disabled: !canEdit });
  const isToday = day === lookups.today;
  const headingId = `agenda-${day}`;
  return (
    <li ref={setNodeRef} className={`agenda-day${isToday ? ' today' : ''}${isOver ? ' is-over' : ''}`}>
      <h3 id={headingId}>
        <time dateTime={day}>{dayHeading(day)}</time>
        {isToday && <span className="muted"> · Today</span>}
      </h3>
      {tasks.length === 0 ? (
        <p className="muted agenda-nothing">Nothing due.</p>
      ) : (
        <ul aria-labelledby={headingId}>
          {tasks.map((t, index) => (
            <CalendarTask
              key={t.id}
              task={t}
              column={dayIndex}
              index={index}
              project={project}
              lookups={lookups}
              canEdit={canEdit}
              agenda
            />
          ))}
        </ul>
      )}
    </li>
  );
}

function DayCell({
  day,
  dayIndex,
  inMonth,
  tasks,
  project,
  lookups,
  canEdit,
}: {
  day: string;
  /** The day's place in the grid (seven a week): the arrow keys' column. */
  dayIndex: number;
  inMonth: boolean;
  tasks: Task[];
  project: Project;
  lookups: CardLookups;
  canEdit: boolean;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: dayDroppableId(day), disabled: !canEdit });
  return (
    <li
      ref={setNodeRef}
      className={`calendar-day${inMonth ? '' : ' other-month'}${day === lookups.today ? ' today' : ''}${isOver ? ' is-over' : ''}`}
    >
      <span className="day-number">
        <time dateTime={day}>{Number(day.slice(8))}</time>
      </span>
      <ul aria-label={`Due ${longDate(day)}`}>
        {tasks.map((t, index) => (
          <CalendarTask
            key={t.id}
            task={t}
            column={dayIndex}
            index={index}
            project={project}
            lookups={lookups}
            canEdit={canEdit}
          />
        ))}
      </ul>
    </li>
  );
}

function CalendarTask({
  task,
  column,
  index,
  project,
  lookups,
  canEdit,
  agenda = false,
}: {
  task: Task;
  column: number;
  index: number;
  project: Project;
  lookups: CardLookups;
  canEdit: boolean;
  /** In the phone's agenda: a full-width row, the arrow keys going through the list. */
  agenda?: boolean;
}) {
  const navigate = useNavigate();
  const { setNodeRef, listeners, attributes, isDragging, active } = useDraggable({
    id: task.id,
    disabled: !canEdit,
  });
  const { onKeyDown: dragKeyDown, ...pointerListeners } = (canEdit && listeners) || {};
  const titleId = `cal-title-${task.id}`;
  const classes = ['cal-task'];
  if (agenda) classes.push('agenda-task');
  if (isOverdue(task, lookups.today)) classes.push('overdue');
  if (canEdit) classes.push('draggable');
  if (isDragging) classes.push('is-dragging');
  return (
    <li
      ref={setNodeRef}
      className={classes.join(' ')}
      aria-labelledby={titleId}
      data-card-id={task.id}
      data-column={column}
      data-index={index}
      tabIndex={canEdit ? 0 : undefined}
      aria-roledescription={canEdit ? 'draggable task' : undefined}
      aria-describedby={canEdit ? attributes['aria-describedby'] : undefined}
      {...pointerListeners}
      onKeyDown={cardKeyDown({
        dragging: Boolean(active),
        open: () => navigate(`/p/${project.key}/${task.key}`),
        container: '.calendar-grid, .calendar-agenda',
        next: agenda ? nextAgendaTask : nextCalendarTask,
        dragKeyDown,
      })}
    >
      <Link to={`/p/${project.key}/${task.key}`} draggable={false} title={`${task.key} ${task.title}`}>
        {task.key} <span id={titleId}>{task.title}</span>
      </Link>
    </li>
  );
}
