import * as z from 'zod';
import { createCommentSchema, deleteCommentQuerySchema, patchCommentSchema } from '#shared/schemas/comments';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { bodyOf, caller, created, httpFunction, noContent, ok, pathOf, queryOf } from '#functions/lib/http';
import { grandchildIdSchema } from '#functions/lib/ids';
import { pageQuery, taskPath } from '#functions/lib/params';
import { CommentService } from '#functions/domain/comments';
import { DynamoCommentRepository } from '#functions/store/comment-repository';

const comments = new CommentService(new DynamoCommentRepository(ddb, config.tableName));

const commentPath = z.object({ commentId: grandchildIdSchema });

export const handler = httpFunction({
  'POST /api/tasks/{taskId}/comments': async (request) => {
    const { taskId } = pathOf(taskPath, request);
    return created(await comments.create(caller(request), taskId, bodyOf(createCommentSchema, request)));
  },
  /** Oldest first (chat order). */
  'GET /api/tasks/{taskId}/comments': async (request) => {
    const { taskId } = pathOf(taskPath, request);
    const { limit, cursor } = queryOf(pageQuery, request);
    return ok(await comments.list(caller(request), taskId, limit, cursor));
  },
  'PATCH /api/comments/{commentId}': async (request) => {
    const { commentId } = pathOf(commentPath, request);
    return ok(await comments.patch(caller(request), commentId, bodyOf(patchCommentSchema, request)));
  },
  'DELETE /api/comments/{commentId}': async (request) => {
    const { commentId } = pathOf(commentPath, request);
    const { version } = queryOf(deleteCommentQuerySchema, request);
    await comments.delete(caller(request), commentId, version);
    return noContent();
  },
});
