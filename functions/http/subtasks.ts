import * as z from 'zod';
import {
  bulkCreateSubtasksSchema,
  createSubtaskSchema,
  deleteSubtaskQuerySchema,
  isBulkCreate,
  patchSubtaskSchema,
} from '#shared/schemas/subtasks';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { bodyOf, caller, created, httpFunction, noContent, ok, pathOf, queryOf } from '#functions/lib/http';
import { grandchildIdSchema } from '#functions/lib/ids';
import { pageQuery, taskPath } from '#functions/lib/params';
import { SubtaskService } from '#functions/domain/subtasks';
import { DynamoSubtaskRepository } from '#functions/store/subtask-repository';

const subtasks = new SubtaskService(new DynamoSubtaskRepository(ddb, config.tableName));

const subtaskPath = z.object({ subtaskId: grandchildIdSchema });

export const handler = httpFunction({
  /** `{ title, estimatedHours? }` → the subtask; `{ items: [...] }` (bulk) → `{ items: [subtask...] }`. */
  'POST /api/tasks/{taskId}/subtasks': async (request) => {
    const { taskId } = pathOf(taskPath, request);
    if (isBulkCreate(request.body())) {
      const { items } = bodyOf(bulkCreateSubtasksSchema, request);
      return created({ items: await subtasks.create(caller(request), taskId, items) });
    }
    const [subtask] = await subtasks.create(caller(request), taskId, [bodyOf(createSubtaskSchema, request)]);
    return created(subtask);
  },
  'GET /api/tasks/{taskId}/subtasks': async (request) => {
    const { taskId } = pathOf(taskPath, request);
    const { limit, cursor } = queryOf(pageQuery, request);
    return ok(await subtasks.list(caller(request), taskId, limit, cursor));
  },
  'PATCH /api/subtasks/{subtaskId}': async (request) => {
    const { subtaskId } = pathOf(subtaskPath, request);
    return ok(await subtasks.patch(caller(request), subtaskId, bodyOf(patchSubtaskSchema, request)));
  },
  'DELETE /api/subtasks/{subtaskId}': async (request) => {
    const { subtaskId } = pathOf(subtaskPath, request);
    const { version } = queryOf(deleteSubtaskQuerySchema, request);
    await subtasks.delete(caller(request), subtaskId, version);
    return noContent();
  },
});
