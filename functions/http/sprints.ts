import { z } from 'zod';
import {
  createSprintSchema,
  deleteSprintQuerySchema,
  patchSprintSchema,
  sprintIdSchema,
  sprintListFilterShape,
} from '#shared/schemas/sprints';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { created, httpFunction, noContent, ok, requireCaller, type ApiRequest } from '#functions/lib/http';
import { childIdSchema } from '#functions/lib/ids';
import { pageQuerySchema } from '#functions/lib/pagination';
import { parseInput } from '#functions/lib/validation';
import { SprintService } from '#functions/domain/sprints';
import { DynamoSprintRepository } from '#functions/store/sprint-repository';

const sprints = new SprintService(new DynamoSprintRepository(ddb, config.tableName));

const projectPath = z.object({ projectId: childIdSchema });
const sprintPath = z.object({ sprintId: sprintIdSchema });
const listQuery = z.strictObject({ ...pageQuerySchema.shape, ...sprintListFilterShape });
const noQuery = z.strictObject({});

const caller = (request: ApiRequest) => {
  const { userId, email } = requireCaller(request);
  return { userId, email };
};
const path = <S extends z.ZodType>(schema: S, request: ApiRequest) =>
  parseInput(schema, request.path, 'path');
const query = <S extends z.ZodType>(schema: S, request: ApiRequest) =>
  parseInput(schema, request.query, 'query');
const body = <S extends z.ZodType>(schema: S, request: ApiRequest) =>
  parseInput(schema, request.body(), 'body');

export const handler = httpFunction({
  'POST /api/projects/{projectId}/sprints': async (request) => {
    const { projectId } = path(projectPath, request);
    return created(await sprints.create(caller(request), projectId, body(createSprintSchema, request)));
  },
  'GET /api/projects/{projectId}/sprints': async (request) => {
    const { projectId } = path(projectPath, request);
    const { status, limit, cursor } = query(listQuery, request);
    return ok(await sprints.list(caller(request), projectId, status, limit, cursor));
  },
  'GET /api/sprints/{sprintId}': async (request) =>
    ok(await sprints.get(caller(request), path(sprintPath, request).sprintId)),
  'PATCH /api/sprints/{sprintId}': async (request) => {
    const { sprintId } = path(sprintPath, request);
    return ok(await sprints.patch(caller(request), sprintId, body(patchSprintSchema, request)));
  },
  'DELETE /api/sprints/{sprintId}': async (request) => {
    const { sprintId } = path(sprintPath, request);
    const { version } = query(deleteSprintQuerySchema, request);
    await sprints.delete(caller(request), sprintId, version);
    return noContent();
  },
  'GET /api/sprints/{sprintId}/burndown': async (request) => {
    const { sprintId } = path(sprintPath, request);
    query(noQuery, request);
    return ok(await sprints.burndown(caller(request), sprintId));
  },
  'GET /api/projects/{projectId}/velocity': async (request) => {
    const { projectId } = path(projectPath, request);
    query(noQuery, request);
    return ok(await sprints.velocity(caller(request), projectId));
  },
});
