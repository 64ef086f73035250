import * as z from 'zod';

/**
 * What a notification is about: assigned to a task, mentioned in a comment, a comment on a task I created or am
 * assigned, a task of mine due tomorrow (the daily run), an invitation to a workspace (for a person who already
 * has an account), my AI breakdown finished.
 */
export const NOTIFICATION_KINDS = [
  'assigned',
  'mentioned',
  'commented',
  'dueSoon',
  'invitation',
  'jobFinished',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** An in-app notification, as `GET /api/notifications` lists it. */
export interface Notification {
  id: string;
  kind: NotificationKind;
  workspaceId: string;
  /** The task's project and the task (null for an invitation). */
  projectId: string | null;
  taskId: string | null;
  /** Who caused it (the commenter, the assigner, the inviter; the recipient for a finished job or due date). */
  actorId: string;
  /** One line to show: "Ann mentioned you on WEB-12 Fix the login". */
  title: string;
  /** A short excerpt (the comment's first characters), if any. */
  excerpt: string | null;
  /** Where it leads in the web app (a path: the task `/p/WEB/WEB-12`, an invitation `/invitations/<token>`). */
  link: string;
  createdAt: string;
  readAt: string | null;
}

/** `GET /api/notifications?unread=true&limit=&cursor=`. */
export const listNotificationsQuerySchema = z.object({
  unread: z.enum(['true', 'false']).optional(),
});

/** `POST /api/notifications/read`: some by id, or all of them. */
export const markReadSchema = z.union([
  z.strictObject({
    ids: z
      .array(z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'is not a notification id'))
      .min(1)
      .max(100),
  }),
  z.strictObject({ all: z.literal(true) }),
]);

export type MarkReadInput = z.infer<typeof markReadSchema>;

/** The WebSocket frame a user's own connections get when one of their notifications arrives or is read. */
export interface NotificationEvent {
  type: 'NOTIFICATION';
  entityId: string;
  actorId: string;
  at: string;
  data: Notification;
}

/** `GET /api/unsubscribe?token=` (no sign-in, changes nothing): what the link would unsubscribe. */
export interface UnsubscribePreview {
  /** The address the emails go to, masked (`a***@example.com`): whose link this is, without giving it away. */
  email: string;
  /** The kinds now emailed (at once or in the daily digest): what unsubscribing moves to the bell only. */
  emailed: NotificationKind[];
  /** True when nothing is emailed any more (already unsubscribed). */
  unsubscribed: boolean;
  settingsUrl: string;
}

/** `POST /api/unsubscribe?token=` (RFC 8058 one-click, and the web app's button): what changed. */
export interface UnsubscribeResult {
  unsubscribed: true;
  /** The kinds moved from email (or the digest) to the bell only; empty when nothing was emailed. */
  changed: NotificationKind[];
  settingsUrl: string;
}
