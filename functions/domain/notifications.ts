import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import { channelOf, type NotificationPrefs } from '#shared/schemas/me';
import type { MarkReadInput, Notification, NotificationKind } from '#shared/schemas/notifications';
import type { ActivityRecord } from './activity.ts';
import type { JobRecord } from './ai-breakdown.ts';
import type { TableChange } from './broadcast.ts';
import type { Page } from '#functions/lib/pagination';
import type { TaskRecord } from './tasks.ts';

/**
 * Notifications (issue 13): table changes (a task's or comment's activity, an AI job finishing) become candidate
 * notifications here (pure), and the Notifier decides at send time who still gets one: never the actor, never
 * someone who is no longer a member of the workspace, never someone no longer assigned to (or creator of) the
 * task, never someone who turned that kind off. Each notification's id is derived from its source (the activity or job change) and its kind, so a stream
 * record delivered again writes the same item, and the conditional put turns the second write into nothing.
 */

/** A stored notification: the view plus its recipient. */
export interface NotificationRecord extends Notification {
  userId: string;
}

/** What a table change asks to notify, before the send-time checks. */
export interface Candidate {
  userId: string;
  kind: NotificationKind;
  /** The change it comes from (an activity id, a job id and status): with the kind, it names the notification. */
  sourceKey: string;
  at: string;
  actorId: string;
  workspaceId: string;
  projectId: string | null;
  taskId: string | null;
  /** For a comment: its body (the excerpt). */
  text: string | null;
  /** Comment candidates need the person to still be assigned to or creator of the task. */
  requires: 'member' | 'assigned' | 'involved';
}

/** How the store's items are told apart and read (the store's decoders: the domain knows no item types). */
export interface NotifyItems {
  isActivity: (item: Record<string, unknown>) => boolean;
  isJob: (item: Record<string, unknown>) => boolean;
  toActivity: (item: Record<string, unknown>) => ActivityRecord;
  toJob: (item: Record<string, unknown>) => JobRecord;
}

const EXCERPT_MAX = 140;
const FINISHED = new Set(['completed', 'failed']);

const asStrings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

const added = (from: unknown, to: unknown) => {
  const had = new Set(asStrings(from));
  return asStrings(to).filter((id) => !had.has(id));
};

/** The candidates of one table change (pure). */
export function candidatesOf(change: TableChange, items: NotifyItems): Candidate[] {
  const { newItem, oldItem } = change;
  if (!newItem) return [];
  if (items.isJob(newItem) && change.eventName === 'MODIFY') {
    const job = items.toJob(newItem);
    if (!FINISHED.has(job.status) || oldItem?.status === job.status) return [];
    return [
      {
        userId: job.requestedBy,
        kind: 'jobFinished',
        sourceKey: `job:${job.id}:${job.status}`,
        at: job.updatedAt,
        // Nobody "did" it: the worker finished it for the requester, who is told.
        actorId: job.requestedBy,
        workspaceId: job.workspaceId,
        projectId: job.projectId,
        taskId: job.taskId,
        text: job.status === 'failed' ? (job.error?.message ?? null) : null,
        requires: 'member',
      },
    ];
  }
  if (!items.isActivity(newItem) || change.eventName !== 'INSERT') return [];
  const activity = items.toActivity(newItem);
  const data = (activity.data ?? {}) as Record<string, unknown>;
  const base = {
    sourceKey: activity.id,
    at: activity.at,
    actorId: activity.actorId,
    workspaceId: activity.workspaceId,
    projectId: activity.projectId,
    taskId: activity.taskId,
  };
  const each = (
    userIds: string[],
    kind: NotificationKind,
    requires: Candidate['requires'],
    text: string | null,
  ) => userIds.map((userId): Candidate => ({ ...base, userId, kind, requires, text }));

  if (activity.entityType === 'task') {
    const assignees =
      activity.action === 'created'
        ? asStrings(data.assigneeIds)
        : activity.changes.assigneeIds
          ? added(activity.changes.assigneeIds.from, activity.changes.assigneeIds.to)
          : [];
    return each(assignees, 'assigned', 'assigned', null);
  }
  if (activity.entityType === 'comment' && (activity.action === 'created' || activity.action === 'updated')) {
    const body = typeof data.body === 'string' ? data.body : null;
    const mentioned =
      activity.action === 'created'
        ? asStrings(data.mentions)
        : activity.changes.mentions
          ? added(activity.changes.mentions.from, activity.changes.mentions.to)
          : [];
    const mentions = each(mentioned, 'mentioned', 'member', body);
    // A new comment also tells the task's creator and assignees (read at send time); an edit does not.
    if (activity.action !== 'created') return mentions;
    return [...mentions, { ...base, userId: '*', kind: 'commented', requires: 'involved', text: body }];
  }
  return [];
}

/** The same id for the same source and kind every time: a ULID at the source's time, its randomness a hash. */
export function notificationId(candidate: Pick<Candidate, 'sourceKey' | 'kind' | 'at'>): string {
  const digest = createHash('sha256').update(`${candidate.sourceKey}|${candidate.kind}`).digest();
  let byte = 0;
  return ulid(Date.parse(candidate.at), () => digest[byte++ % digest.length]! / 256);
}

/** A notification a change makes: written now or before (`fresh`), with its recipient's preferences. */
export interface Delivered {
  record: NotificationRecord;
  fresh: boolean;
  prefs: NotificationPrefs | null;
}

/** What the Notifier reads at send time. */
export interface NotifyContext {
  task?: TaskRecord;
  /** The task's human key (`WEB-12`) and its project's key, when the task and project are there. */
  taskKey?: string;
  projectKey?: string;
  memberIds: Set<string>;
  names: Map<string, string>;
}

