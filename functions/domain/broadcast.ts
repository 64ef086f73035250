import {
  MAX_FRAME_BYTES,
  type AttachmentEvent,
  type LiveChangeEvent,
  type PresenceEvent,
  type ServerFrame,
} from '#shared/schemas/websocket';
import type { JobUpdatedEvent } from '#shared/schemas/ai';
import type { NotificationEvent } from '#shared/schemas/notifications';
import { changeEvent, type ActivityRecord } from './activity.ts';
import { jobView, type JobRecord } from './ai-breakdown.ts';
import { attachmentView, type AttachmentRecord } from './attachments.ts';
import { notificationView, type NotificationRecord } from './notifications.ts';
import { presenceOf, type LiveRepository, type SubscriptionRecord } from './live.ts';

/** A table change as the stream shows it, images already unmarshalled. */
export interface TableChange {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  newItem?: Record<string, unknown>;
  oldItem?: Record<string, unknown>;
}

/** How the store's items are told apart and read (the store's own decoders: the domain knows no keys). */
export interface StoredItems {
  types: { activity: string; subscription: string; attachment: string };
  toActivity: (item: Record<string, unknown>) => ActivityRecord;
  toSubscription: (item: Record<string, unknown>) => SubscriptionRecord;
  toAttachment: (item: Record<string, unknown>) => AttachmentRecord;
}

/** One frame for every connection subscribed to a project. */
export interface Outgoing {
  projectId: string;
  workspaceId: string;
  frame: LiveChangeEvent | PresenceEvent | AttachmentEvent;
}

/** Where a frame goes: `gone` is API Gateway's 410 (the connection closed); any other failure throws. */
export interface ConnectionPoster {
  post(connectionId: string, frame: ServerFrame): Promise<'sent' | 'gone'>;
  /** Closes a connection (the client then reconnects and catches up through the change feed). */
  close(connectionId: string): Promise<void>;
}

const byteLength = (frame: unknown) => Buffer.byteLength(JSON.stringify(frame));

/** Long texts in a partial event's `changes` are cut to this many characters. */
const PARTIAL_TEXT_MAX = 1000;

/**
 * An event that fits one WebSocket frame: as it is when it does; otherwise without `data` and with long texts of
 * `changes` cut (`partial: true`), so the client re-reads the entity; as a last resort without `changes`.
 */
export function fitFrame(event: LiveChangeEvent): LiveChangeEvent {
  if (byteLength(event) <= MAX_FRAME_BYTES) return event;
  const cut = (value: unknown) =>
    typeof value === 'string' && value.length > PARTIAL_TEXT_MAX ? value.slice(0, PARTIAL_TEXT_MAX) : value;
  const changes = Object.fromEntries(
    Object.entries(event.changes).map(([field, change]) => [
      field,
      { from: cut(change.from), to: cut(change.to), truncated: true as const },
    ]),
  );
  const partial: LiveChangeEvent = { ...event, data: null, changes, partial: true };
  return byteLength(partial) <= MAX_FRAME_BYTES ? partial : { ...partial, changes: {} };
}

const PRESENCE_FIELDS = ['viewing', 'editing', 'session', 'userId'] as const;

/**
 * The frame of an attachment change, if any: pending → ready (its confirm) is ATTACHMENT_READY, a ready one
 * removed (deleted, or gone with its task) ATTACHMENT_DELETED. Pending uploads (created, cancelled, expired) and
 * later changes of a ready one are nobody's news. The id is the attachment's plus the change, so a redelivered
 * record gives the same frame, which clients apply once.
 */
function attachmentOutgoingOf(
  change: TableChange,
  toAttachment: StoredItems['toAttachment'],
): Outgoing | undefined {
  const { eventName, newItem, oldItem } = change;
  const ready = eventName === 'MODIFY' && oldItem?.status === 'pending' && newItem?.status === 'ready';
  const deleted = eventName === 'REMOVE' && oldItem?.status === 'ready';
  if (!ready && !deleted) return undefined;
  const attachment = attachmentView(toAttachment(ready ? newItem! : oldItem!));
  const frame: AttachmentEvent = {
    type: ready ? 'ATTACHMENT_READY' : 'ATTACHMENT_DELETED',
    id: `${attachment.id}:${ready ? 'ready' : 'deleted'}`,
    projectId: attachment.projectId,
    entityId: attachment.id,
    taskId: attachment.taskId,
    actorId: attachment.uploadedBy,
    // The item records no deletion time: that is news now (as a presence leave is).
    at: ready ? (attachment.readyAt ?? attachment.createdAt) : new Date().toISOString(),
    data: ready ? attachment : null,
  };
  return { projectId: attachment.projectId, workspaceId: attachment.workspaceId, frame };
}

