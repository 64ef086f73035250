import * as z from 'zod';
import { inWorkspaceIdSchema, type ChangeEvent } from './tasks.ts';
import type { JobUpdatedEvent } from './ai.ts';
import type { Attachment } from './attachments.ts';
import type { NotificationEvent } from './notifications.ts';

/**
 * The live board's frames (../shared/API.md, "WebSocket"; our additions are in docs/api-notes.md, "Live board").
 * Client → server frames are validated with these schemas; server → client frames are the types below.
 */

/** What a person has open on the board: a task (its panel) and, while typing, the field being edited. */
export const PRESENCE_FIELD_MAX = 64;

export const clientFrameSchema = z.discriminatedUnion('action', [
  /** Heartbeat: keeps the connection inside API Gateway's 10-minute idle limit; answered with `pong`. */
  z.strictObject({ action: z.literal('ping') }),
  z.strictObject({ action: z.literal('subscribe'), projectId: inWorkspaceIdSchema }),
  z.strictObject({ action: z.literal('unsubscribe'), projectId: inWorkspaceIdSchema }),
  /**
   * Where this connection is on a board it subscribed to: `viewing` the task whose panel is open (null: the board
   * itself), `editing` the field being edited in it (null: none). Others get a PRESENCE event when it changes.
   */
  z.strictObject({
    action: z.literal('presence'),
    projectId: inWorkspaceIdSchema,
    viewing: inWorkspaceIdSchema.nullable(),
    editing: z.string().min(1).max(PRESENCE_FIELD_MAX).nullable().optional(),
  }),
]);

export type ClientFrame = z.infer<typeof clientFrameSchema>;

/**
 * One connection (a browser tab) on a board. `session` is an opaque id of the connection (not its API Gateway
 * id): a person with two tabs has two sessions, and is online while any of them is.
 */
export interface PresenceEntry {
  userId: string;
  session: string;
  online: boolean;
  viewing: string | null;
  editing: string | null;
  at: string;
}

/** A change of the board (the change feed's event, ../shared/API.md "WebSocket" event types). */
export interface LiveChangeEvent extends ChangeEvent {
  /**
   * Set when the whole event would not fit a frame (API Gateway's 32 KB frame): `data` is null and the changes'
   * long texts are cut. The client re-reads the entity (GET) instead of applying the event.
   */
  partial?: true;
}

export interface PresenceEvent {
  type: 'PRESENCE';
  projectId: string;
  /** The user whose presence changed. */
  entityId: string;
  actorId: string;
  at: string;
  data: PresenceEntry;
}

/**
 * An attachment of a task became ready (`ATTACHMENT_READY`, at its confirm) or a ready one was deleted
 * (`ATTACHMENT_DELETED`, our addition: docs/api-notes.md, "Live board"). Attachments write no activity, so these
 * are not in the change feed: `id` is derived from the attachment and the change (`<attachmentId>:ready`), the
 * same on every redelivery of that change, and the client applies each id once. `data` is the attachment as the
 * list route shows it, without its `downloadUrl` (per caller and short-lived: the client re-reads the list);
 * null for a deletion.
 */
export interface AttachmentEvent {
  type: 'ATTACHMENT_READY' | 'ATTACHMENT_DELETED';
  id: string;
  projectId: string;
  /** The attachment's id. */
  entityId: string;
  taskId: string;
  /** The uploader (who confirms); for a deletion too (the item does not record who deleted it). */
  actorId: string;
  at: string;
  data: Attachment | null;
}

/** Sent to a subscribed connection when its owner loses access to the project (removed from the workspace). */
export interface UnsubscribedFrame {
  type: 'unsubscribed';
  projectId: string;
  reason: 'UNSUBSCRIBED' | 'FORBIDDEN' | 'NOT_FOUND';
}

export type ServerFrame =
  | { type: 'pong' }
  /** `session` is this connection's own presence session; `presence` who else is on the board now. */
  | { type: 'subscribed'; projectId: string; session: string; presence: PresenceEntry[] }
  | UnsubscribedFrame
  | { type: 'error'; code: string; message: string; projectId?: string }
  | LiveChangeEvent
  | PresenceEvent
  | AttachmentEvent
  /** To the requester's own connections (subscribed to a board or not) when their AI job changes. */
  | JobUpdatedEvent
  | NotificationEvent;

/**
 * API Gateway refuses frames over 32 KB (128 KB for a whole message); our frames are kept under this many bytes
 * of JSON, leaving room for the envelope.
 */
export const MAX_FRAME_BYTES = 32 * 1024 - 512;

/** How often a client sends `ping` (well inside the 10-minute idle limit, and often enough to notice a dead link). */
export const HEARTBEAT_INTERVAL_MS = 25_000;
