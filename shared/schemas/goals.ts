import * as z from 'zod';
import { versionQuerySchema } from './projects.ts';
import { goalIdSchema, isoDateSchema } from './tasks.ts';

/**
 * Goals (../shared/API.md, "Sprints and goals"): personal ones (plain ULID ids, their creator's alone) and
 * workspace ones (`<workspaceId>.<ulid>`, read by every member). Progress comes from the tasks linked to a goal
 * by `goalId`, counted by the tasks' own transactions.
 */

export const GOAL_TITLE_MAX = 200;
export const GOAL_DESCRIPTION_MAX = 5_000;

const WORKSPACE_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const goalTitleSchema = z.string().trim().min(1, 'must not be blank').max(GOAL_TITLE_MAX);
/** Markdown, kept as sent; null (or absent) for none. */
export const goalDescriptionSchema = z.string().max(GOAL_DESCRIPTION_MAX).nullable();
/** `YYYY-MM-DD`; null (or absent) for none. */
export const goalTargetDateSchema = isoDateSchema.nullable();
export const goalWorkspaceIdSchema = z.string().regex(WORKSPACE_ID, 'is not a workspace id');

export { goalIdSchema };

/** `POST /api/goals`: without `workspaceId` the goal is the caller's personal goal. */
export const createGoalSchema = z.strictObject({
  title: goalTitleSchema,
  workspaceId: goalWorkspaceIdSchema.optional(),
  targetDate: goalTargetDateSchema.default(null),
  description: goalDescriptionSchema.default(null),
});
export type CreateGoalInput = z.infer<typeof createGoalSchema>;

/** `PATCH /api/goals/{goalId}`: the version last seen and at least one field to change (null clears). */
export const patchGoalSchema = z
  .strictObject({
    version: z.number().int().positive(),
    title: goalTitleSchema.optional(),
    description: goalDescriptionSchema.optional(),
    targetDate: goalTargetDateSchema.optional(),
  })
  .refine((body) => Object.keys(body).some((field) => field !== 'version'), {
    message: 'name at least one field to change besides version',
    when: (payload) => payload.issues.length === 0,
  });
export type PatchGoalInput = z.infer<typeof patchGoalSchema>;
export type GoalChanges = Omit<PatchGoalInput, 'version'>;

/** `GET /api/goals`: the caller's personal goals, or with `workspaceId` that workspace's goals. */
export const goalListFilterShape = { workspaceId: goalWorkspaceIdSchema.optional() };

/** `DELETE /api/goals/{goalId}?version=N`. */
export const deleteGoalQuerySchema = z.strictObject({ version: versionQuerySchema });

export interface Goal {
  id: string;
  title: string;
  description: string | null;
  targetDate: string | null;
  /** null for a personal goal. */
  workspaceId: string | null;
  /** Who created it (a personal goal's only reader). */
  ownerId: string;
  /** Linked live tasks that are not archived. */
  taskCount: number;
  /** Of those, the ones that are done. */
  doneCount: number;
  /** `doneCount / taskCount`, 0 when no task is linked. */
  progress: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}
