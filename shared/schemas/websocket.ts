import * as z from 'zod';

/** Frames a client sends over the WebSocket (../shared/API.md, "WebSocket"). */
export const clientFrameSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('ping') }),
]);

export type ClientFrame = z.infer<typeof clientFrameSchema>;

export type ServerFrame =
  | { type: 'pong' }
  | { type: 'subscribed'; projectId: string }
  | { type: 'error'; code: string; message: string };
