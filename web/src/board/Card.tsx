import { memo, useState, type CSSProperties, type HTMLAttributes, type Ref } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { Label } from '../../../shared/schemas/projects.ts';
import type { Task } from '../../../shared/schemas/tasks.ts';
import type { Member } from '../../../shared/schemas/workspaces.ts';
import { initials } from '../lib/data.ts';
import { Avatar } from '../lib/ui.tsx';
import { CardPeople } from '../live/react.tsx';
import { attachmentsQuery } from '../task/attachments-query.ts';
import { isOverdue, PRIORITY_TITLES } from './board-logic.ts';

export interface CardLookups {
  members: Map<string, Member>;
  labels: Map<string, Label>;
  today: string;
  projectKey: string;
}

const shortDate = (day: string) =>
  new Date(`${day}T00:00:00`).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });

/**
 * A card's cover (only mounted for a task that has one): the board read's URL; without one (the task came from a
 * change's answer, a live event or the change feed, which carry none) or once it failed to load (expired on a
 * board left open), the thumbnail URL from the task's attachment list. A URL that fails too is left out (a
 * thumbnail not made yet shows on the next read).
 */
function CardCover({ taskId, coverId, coverUrl }: { taskId: string; coverId: string; coverUrl?: string }) {
  const [broken, setBroken] = useState<string[]>([]);
  const boardUrl = coverUrl && !broken.includes(coverUrl) ? coverUrl : undefined;
  const { data: files } = useQuery({ ...attachmentsQuery(taskId), enabled: !boardUrl });
  const listedUrl = files?.find((a) => a.id === coverId)?.thumbnailUrl;
  const cover = boardUrl ?? (listedUrl && !broken.includes(listedUrl) ? listedUrl : undefined);
  if (!cover) return null;
  return (
    <img
      className="card-cover"
      src={cover}
      alt="Cover"
      loading="lazy"
      draggable={false}
      onError={() => setBroken((urls) => [...urls, cover])}
    />
  );
}

export type CardProps = {
  task: Task;
  lookups: CardLookups;
  /** The copy under the pointer while dragging: hidden from assistive technology (the original is named). */
  overlay?: boolean;
  cardRef?: Ref<HTMLElement>;
  style?: CSSProperties;
  dragging?: boolean;
} & Omit<HTMLAttributes<HTMLElement>, 'style'>;

/** A task on the board: an `article` named by its title (UI contract), showing the key and its facts. */
export const Card = memo(function Card({
  task,
  lookups,
  overlay,
  cardRef,
  style,
  dragging,
  ...rest
}: CardProps) {
  const titleId = overlay ? undefined : `card-title-${task.id}`;
  const overdue = isOverdue(task, lookups.today);
  const assignees = task.assigneeIds.map((id) => lookups.members.get(id)).filter((m) => !!m);
  const labels = task.labelIds.map((id) => lookups.labels.get(id)).filter((l) => !!l);
  return (
    <article
      ref={cardRef}
      className={`card${dragging ? ' is-dragging' : ''}${overlay ? ' is-overlay' : ''}`}
      aria-labelledby={titleId}
      aria-hidden={overlay || undefined}
      style={style}
      {...rest}
    >
      {task.coverAttachmentId && !overlay && (
        <CardCover taskId={task.id} coverId={task.coverAttachmentId} coverUrl={task.coverUrl} />
      )}
      <div className="card-top">
        <span className="card-key">{task.key}</span>
        {!overlay && <CardPeople taskId={task.id} lookups={lookups} />}
        <span className={`priority priority-${task.priority}`}>
          <span className="visually-hidden">Priority </span>
          {PRIORITY_TITLES[task.priority]}
        </span>
      </div>
      <Link
        id={titleId}
        to={`/p/${lookups.projectKey}/${task.key}`}
        className="card-title"
        draggable={false}
        tabIndex={overlay ? -1 : undefined}
      >
        {task.title}
      </Link>
      {labels.length > 0 && (
        <ul className="card-labels" aria-label="Labels">
          {labels.map((label) => (
            <li key={label.id} style={{ ['--label' as string]: label.color }}>
              {label.name}
            </li>
          ))}
        </ul>
      )}
      <div className="card-meta">
        {task.dueDate && (
          <span className={overdue ? 'due overdue' : 'due'}>
            {overdue ? 'Overdue ' : 'Due '}
            <time dateTime={task.dueDate}>{shortDate(task.dueDate)}</time>
          </span>
        )}
        {task.subtaskCount > 0 && (
          <span className="meta-item" title="Subtasks done">
            <span aria-hidden="true">☑ </span>
            {task.subtasksDone}/{task.subtaskCount}
            <span className="visually-hidden"> subtasks done</span>
          </span>
        )}
        {task.commentCount > 0 && (
          <span className="meta-item">
            <span aria-hidden="true">💬 </span>
            {task.commentCount}
            <span className="visually-hidden"> comments</span>
          </span>
        )}
        {task.attachmentCount > 0 && (
          <span className="meta-item">
            <span aria-hidden="true">📎 </span>
            {task.attachmentCount}
            <span className="visually-hidden"> attachments</span>
          </span>
        )}
        <span className="avatars">
          {assignees.slice(0, 3).map((m) => (
            <Avatar key={m.userId} initials={initials(m.name || m.email)} name={m.name || m.email} />
          ))}
          {assignees.length > 3 && <span className="muted">+{assignees.length - 3}</span>}
        </span>
      </div>
    </article>
  );
});