export interface NotifierRepository {
  context(
    workspaceId: string,
    taskId: string | null,
    projectId: string | null,
    userIds: string[],
  ): Promise<NotifyContext>;
  /** The notification preferences of these people (null: a profile without any). */
  prefsOf(userIds: string[]): Promise<Map<string, NotificationPrefs | null>>;
  /** Puts the notification unless one with its id is there; false when it was (a redelivery). */
  putIfAbsent(record: NotificationRecord): Promise<boolean>;
}

function titleOf(kind: NotificationKind, actor: string, what: string, failed: boolean): string {
  switch (kind) {
    case 'assigned':
      return `${actor} assigned you to ${what}`;
    case 'mentioned':
      return `${actor} mentioned you on ${what}`;
    case 'commented':
      return `${actor} commented on ${what}`;
    case 'jobFinished':
      return failed ? `The AI breakdown of ${what} failed` : `The AI breakdown of ${what} is ready`;
    // Made elsewhere (functions/domain/reminders.ts, invitations.ts), never from a table change.
    case 'dueSoon':
      return `${what} is due tomorrow`;
    case 'invitation':
      return `${actor} invited you to a workspace`;
  }
}

const excerptOf = (text: string | null) =>
  text === null ? null : text.length > EXCERPT_MAX ? `${text.slice(0, EXCERPT_MAX - 1)}…` : text;

/**
 * Turns candidates into stored notifications, after the send-time checks. Returns every notification the change
 * makes, with whether it was written now (`fresh`; a redelivered change writes none, and the email scheduling,
 * idempotent itself, runs again for all of them in case the first attempt failed before it).
 */
export class Notifier {
  constructor(private readonly repository: NotifierRepository) {}

  async deliver(candidates: Candidate[]): Promise<Delivered[]> {
    if (candidates.length === 0) return [];
    const first = candidates[0]!;
    const actorIds = [...new Set(candidates.map((c) => c.actorId))];
    const context = await this.repository.context(first.workspaceId, first.taskId, first.projectId, actorIds);
    const { task } = context;
    // A task that is gone (or deleted) is news to no one.
    if (first.taskId && (!task || task.deletedAt || !context.taskKey)) return [];
    const involved = task ? [task.createdBy, ...task.assigneeIds] : [];
    const expanded = candidates.flatMap((c) =>
      c.userId === '*' ? [...new Set(involved)].map((userId) => ({ ...c, userId })) : [c],
    );
    const seen = new Set<string>();
    const prefs = await this.repository.prefsOf([...new Set(expanded.map((c) => c.userId))]);
    const written: Delivered[] = [];
    for (const candidate of expanded) {
      const { userId, kind } = candidate;
      if (kind !== 'jobFinished' && userId === candidate.actorId) continue;
      if (!context.memberIds.has(userId)) continue;
      if (candidate.requires === 'assigned' && !task?.assigneeIds.includes(userId)) continue;
      if (candidate.requires === 'involved' && !involved.includes(userId)) continue;
      // One notification per person and change: a mention beats "commented on a task of yours".
      if (seen.has(userId)) continue;
      seen.add(userId);
      const mine = prefs.get(userId) ?? null;
      if (channelOf(mine, kind) === 'off') continue;
      const what = task ? `${context.taskKey} ${task.title}` : 'a task';
      const record: NotificationRecord = {
        id: notificationId(candidate),
        userId,
        kind,
        workspaceId: candidate.workspaceId,
        projectId: candidate.projectId,
        taskId: candidate.taskId,
        actorId: candidate.actorId,
        title: titleOf(
          kind,
          context.names.get(candidate.actorId) ?? 'Someone',
          what,
          candidate.text !== null,
        ),
        excerpt: excerptOf(candidate.text),
        link: context.taskKey ? `/p/${context.projectKey}/${context.taskKey}` : '/',
        createdAt: candidate.at,
        readAt: null,
      };
      written.push({ record, fresh: await this.repository.putIfAbsent(record), prefs: mine });
    }
    return written;
  }
}

/** Candidates of one source grouped together (they share a task, so one context read serves them). */
export function bySource(candidates: Candidate[]): Candidate[][] {
  const groups = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const group = groups.get(candidate.sourceKey) ?? [];
    group.push(candidate);
    groups.set(candidate.sourceKey, group);
  }
  return [...groups.values()];
}

export const notificationView = ({ userId: _userId, ...view }: NotificationRecord): Notification => view;

export interface NotificationRepository {
  list(
    userId: string,
    unreadOnly: boolean,
    limit: number,
    cursor?: string,
  ): Promise<Page<NotificationRecord>>;
  unreadCount(userId: string): Promise<number>;
  /** Marks these of the user's notifications read (ids that are not theirs, or already read, are skipped). */
  markRead(userId: string, ids: string[], at: string): Promise<void>;
  unreadIds(userId: string): Promise<string[]>;
}

/** The inbox: a user's own notifications only (the key is the caller's; no one reads another's). */
export class NotificationService {
  constructor(
    private readonly repository: NotificationRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async list(userId: string, unreadOnly: boolean, limit: number, cursor?: string) {
    const [page, unreadCount] = await Promise.all([
      this.repository.list(userId, unreadOnly, limit, cursor),
      this.repository.unreadCount(userId),
    ]);
    return { items: page.items.map(notificationView), nextCursor: page.nextCursor, unreadCount };
  }

  async markRead(userId: string, input: MarkReadInput): Promise<{ unreadCount: number }> {
    const ids = 'all' in input ? await this.repository.unreadIds(userId) : input.ids;
    await this.repository.markRead(userId, ids, this.clock().toISOString());
    return { unreadCount: await this.repository.unreadCount(userId) };
  }
}
