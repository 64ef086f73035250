import * as z from 'zod';
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
import { bodyOf, caller, created, httpFunction, noContent, ok, pathOf, queryOf } from '#functions/lib/http';
import { childIdSchema } from '#functions/lib/ids';
import { pageQuerySchema } from '#functions/lib/pagination';
import { projectPath, workspacePath } from '#functions/lib/params';
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

const labelPath = z.object({ labelId: childIdSchema });
const projectListQuery = pageQuerySchema.extend({ archived: archivedFilterSchema });
const requiredVersionQuery = z.object({ version: versionQuerySchema });
const optionalVersionQuery = z.object({ version: versionQuerySchema.optional() });

export const handler = httpFunction({
  'POST /api/workspaces/{workspaceId}/projects': async (request) => {
    const who = caller(request);
    const { workspaceId } = pathOf(workspacePath, request);
    return created(await projects.create(who, workspaceId, bodyOf(createProjectSchema, request)));
  },
  'GET /api/workspaces/{workspaceId}/projects': async (request) => {
    const who = caller(request);
    const { workspaceId } = pathOf(workspacePath, request);
    const { archived, limit, cursor } = queryOf(projectListQuery, request);
    return ok(await projects.list(who, workspaceId, archived, limit, cursor));
  },
  'GET /api/projects/{projectId}': async (request) => {
    const who = caller(request);
    return ok(await projects.get(who, pathOf(projectPath, request).projectId));
  },
  'PATCH /api/projects/{projectId}': async (request) => {
    const who = caller(request);
    const { projectId } = pathOf(projectPath, request);
    const { version, ...changes } = bodyOf(patchProjectSchema, request);
    return ok(await projects.update(who, projectId, version, changes));
  },
  'DELETE /api/projects/{projectId}': async (request) => {
    const who = caller(request);
    const { projectId } = pathOf(projectPath, request);
    const { version } = queryOf(requiredVersionQuery, request);
    await projects.delete(who, projectId, version);
    return noContent();
  },
  'POST /api/workspaces/{workspaceId}/labels': async (request) => {
    const who = caller(request);
    const { workspaceId } = pathOf(workspacePath, request);
    return created(await labels.create(who, workspaceId, bodyOf(createLabelSchema, request)));
  },
  'GET /api/workspaces/{workspaceId}/labels': async (request) => {
    const who = caller(request);
    const { workspaceId } = pathOf(workspacePath, request);
    // A workspace has few labels: all of them in one answer (no `limit`/`cursor`).
    return ok({ items: await labels.list(who, workspaceId), nextCursor: null });
  },
  'PATCH /api/labels/{labelId}': async (request) => {
    const who = caller(request);
    const { labelId } = pathOf(labelPath, request);
    const { version, ...changes } = bodyOf(patchLabelSchema, request);
    return ok(await labels.update(who, labelId, version, changes));
  },
  'DELETE /api/labels/{labelId}': async (request) => {
    const who = caller(request);
    const { labelId } = pathOf(labelPath, request);
    const { version } = queryOf(optionalVersionQuery, request);
    await labels.delete(who, labelId, version);
    return noContent();
  },
});