/**
 * The frame a table change becomes, if any: an activity (every change of a task, comment, subtask, project or
 * sprint writes exactly one, carrying the object after it) becomes its change event; an attachment becoming
 * ready or going, an ATTACHMENT_READY / ATTACHMENT_DELETED event; a subscription coming, changing where it is on
 * the board, or going becomes a PRESENCE event.
 */
export function outgoingOf(change: TableChange, items: StoredItems): Outgoing | undefined {
  const { types, toActivity, toSubscription } = items;
  const item = change.newItem ?? change.oldItem;
  if (!item) return undefined;
  if (item.type === types.activity && change.eventName === 'INSERT') {
    const activity = toActivity(item);
    return {
      projectId: activity.projectId,
      workspaceId: activity.workspaceId,
      frame: fitFrame(changeEvent(activity)),
    };
  }
  if (item.type === types.attachment) return attachmentOutgoingOf(change, items.toAttachment);
  if (item.type !== types.subscription) return undefined;
  if (change.eventName === 'MODIFY' && change.oldItem && change.newItem) {
    const before = change.oldItem;
    const after = change.newItem;
    if (PRESENCE_FIELDS.every((field) => before[field] === after[field])) return undefined;
  }
  const subscription = toSubscription(item);
  const online = change.eventName !== 'REMOVE';
  // A leave is news now; a stay is as of the subscription's last change.
  const at = online ? subscription.updatedAt : new Date().toISOString();
  return {
    projectId: subscription.projectId,
    workspaceId: subscription.workspaceId,
    frame: {
      type: 'PRESENCE',
      projectId: subscription.projectId,
      entityId: subscription.userId,
      actorId: subscription.userId,
      at,
      data: { ...presenceOf(subscription, online), at },
    },
  };
}

/** A frame for one user's own connections: JOB_UPDATED to a job's requester. */
export interface UserOutgoing {
  userId: string;
  frame: JobUpdatedEvent;
}

/**
 * The JOB_UPDATED frame of a job item that changed what its requester sees (status, progress); undefined for any
 * other change. `isJob` and `toJob` are the store's (the domain knows no item types).
 */
export function jobOutgoingOf(
  change: TableChange,
  isJob: (item: Record<string, unknown>) => boolean,
  toJob: (item: Record<string, unknown>) => JobRecord,
): UserOutgoing | undefined {
  const { newItem, oldItem } = change;
  if (change.eventName !== 'MODIFY' || !newItem || !isJob(newItem)) return undefined;
  if (oldItem && oldItem.status === newItem.status && oldItem.progress === newItem.progress) return undefined;
  const job = jobView(toJob(newItem));
  return {
    userId: job.requestedBy,
    frame: { type: 'JOB_UPDATED', entityId: job.id, actorId: job.requestedBy, at: job.updatedAt, data: job },
  };
}

/**
 * The NOTIFICATION frame of a notification that arrived or was read (so every tab's bell count stays right);
 * undefined for any other change. `isNotification` and `toNotification` are the store's.
 */
export function notificationOutgoingOf(
  change: TableChange,
  isNotification: (item: Record<string, unknown>) => boolean,
  toNotification: (item: Record<string, unknown>) => NotificationRecord,
): { userId: string; frame: NotificationEvent } | undefined {
  const { newItem, oldItem } = change;
  if (change.eventName === 'REMOVE' || !newItem || !isNotification(newItem)) return undefined;
  if (change.eventName === 'MODIFY' && oldItem?.readAt === newItem.readAt) return undefined;
  const notification = toNotification(newItem);
  return {
    userId: notification.userId,
    frame: {
      type: 'NOTIFICATION',
      entityId: notification.id,
      actorId: notification.actorId,
      at: notification.readAt ?? notification.createdAt,
      data: notificationView(notification),
    },
  };
}

export interface BroadcastStats {
  sent: number;
  gone: number;
  failed: number;
  /** Subscriptions dropped because their user is no longer a member of the project's workspace. */
  revoked: number;
}

export interface BroadcasterOptions {
  /** Posts in flight at once (API Gateway's @connections answers each in a few ms; bounded so a board of
   * thousands does not open thousands of sockets). */
  concurrency: number;
  /** Attempts of one post before the connection is closed instead (its client reconnects and catches up). */
  attempts: number;
  retryDelayMs: number;
  /**
   * How long one Broadcaster (one invocation) may go on starting events; the ones after fail at once, so the
   * batch's partial response makes the stream's retry resume right after the last event sent. Without it, a
   * batch larger than the function's timeout allows (100 events to a board of 1,000 is 100,000 posts) times out
   * whole, and its retry, bisected, posts everything again. Undefined: no limit.
   */
  budgetMs?: number;
}

export const DEFAULT_BROADCAST_OPTIONS: BroadcasterOptions = {
  concurrency: 64,
  attempts: 3,
  retryDelayMs: 50,
  // Two thirds of the function's 30 s timeout (infra/functions.ts): an event already started (a thousand posts,
  // a fraction of a second) still finishes well inside it.
  budgetMs: 20_000,
};

