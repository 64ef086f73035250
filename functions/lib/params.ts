import * as z from 'zod';
import { childIdSchema, workspaceIdSchema } from './ids.ts';
import { pageQuerySchema } from './pagination.ts';

/**
 * The request parameters that more than one handler reads. A parameter only one handler knows (`labelId`,
 * `sprintId`, an invitation token...) stays in that handler.
 */
export const workspacePath = z.object({ workspaceId: workspaceIdSchema });
export const projectPath = z.object({ projectId: childIdSchema });
export const taskPath = z.object({ taskId: childIdSchema });

/** `?limit=&cursor=` and nothing else: an unknown query parameter is a 400. */
export const pageQuery = pageQuerySchema.strict();
