import * as z from 'zod';
import { versionQuerySchema } from './projects.ts';
import { isoDateSchema, sprintIdSchema } from './tasks.ts';

/**
 * Sprints (../shared/API.md, "Sprints and goals"): time boxes of a project's work. A sprint is `planned`, then
 * `active` (at most one per project), then `completed`; completing one moves its unfinished tasks back to the
 * backlog or into a planned sprint of the same project (`carryOverTo`).
 */

export const SPRINT_STATUSES = ['planned', 'active', 'completed'] as const;
export type SprintStatus = (typeof SPRINT_STATUSES)[number];

export const SPRINT_NAME_MAX = 100;
export const SPRINT_GOAL_MAX = 500;
/** The longest sprint, in days (start and end included): a burndown has one entry a day. */
export const SPRINT_MAX_DAYS = 366;
/** How many of the last completed sprints the velocity covers. */
export const VELOCITY_SPRINTS = 10;

export { sprintIdSchema };

export const sprintStatusSchema = z.enum(SPRINT_STATUSES);
export const sprintNameSchema = z.string().trim().min(1, 'must not be blank').max(SPRINT_NAME_MAX);
/** Free text; null (or absent) for none. */
export const sprintGoalSchema = z.string().trim().max(SPRINT_GOAL_MAX).nullable();

/** Days from `startDate` to `endDate`, both included (0 or less when the end is before the start). */
export function sprintDays(startDate: string, endDate: string): number {
  return (
    Math.round((Date.parse(`${endDate}T00:00:00Z`) - Date.parse(`${startDate}T00:00:00Z`)) / 86_400_000) + 1
  );
}

/** The problem with a pair of sprint dates, or undefined when they make a sprint. */
export function sprintDatesProblem(startDate: string, endDate: string): string | undefined {
  const days = sprintDays(startDate, endDate);
  if (days < 1) return 'must not be before startDate';
  if (days > SPRINT_MAX_DAYS)
    return `must make a sprint of at most ${SPRINT_MAX_DAYS} days (both dates included)`;
  return undefined;
}

/** Checked only on an otherwise valid body, so an unknown or malformed field is reported alone. */
const noIssuesYet = (payload: { issues: unknown[] }) => payload.issues.length === 0;

const datesInOrder = <T extends { startDate?: string; endDate?: string }>(schema: z.ZodType<T>) =>
  schema.superRefine((body, ctx) => {
    if (body.startDate === undefined || body.endDate === undefined) return;
    const problem = sprintDatesProblem(body.startDate, body.endDate);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['endDate'] });
  });

/** `POST /api/projects/{projectId}/sprints`: a new sprint is `planned`. */
export const createSprintSchema = datesInOrder(
  z.strictObject({
    name: sprintNameSchema,
    goal: sprintGoalSchema.default(null),
    startDate: isoDateSchema,
    endDate: isoDateSchema,
  }),
);
export type CreateSprintInput = z.infer<typeof createSprintSchema>;

/**
 * `PATCH /api/sprints/{sprintId}`: the version last seen and at least one field. `status` moves the sprint on
 * (planned → active → completed only); `carryOverTo` goes with `status: completed` and names the planned sprint
 * of the same project that takes the unfinished tasks (absent or null: the backlog).
 */
export const patchSprintSchema = z
  .strictObject({
    version: z.number().int().positive(),
    name: sprintNameSchema.optional(),
    goal: sprintGoalSchema.optional(),
    startDate: isoDateSchema.optional(),
    endDate: isoDateSchema.optional(),
    status: sprintStatusSchema.optional(),
    carryOverTo: sprintIdSchema.nullable().optional(),
  })
  .refine((body) => Object.keys(body).some((field) => field !== 'version'), {
    message: 'name at least one field to change besides version',
    when: noIssuesYet,
  })
  .superRefine((body, ctx) => {
    if (body.carryOverTo !== undefined && body.status !== 'completed') {
      ctx.addIssue({ code: 'custom', message: 'goes only with status: completed', path: ['carryOverTo'] });
    }
    if (body.startDate !== undefined && body.endDate !== undefined) {
      const problem = sprintDatesProblem(body.startDate, body.endDate);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['endDate'] });
    }
  });
export type PatchSprintInput = z.infer<typeof patchSprintSchema>;

/** `DELETE /api/sprints/{sprintId}?version=N`. */
export const deleteSprintQuerySchema = z.strictObject({ version: versionQuerySchema });

/** `GET /api/projects/{projectId}/sprints?status=`: without `status`, every sprint. */
export const sprintListFilterShape = { status: sprintStatusSchema.optional() };

export interface Sprint {
  /** `<projectId>.<ulid>`. */
  id: string;
  projectId: string;
  workspaceId: string;
  name: string;
  goal: string | null;
  /** `YYYY-MM-DD`, both included. */
  startDate: string;
  endDate: string;
  status: SprintStatus;
  /** Story points of the sprint's tasks when it started (null until then). */
  committedPoints: number | null;
  /** Story points of its done tasks when it was completed (null until then). */
  completedPoints: number | null;
  startedAt: string | null;
  completedAt: string | null;
  /** Where completion moved the unfinished tasks: a sprint id, or null for the backlog (and before completion). */
  carryOverTo: string | null;
  /**
   * True while a completion is still moving unfinished tasks out (a completion that was interrupted stays so
   * until `PATCH { version, status: "completed" }` is sent again, which finishes it).
   */
  carryOverPending: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface BurndownDay {
  date: string;
  /** Story points not done by the end of that day; null for days still to come (or after the completion). */
  remainingPoints: number | null;
  /** The straight line from the committed points on the first day down to 0 on the last. */
  idealPoints: number;
}

/** `GET /api/sprints/{sprintId}/burndown`. */
export interface Burndown {
  sprintId: string;
  status: SprintStatus;
  days: BurndownDay[];
  /** Frozen when the sprint started; for a planned sprint, the points of its tasks now. */
  committedPoints: number;
  /** Points of the sprint's done tasks: so far, or as frozen at completion. */
  completedPoints: number;
}

export interface VelocitySprint {
  id: string;
  name: string;
  startDate: string;
  endDate: string;
  committedPoints: number;
  completedPoints: number;
  completedAt: string;
}

/** `GET /api/projects/{projectId}/velocity`: the last completed sprints, oldest first. */
export interface Velocity {
  sprints: VelocitySprint[];
  /** Mean completed points of those sprints (one decimal), null when none is completed yet. */
  averageCompletedPoints: number | null;
}
