import * as z from 'zod';
import { versionQuerySchema } from './projects.ts';

/**
 * Comments on a task (../shared/API.md, "Subtasks, comments, labels, activity"): markdown text, listed oldest
 * first (chat order). `@name` mentions are resolved against the workspace's members when the body is written
 * and recorded as `mentions` (user ids); see functions/domain/comments.ts for the matching rule.
 */

export const COMMENT_BODY_MAX = 10_000;

/** Markdown, 1..10,000 characters after trimming; stored trimmed. */
export const commentBodySchema = z.string().trim().min(1, 'must not be blank').max(COMMENT_BODY_MAX);

/** `POST /api/tasks/{taskId}/comments`. */
export const createCommentSchema = z.strictObject({ body: commentBodySchema });
export type CreateCommentInput = z.infer<typeof createCommentSchema>;

/** `PATCH /api/comments/{commentId}`: the new body and the version last seen. */
export const patchCommentSchema = z.strictObject({
  body: commentBodySchema,
  version: z.number().int().positive(),
});
export type PatchCommentInput = z.infer<typeof patchCommentSchema>;

/** `DELETE /api/comments/{commentId}?version=`: required, as for every delete of a comment in the contract. */
export const deleteCommentQuerySchema = z.strictObject({ version: versionQuerySchema });

export interface Comment {
  id: string;
  taskId: string;
  workspaceId: string;
  projectId: string;
  authorId: string;
  body: string;
  /** Members mentioned in the body (`@name`), in order of first mention. */
  mentions: string[];
  createdAt: string;
  updatedAt: string;
  /** When the body was last edited; null if never. */
  editedAt: string | null;
  version: number;
}
