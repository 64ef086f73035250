import { z } from 'zod';
import {
  bulkCreateSubtasksSchema,
  createSubtaskSchema,
  deleteSubtaskQuerySchema,
  isBulkCreate,
  patchSubtaskSchema,
} from '#shared/schemas/subtasks';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { created, httpFunction, noContent, ok, requireCaller, type ApiRequest } from '#functions/lib/http';
import { childIdSchema, grandchildIdSchema } from '#functions/lib/ids';
import { pageQuerySchema } from '#functions/lib/pagination';
import { parseInput } from '#functions/lib/validation';
import { SubtaskService } from '#functions/domain/subtasks';
import { DynamoSubtaskRepository } from '#functions/store/subtask-repository';

const subtasks = new SubtaskService(new DynamoSubtaskRepository(ddb, config.tableName));

const taskPath = z.object({ taskId: childIdSchema });
const subtaskPath = z.object({ subtaskId: grandchildIdSchema });
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
  /** `{ title, estimatedHours? }` → the subtask; `{ items: [...] }` (bulk) → `{ items: [subtask...] }`. */
  'POST /api/tasks/{taskId}/subtasks': async (request) => {
    const { taskId } = path(taskPath, request);
    if (isBulkCreate(request.body())) {
      const { items } = body(bulkCreateSubtasksSchema, request);
      return created({ items: await subtasks.create(caller(request), taskId, items) });
    }
    const [subtask] = await subtasks.create(caller(request), taskId, [body(createSubtaskSchema, request)]);
    return created(subtask);
  },
  'GET /api/tasks/{taskId}/subtasks': async (request) => {
    const { taskId } = path(taskPath, request);
    const { limit, cursor } = query(pageQuery, request);
    return ok(await subtasks.list(caller(request), taskId, limit, cursor));
  },
  'PATCH /api/subtasks/{subtaskId}': async (request) => {
    const { subtaskId } = path(subtaskPath, request);
    return ok(await subtasks.patch(caller(request), subtaskId, body(patchSubtaskSchema, request)));
  },
  'DELETE /api/subtasks/{subtaskId}': async (request) => {
    const { subtaskId } = path(subtaskPath, request);
    const { version } = query(deleteSubtaskQuerySchema, request);
    await subtasks.delete(caller(request), subtaskId, version);
    return noContent();
  },
});
