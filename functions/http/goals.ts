import { z } from 'zod';
import {
  createGoalSchema,
  deleteGoalQuerySchema,
  goalIdSchema,
  goalListFilterShape,
  patchGoalSchema,
} from '#shared/schemas/goals';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { created, httpFunction, noContent, ok, requireCaller, type ApiRequest } from '#functions/lib/http';
import { pageQuerySchema } from '#functions/lib/pagination';
import { parseInput } from '#functions/lib/validation';
import { GoalService } from '#functions/domain/goals';
import { WorkspaceService } from '#functions/domain/workspaces';
import { DynamoGoalRepository } from '#functions/store/goal-repository';
import { DynamoUserRepository } from '#functions/store/user-repository';
import { DynamoWorkspaceRepository } from '#functions/store/workspace-repository';

const workspaces = new WorkspaceService(
  new DynamoWorkspaceRepository(ddb, config.tableName),
  new DynamoUserRepository(ddb, config.tableName),
);
const goals = new GoalService(new DynamoGoalRepository(ddb, config.tableName), workspaces);

const goalPath = z.object({ goalId: goalIdSchema });
const listQuery = z.strictObject({ ...pageQuerySchema.shape, ...goalListFilterShape });

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
  'POST /api/goals': async (request) =>
    created(await goals.create(caller(request), body(createGoalSchema, request))),
  'GET /api/goals': async (request) => {
    const { workspaceId, limit, cursor } = query(listQuery, request);
    return ok(await goals.list(caller(request), workspaceId, limit, cursor));
  },
  'GET /api/goals/{goalId}': async (request) =>
    ok(await goals.get(caller(request), path(goalPath, request).goalId)),
  'PATCH /api/goals/{goalId}': async (request) => {
    const { goalId } = path(goalPath, request);
    const { version, ...changes } = body(patchGoalSchema, request);
    return ok(await goals.update(caller(request), goalId, version, changes));
  },
  'DELETE /api/goals/{goalId}': async (request) => {
    const { goalId } = path(goalPath, request);
    const { version } = query(deleteGoalQuerySchema, request);
    await goals.delete(caller(request), goalId, version);
    return noContent();
  },
});
