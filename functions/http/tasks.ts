import { z } from 'zod';
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
import { created, httpFunction, ok, requireCaller, type ApiRequest } from '#functions/lib/http';
import { childIdSchema, workspaceIdSchema } from '#functions/lib/ids';
import { pageQuerySchema } from '#functions/lib/pagination';
import { parseInput } from '#functions/lib/validation';
import { TaskService } from '#functions/domain/tasks';
import { DynamoTaskRepository } from '#functions/store/task-repository';

const tasks = new TaskService(new DynamoTaskRepository(ddb, config.tableName));

const projectPath = z.object({ projectId: childIdSchema });
const taskPath = z.object({ taskId: childIdSchema });
const listQuery = z.strictObject({ ...pageQuerySchema.shape, ...taskFiltersShape });
const pageQuery = pageQuerySchema.strict();
const workspacePath = z.object({ workspaceId: workspaceIdSchema });
const searchQuery = z.strictObject({ ...pageQuerySchema.shape, ...searchQuerySchema.shape });

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
  'POST /api/projects/{projectId}/tasks': async (request) => {
    const { projectId } = path(projectPath, request);
    return created(await tasks.create(caller(request), projectId, body(createTaskSchema, request)));
  },
  'GET /api/projects/{projectId}/tasks': async (request) => {
    const { projectId } = path(projectPath, request);
    const { limit, cursor, ...filters } = query(listQuery, request);
    return ok(await tasks.list(caller(request), projectId, filters, limit, cursor));
  },
  'GET /api/tasks/{taskId}': async (request) =>
    ok(await tasks.get(caller(request), path(taskPath, request).taskId)),
  'PATCH /api/tasks/{taskId}': async (request) => {
    const { taskId } = path(taskPath, request);
    return ok(await tasks.patch(caller(request), taskId, body(patchTaskSchema, request)));
  },
  'POST /api/tasks/{taskId}/move': async (request) => {
    const { taskId } = path(taskPath, request);
    return ok(await tasks.move(caller(request), taskId, body(moveTaskSchema, request)));
  },
  'DELETE /api/tasks/{taskId}': async (request) => {
    const { taskId } = path(taskPath, request);
    const { version } = query(deleteTaskQuerySchema, request);
    return ok(await tasks.delete(caller(request), taskId, version));
  },
  'POST /api/tasks/{taskId}/restore': async (request) => {
    const { taskId } = path(taskPath, request);
    const { version } = parseInput(restoreTaskSchema, request.body() ?? {}, 'body');
    return ok(await tasks.restore(caller(request), taskId, version));
  },
  'GET /api/tasks/{taskId}/activity': async (request) => {
    const { taskId } = path(taskPath, request);
    const { limit, cursor } = query(pageQuery, request);
    return ok(await tasks.taskActivity(caller(request), taskId, limit, cursor));
  },
  'GET /api/projects/{projectId}/activity': async (request) => {
    const { projectId } = path(projectPath, request);
    const { limit, cursor } = query(pageQuery, request);
    return ok(await tasks.projectActivity(caller(request), projectId, limit, cursor));
  },
  'GET /api/projects/{projectId}/changes': async (request) => {
    const { projectId } = path(projectPath, request);
    const { since, limit } = query(changesQuerySchema, request);
    return ok(await tasks.changes(caller(request), projectId, since, limit));
  },
  'GET /api/workspaces/{workspaceId}/search': async (request) => {
    const { workspaceId } = path(workspacePath, request);
    const { q, limit, cursor } = query(searchQuery, request);
    return ok(await tasks.search(caller(request), workspaceId, q, limit, cursor));
  },
});
