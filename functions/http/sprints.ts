import * as z from 'zod';
import {
  createSprintSchema,
  deleteSprintQuerySchema,
  patchSprintSchema,
  sprintIdSchema,
  sprintListFilterShape,
} from '#shared/schemas/sprints';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { bodyOf, caller, created, httpFunction, noContent, ok, pathOf, queryOf } from '#functions/lib/http';
import { pageQuerySchema } from '#functions/lib/pagination';
import { projectPath } from '#functions/lib/params';
import { SprintService } from '#functions/domain/sprints';
import { DynamoSprintRepository } from '#functions/store/sprint-repository';

const sprints = new SprintService(new DynamoSprintRepository(ddb, config.tableName));

const sprintPath = z.object({ sprintId: sprintIdSchema });
const listQuery = z.strictObject({ ...pageQuerySchema.shape, ...sprintListFilterShape });
const noQuery = z.strictObject({});

export const handler = httpFunction({
  'POST /api/projects/{projectId}/sprints': async (request) => {
    const { projectId } = pathOf(projectPath, request);
    return created(await sprints.create(caller(request), projectId, bodyOf(createSprintSchema, request)));
  },
  'GET /api/projects/{projectId}/sprints': async (request) => {
    const { projectId } = pathOf(projectPath, request);
    const { status, limit, cursor } = queryOf(listQuery, request);
    return ok(await sprints.list(caller(request), projectId, status, limit, cursor));
  },
  'GET /api/sprints/{sprintId}': async (request) =>
    ok(await sprints.get(caller(request), pathOf(sprintPath, request).sprintId)),
  'PATCH /api/sprints/{sprintId}': async (request) => {
    const { sprintId } = pathOf(sprintPath, request);
    return ok(await sprints.patch(caller(request), sprintId, bodyOf(patchSprintSchema, request)));
  },
  'DELETE /api/sprints/{sprintId}': async (request) => {
    const { sprintId } = pathOf(sprintPath, request);
    const { version } = queryOf(deleteSprintQuerySchema, request);
    await sprints.delete(caller(request), sprintId, version);
    return noContent();
  },
  'GET /api/sprints/{sprintId}/burndown': async (request) => {
    const { sprintId } = pathOf(sprintPath, request);
    queryOf(noQuery, request);
    return ok(await sprints.burndown(caller(request), sprintId));
  },
  'GET /api/projects/{projectId}/velocity': async (request) => {
    const { projectId } = pathOf(projectPath, request);
    queryOf(noQuery, request);
    return ok(await sprints.velocity(caller(request), projectId));
  },
});
