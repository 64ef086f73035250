import type { ActivityAction, FieldChange } from '#shared/schemas/tasks';
import { ConflictError, NotFoundError, VersionConflictError, type AppError } from '#functions/lib/errors';
import { newActivity, type ActivityRecord } from './activity.ts';
import type { TaskRecord } from './tasks.ts';

/**
 * What subtasks and comments share as parts of one task: their activity shows in the task's history, and their
 * writes are one transaction with a condition on the task item (live, not deleted) and one on the part itself.
 */
export type TaskChild = 'subtask' | 'comment';

/** The activity of a change of one of `task`'s subtasks or comments (`data`: the part after, null if gone). */
export function taskChildActivity(
  entityType: TaskChild,
  actorId: string,
  action: ActivityAction,
  task: Pick<TaskRecord, 'id' | 'projectId' | 'workspaceId'>,
  entityId: string,
  changes: Record<string, FieldChange>,
  data: object | null,
  now: Date,
): ActivityRecord {
  return newActivity(
    {
      actorId,
      action,
      entityType,
      entityId,
      projectId: task.projectId,
      workspaceId: task.workspaceId,
      taskId: task.id,
      changes,
      data,
    },
    now,
  );
}

/**
 * How the write of a task's part can be refused: lost to concurrent transactions every time (`busy`), the
 * task's condition failed (`task`: the stored one, undefined when gone), or the part's own (under its name:
 * the stored part, undefined when gone).
 */
export type TaskChildRefusal<K extends TaskChild, T> =
  { busy: true } | { task: TaskRecord | undefined } | { [P in K]: T | undefined };

/** The contract's answer to a refused write of a `child` of a task. */
export function taskChildRefusal<K extends TaskChild, T extends object>(
  child: K,
  refusal: TaskChildRefusal<K, T>,
): AppError {
  if ('busy' in refusal)
    return new ConflictError('The task is being changed by many people at once; try again');
  if ('task' in refusal) {
    return refusal.task
      ? new ConflictError('The task is deleted; restore it first')
      : new NotFoundError('No such task');
  }
  const current = (refusal as { [P in K]: T | undefined })[child];
  return current ? new VersionConflictError(current) : new NotFoundError(`No such ${child}`);
}
