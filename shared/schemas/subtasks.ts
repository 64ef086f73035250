import * as z from 'zod';
import { versionQuerySchema } from './projects.ts';

/**
 * Subtasks: a task's checklist (../shared/API.md, "Subtasks, comments, labels, activity"). Listed in creation
 * order; a bulk create (accepting AI suggestions) keeps the order of its `items`.
 */

export const SUBTASK_TITLE_MAX = 200;
export const ESTIMATED_HOURS_MAX = 1_000;
/**
 * At most this many subtasks in one bulk create. The create is one TransactWriteItems (at most 100 items) of
 * every subtask, one activity per subtask (so the change feed has one event per subtask, like any other create)
 * and the task's counters: 2 × 49 + 1 = 99.
 */
export const MAX_BULK_SUBTASKS = 49;

export const subtaskTitleSchema = z.string().trim().min(1, 'must not be blank').max(SUBTASK_TITLE_MAX);
/** Hours, fractions allowed (0.5); null for no estimate. */
export const estimatedHoursSchema = z.number().min(0).max(ESTIMATED_HOURS_MAX).nullable();

const newSubtaskSchema = z.strictObject({
  title: subtaskTitleSchema,
  estimatedHours: estimatedHoursSchema.default(null),
});

/** `POST /api/tasks/{taskId}/subtasks` with one subtask: `{ title, estimatedHours? }` → the subtask. */
export const createSubtaskSchema = newSubtaskSchema;
export type CreateSubtaskInput = z.infer<typeof createSubtaskSchema>;

/** The same route in bulk: `{ items: [{ title, estimatedHours? }] }` (1..49) → `{ items: [subtask...] }`. */
export const bulkCreateSubtasksSchema = z.strictObject({
  items: z.array(newSubtaskSchema).min(1).max(MAX_BULK_SUBTASKS),
});
export type BulkCreateSubtasksInput = z.infer<typeof bulkCreateSubtasksSchema>;

/** Whether a create body is the bulk form (it has `items`); the other form is validated otherwise. */
export const isBulkCreate = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && !Array.isArray(body) && 'items' in body;

/** `PATCH /api/subtasks/{subtaskId}`: the version last seen and at least one field to change. */
export const patchSubtaskSchema = z
  .strictObject({
    version: z.number().int().positive(),
    title: subtaskTitleSchema.optional(),
    done: z.boolean().optional(),
    estimatedHours: estimatedHoursSchema.optional(),
  })
  .refine((body) => Object.keys(body).some((field) => field !== 'version'), {
    message: 'name at least one field to change besides version',
    when: (payload) => payload.issues.length === 0,
  });
export type PatchSubtaskInput = z.infer<typeof patchSubtaskSchema>;

/**
 * `DELETE /api/subtasks/{subtaskId}?version=`: `version` is optional (the contract requires it only for tasks,
 * projects, comments and sprints); when sent, a stale one is a 409, when not, the subtask goes whatever changed.
 */
export const deleteSubtaskQuerySchema = z.strictObject({ version: versionQuerySchema.optional() });

export interface Subtask {
  id: string;
  taskId: string;
  projectId: string;
  workspaceId: string;
  title: string;
  done: boolean;
  estimatedHours: number | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** When it was last checked off; null while not done. */
  completedAt: string | null;
  version: number;
}
