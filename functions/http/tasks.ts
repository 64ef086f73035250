import * as z from 'zod';
import {
  changesQuerySchema,
  createTaskSchema,
  deleteTaskQuerySchema,
  moveTaskSchema,
  patchTaskSchema,
  restoreTaskSchema,
  searchQuerySchema,
  taskFiltersShape,
} from '#shared/schemas/tasks';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { bodyOf, caller, created, httpFunction, ok, pathOf, queryOf } from '#functions/lib/http';
import { pageQuerySchema } from '#functions/lib/pagination';
import { pageQuery, projectPath, taskPath, workspacePath } from '#functions/lib/params';
import { parseInput } from '#functions/lib/validation';
import { s3FileStore } from '#functions/lib/attachment-storage';
import { CoverUrls } from '#functions/domain/attachments';
import { TaskService } from '#functions/domain/tasks';
import { DynamoTaskRepository } from '#functions/store/task-repository';

const tasks = new TaskService(new DynamoTaskRepository(ddb, config.tableName));
/** Signs the board's cover thumbnail URLs (GetObject on `thumbs/` only). */
const covers = new CoverUrls(s3FileStore(config.attachmentsBucket));

const listQuery = z.strictObject({ ...pageQuerySchema.shape, ...taskFiltersShape });
const searchQuery = z.strictObject({ ...pageQuerySchema.shape, ...searchQuerySchema.shape });

export const handler = httpFunction({
  'POST /api/projects/{projectId}/tasks': async (request) => {
    const { projectId } = pathOf(projectPath, request);
    return created(await tasks.create(caller(request), projectId, bodyOf(createTaskSchema, request)));
  },
  'GET /api/projects/{projectId}/tasks': async (request) => {
    const { projectId } = pathOf(projectPath, request);
    const { limit, cursor, ...filters } = queryOf(listQuery, request);
    const page = await tasks.list(caller(request), projectId, filters, limit, cursor);
    return ok({ ...page, items: await covers.add(page.items) });
  },
  'GET /api/tasks/{taskId}': async (request) =>
    ok(await tasks.get(caller(request), pathOf(taskPath, request).taskId)),
  'PATCH /api/tasks/{taskId}': async (request) => {
    const { taskId } = pathOf(taskPath, request);
    return ok(await tasks.patch(caller(request), taskId, bodyOf(patchTaskSchema, request)));
  },
  'POST /api/tasks/{taskId}/move': async (request) => {
    const { taskId } = pathOf(taskPath, request);
    return ok(await tasks.move(caller(request), taskId, bodyOf(moveTaskSchema, request)));
  },
  'DELETE /api/tasks/{taskId}': async (request) => {
    const { taskId } = pathOf(taskPath, request);
    const { version } = queryOf(deleteTaskQuerySchema, request);
    return ok(await tasks.delete(caller(request), taskId, version));
  },
  'POST /api/tasks/{taskId}/restore': async (request) => {
    const { taskId } = pathOf(taskPath, request);
    const { version } = parseInput(restoreTaskSchema, request.body() ?? {}, 'body');
    return ok(await tasks.restore(caller(request), taskId, version));
  },
  'GET /api/tasks/{taskId}/activity': async (request) => {
    const { taskId } = pathOf(taskPath, request);
    const { limit, cursor } = queryOf(pageQuery, request);
    return ok(await tasks.taskActivity(caller(request), taskId, limit, cursor));
  },
  'GET /api/projects/{projectId}/activity': async (request) => {
    const { projectId } = pathOf(projectPath, request);
    const { limit, cursor } = queryOf(pageQuery, request);
    return ok(await tasks.projectActivity(caller(request), projectId, limit, cursor));
  },
  'GET /api/projects/{projectId}/changes': async (request) => {
    const { projectId } = pathOf(projectPath, request);
    const { since, limit } = queryOf(changesQuerySchema, request);
    return ok(await tasks.changes(caller(request), projectId, since, limit));
  },
  'GET /api/workspaces/{workspaceId}/search': async (request) => {
    const { workspaceId } = pathOf(workspacePath, request);
    const { q, limit, cursor } = queryOf(searchQuery, request);
    return ok(await tasks.search(caller(request), workspaceId, q, limit, cursor));
  },
});
