import * as z from 'zod';

/** What a notification is about. */
export const NOTIFICATION_KINDS = ['assigned', 'mentioned', 'commented', 'jobFinished'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** An in-app notification, as `GET /api/notifications` lists it. */
export interface Notification {
  id: string;
  kind: NotificationKind;
  workspaceId: string;
  projectId: string | null;
  taskId: string | null;
  /** Who caused it (the commenter, the assigner; the requester for a finished job). */
  actorId: string;
  /** One line to show: "Ann mentioned you on WEB-12 Fix the login". */
  title: string;
  /** A short excerpt (the comment's first characters), if any. */
  excerpt: string | null;
  /** Where it leads in the web app (a path, e.g. `/p/WEB/WEB-12`). */
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
