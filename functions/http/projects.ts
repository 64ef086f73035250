import { z } from 'zod';
import {
  archivedFilterSchema,
  createLabelSchema,
  createProjectSchema,
  patchLabelSchema,
  patchProjectSchema,
  versionQuerySchema,
} from '#shared/schemas/projects';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { created, httpFunction, noContent, ok, requireCaller, type ApiRequest } from '#functions/lib/http';
import { childIdSchema, workspaceIdSchema } from '#functions/lib/ids';
import { pageQuerySchema } from '#functions/lib/pagination';
import { parseInput } from '#functions/lib/validation';
import { LabelService } from '#functions/domain/labels';
import { ProjectService } from '#functions/domain/projects';
import { WorkspaceService } from '#functions/domain/workspaces';
import { DynamoLabelRepository } from '#functions/store/label-repository';
import { DynamoProjectRepository } from '#functions/store/project-repository';
import { DynamoUserRepository } from '#functions/store/user-repository';
import { DynamoWorkspaceRepository } from '#functions/store/workspace-repository';

const workspaces = new WorkspaceService(
  new DynamoWorkspaceRepository(ddb, config.tableName),
  new DynamoUserRepository(ddb, config.tableName),
);
const projects = new ProjectService(new DynamoProjectRepository(ddb, config.tableName), workspaces);
const labels = new LabelService(new DynamoLabelRepository(ddb, config.tableName), workspaces);

const workspacePath = z.object({ workspaceId: workspaceIdSchema });
const projectPath = z.object({ projectId: childIdSchema });
const labelPath = z.object({ labelId: childIdSchema });
const projectListQuery = pageQuerySchema.extend({ archived: archivedFilterSchema });
const requiredVersionQuery = z.object({ version: versionQuerySchema });
const optionalVersionQuery = z.object({ version: versionQuerySchema.optional() });

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
  'POST /api/workspaces/{workspaceId}/projects': async (request) => {
    const who = caller(request);
    const { workspaceId } = path(workspacePath, request);
    return created(await projects.create(who, workspaceId, body(createProjectSchema, request)));
  },
  'GET /api/workspaces/{workspaceId}/projects': async (request) => {
    const who = caller(request);
    const { workspaceId } = path(workspacePath, request);
    const { archived, limit, cursor } = query(projectListQuery, request);
    return ok(await projects.list(who, workspaceId, archived, limit, cursor));
  },
  'GET /api/projects/{projectId}': async (request) => {
    const who = caller(request);
    return ok(await projects.get(who, path(projectPath, request).projectId));
  },
  'PATCH /api/projects/{projectId}': async (request) => {
    const who = caller(request);
    const { projectId } = path(projectPath, request);
    const { version, ...changes } = body(patchProjectSchema, request);
    return ok(await projects.update(who, projectId, version, changes));
  },
  'DELETE /api/projects/{projectId}': async (request) => {
    const who = caller(request);
    const { projectId } = path(projectPath, request);
    const { version } = query(requiredVersionQuery, request);
    await projects.delete(who, projectId, version);
    return noContent();
  },
  'POST /api/workspaces/{workspaceId}/labels': async (request) => {
    const who = caller(request);
    const { workspaceId } = path(workspacePath, request);
    return created(await labels.create(who, workspaceId, body(createLabelSchema, request)));
  },
  'GET /api/workspaces/{workspaceId}/labels': async (request) => {
    const who = caller(request);
    const { workspaceId } = path(workspacePath, request);
    // A workspace has few labels: all of them in one answer (no `limit`/`cursor`).
    return ok({ items: await labels.list(who, workspaceId), nextCursor: null });
  },
  'PATCH /api/labels/{labelId}': async (request) => {
    const who = caller(request);
    const { labelId } = path(labelPath, request);
    const { version, ...changes } = body(patchLabelSchema, request);
    return ok(await labels.update(who, labelId, version, changes));
  },
  'DELETE /api/labels/{labelId}': async (request) => {
    const who = caller(request);
    const { labelId } = path(labelPath, request);
    const { version } = query(optionalVersionQuery, request);
    await labels.delete(who, labelId, version);
    return noContent();
  },
});
