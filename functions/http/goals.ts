import * as z from 'zod';
import {
  createGoalSchema,
  deleteGoalQuerySchema,
  goalIdSchema,
  goalListFilterShape,
  patchGoalSchema,
} from '#shared/schemas/goals';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { bodyOf, caller, created, httpFunction, noContent, ok, pathOf, queryOf } from '#functions/lib/http';
import { pageQuerySchema } from '#functions/lib/pagination';
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

export const handler = httpFunction({
  'POST /api/goals': async (request) =>
    created(await goals.create(caller(request), bodyOf(createGoalSchema, request))),
  'GET /api/goals': async (request) => {
    const { workspaceId, limit, cursor } = queryOf(listQuery, request);
    return ok(await goals.list(caller(request), workspaceId, limit, cursor));
  },
  'GET /api/goals/{goalId}': async (request) =>
    ok(await goals.get(caller(request), pathOf(goalPath, request).goalId)),
  'PATCH /api/goals/{goalId}': async (request) => {
    const { goalId } = pathOf(goalPath, request);
    const { version, ...changes } = bodyOf(patchGoalSchema, request);
    return ok(await goals.update(caller(request), goalId, version, changes));
  },
  'DELETE /api/goals/{goalId}': async (request) => {
    const { goalId } = pathOf(goalPath, request);
    const { version } = queryOf(deleteGoalQuerySchema, request);
    await goals.delete(caller(request), goalId, version);
    return noContent();
  },
});