/** An event not started because the invocation's time budget is spent: the stream's retry sends it. */
export class OutOfTimeError extends Error {
  constructor() {
    super('The broadcast time budget is spent; the stream retries this event');
    this.name = 'OutOfTimeError';
  }
}

/** Runs `work` over `items` with at most `limit` at once. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Fans events out to the connections subscribed to their project, members only. One Broadcaster serves one batch
 * of stream records: a project's audience (its subscriptions, and its workspace's members) is read once, at the
 * first event of the project in the batch. Every record of the batch was written before that read, so a member
 * removed before an event was written never receives it, and a subscription made before it is served.
 * Events go out in record order: each is posted to every connection (in parallel) before the next one starts.
 */
export class Broadcaster {
  private readonly audiences = new Map<string, Promise<SubscriptionRecord[]>>();
  readonly stats: BroadcastStats = { sent: 0, gone: 0, failed: 0, revoked: 0 };
  /** Events not started because the time budget was spent (failed, so the stream's retry sends them). */
  deferred = 0;
  private readonly startedAt = Date.now();

  constructor(
    private readonly repository: Pick<
      LiveRepository,
      'subscribers' | 'memberIds' | 'removeConnection' | 'removeSubscription'
    >,
    private readonly poster: ConnectionPoster,
    private readonly options: BroadcasterOptions = DEFAULT_BROADCAST_OPTIONS,
  ) {}

  async send(outgoing: Outgoing): Promise<void> {
    const { budgetMs } = this.options;
    if (budgetMs !== undefined && Date.now() - this.startedAt > budgetMs) {
      this.deferred++;
      throw new OutOfTimeError();
    }
    const audience = await this.audience(outgoing.projectId, outgoing.workspaceId);
    if (outgoing.frame.type === 'PRESENCE') {
      const { userId } = outgoing.frame.data;
      // The presence of someone who lost access is not news to the board (their subscription is being dropped).
      if (!audience.some((s) => s.userId === userId) && outgoing.frame.data.online) return;
    }
    const goneNow: string[] = [];
    await eachLimited(audience, this.options.concurrency, async (subscription) => {
      if ((await this.deliver(subscription.connectionId, outgoing.frame)) === 'gone') {
        goneNow.push(subscription.connectionId);
      }
    });
    if (goneNow.length > 0) {
      const gone = new Set(goneNow);
      this.audiences.set(
        outgoing.projectId,
        Promise.resolve(audience.filter((s) => !gone.has(s.connectionId))),
      );
      await Promise.all(goneNow.map((id) => this.repository.removeConnection(id)));
    }
  }

  /** One frame to the given connections (a user's own); gone ones are forgotten. */
  async sendToConnections(connectionIds: string[], frame: ServerFrame): Promise<void> {
    const goneNow: string[] = [];
    await eachLimited(connectionIds, this.options.concurrency, async (connectionId) => {
      if ((await this.deliver(connectionId, frame)) === 'gone') goneNow.push(connectionId);
    });
    await Promise.all(goneNow.map((id) => this.repository.removeConnection(id)));
  }

  /** The project's subscriptions whose users are still members; the others are told and dropped. */
  private audience(projectId: string, workspaceId: string): Promise<SubscriptionRecord[]> {
    let audience = this.audiences.get(projectId);
    if (!audience) {
      audience = this.readAudience(projectId, workspaceId);
      this.audiences.set(projectId, audience);
      // A failed read is not cached: the record fails, and its retry reads again.
      audience.catch(() => this.audiences.delete(projectId));
    }
    return audience;
  }

  private async readAudience(projectId: string, workspaceId: string): Promise<SubscriptionRecord[]> {
    const [subscriptions, members] = await Promise.all([
      this.repository.subscribers(projectId),
      this.repository.memberIds(workspaceId),
    ]);
    const revoked = subscriptions.filter((s) => !members.has(s.userId));
    await Promise.all(
      revoked.map(async (s) => {
        this.stats.revoked++;
        await this.repository.removeSubscription(projectId, s.connectionId);
        await this.deliver(s.connectionId, { type: 'unsubscribed', projectId, reason: 'FORBIDDEN' });
      }),
    );
    return subscriptions.filter((s) => members.has(s.userId));
  }

  /**
   * Posts with a few quick retries. A connection that still cannot be reached (throttled, a 5xx) is closed rather
   * than left with a gap: its client reconnects and catches up through the change feed.
   */
  private async deliver(connectionId: string, frame: ServerFrame): Promise<'sent' | 'gone' | 'failed'> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.poster.post(connectionId, frame);
        this.stats[outcome]++;
        return outcome;
      } catch {
        if (attempt >= this.options.attempts) {
          this.stats.failed++;
          await this.poster.close(connectionId).catch(() => undefined);
          return 'failed';
        }
        await sleep(this.options.retryDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
  }
}
