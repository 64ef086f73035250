import { z } from 'zod';
import { createCommentSchema, deleteCommentQuerySchema, patchCommentSchema } from '#shared/schemas/comments';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { created, httpFunction, noContent, ok, requireCaller, type ApiRequest } from '#functions/lib/http';
import { childIdSchema, grandchildIdSchema } from '#functions/lib/ids';
import { pageQuerySchema } from '#functions/lib/pagination';
import { parseInput } from '#functions/lib/validation';
import { CommentService } from '#functions/domain/comments';
import { DynamoCommentRepository } from '#functions/store/comment-repository';

const comments = new CommentService(new DynamoCommentRepository(ddb, config.tableName));

const taskPath = z.object({ taskId: childIdSchema });
const commentPath = z.object({ commentId: grandchildIdSchema });
const pageQuery = pageQuerySchema.strict();

const caller = (request: ApiRequest) => {
  const { userId, email } = requireCaller(request);
  return { userId, email };
};
const path = <S extends z.ZodType>(schema: S, request: ApiRequest) =>
  parseInput(schema, request.path, 'path');
const body = <S extends z.ZodType>(schema: S, request: ApiRequest) =>
  parseInput(schema, request.body(), 'body');
const query = <S extends z.ZodType>(schema: S, request: ApiRequest) =>
  parseInput(schema, request.query, 'query');

export const handler = httpFunction({
  'POST /api/tasks/{taskId}/comments': async (request) => {
    const { taskId } = path(taskPath, request);
    return created(await comments.create(caller(request), taskId, body(createCommentSchema, request)));
  },
  /** Oldest first (chat order). */
  'GET /api/tasks/{taskId}/comments': async (request) => {
    const { taskId } = path(taskPath, request);
    const { limit, cursor } = query(pageQuery, request);
    return ok(await comments.list(caller(request), taskId, limit, cursor));
  },
  'PATCH /api/comments/{commentId}': async (request) => {
    const { commentId } = path(commentPath, request);
    return ok(await comments.patch(caller(request), commentId, body(patchCommentSchema, request)));
  },
  'DELETE /api/comments/{commentId}': async (request) => {
    const { commentId } = path(commentPath, request);
    const { version } = query(deleteCommentQuerySchema, request);
    await comments.delete(caller(request), commentId, version);
    return noContent();
  },
});
