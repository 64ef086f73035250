import { z } from 'zod';
import { createWorkspaceSchema, patchMemberSchema, patchWorkspaceSchema } from '#shared/schemas/workspaces';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { created, httpFunction, noContent, ok, requireCaller, type ApiRequest } from '#functions/lib/http';
import { workspaceIdSchema } from '#functions/lib/ids';
import { pageQuerySchema } from '#functions/lib/pagination';
import { parseInput } from '#functions/lib/validation';
import { WorkspaceService } from '#functions/domain/workspaces';
import { DynamoUserRepository } from '#functions/store/user-repository';
import { DynamoWorkspaceRepository } from '#functions/store/workspace-repository';

const workspaces = new WorkspaceService(
  new DynamoWorkspaceRepository(ddb, config.tableName),
  new DynamoUserRepository(ddb, config.tableName),
);

const workspacePath = z.object({ workspaceId: workspaceIdSchema });
const memberPath = z.object({ workspaceId: workspaceIdSchema, userId: z.string().min(1).max(128) });

const caller = (request: ApiRequest) => {
  const { userId, email } = requireCaller(request);
  return { userId, email };
};
const path = <S extends z.ZodType>(schema: S, request: ApiRequest) =>
  parseInput(schema, request.path, 'path');
const body = <S extends z.ZodType>(schema: S, request: ApiRequest) =>
  parseInput(schema, request.body(), 'body');
const page = (request: ApiRequest) => parseInput(pageQuerySchema, request.query, 'query');

export const handler = httpFunction({
  'POST /api/workspaces': async (request) =>
    created(await workspaces.create(caller(request), body(createWorkspaceSchema, request).name)),
  'GET /api/workspaces': async (request) => {
    const { limit, cursor } = page(request);
    return ok(await workspaces.list(caller(request), limit, cursor));
  },
  'GET /api/workspaces/{workspaceId}': async (request) =>
    ok(await workspaces.get(caller(request), path(workspacePath, request).workspaceId)),
  'PATCH /api/workspaces/{workspaceId}': async (request) => {
    const { workspaceId } = path(workspacePath, request);
    const { name, version } = body(patchWorkspaceSchema, request);
    return ok(await workspaces.rename(caller(request), workspaceId, name, version));
  },
  'DELETE /api/workspaces/{workspaceId}': async (request) => {
    await workspaces.delete(caller(request), path(workspacePath, request).workspaceId);
    return noContent();
  },
  'GET /api/workspaces/{workspaceId}/members': async (request) => {
    const { limit, cursor } = page(request);
    return ok(
      await workspaces.members(caller(request), path(workspacePath, request).workspaceId, limit, cursor),
    );
  },
  'PATCH /api/workspaces/{workspaceId}/members/{userId}': async (request) => {
    const { workspaceId, userId } = path(memberPath, request);
    const { role } = body(patchMemberSchema, request);
    return ok(await workspaces.changeRole(caller(request), workspaceId, userId, role));
  },
  'DELETE /api/workspaces/{workspaceId}/members/{userId}': async (request) => {
    const { workspaceId, userId } = path(memberPath, request);
    await workspaces.removeMember(caller(request), workspaceId, userId);
    return noContent();
  },
});
