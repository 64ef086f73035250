import type { Sprint } from '../../../shared/schemas/sprints.ts';
import type { Task } from '../../../shared/schemas/tasks.ts';

/**
 * Sprint planning (the Sprints view): the backlog (tasks of the project in no sprint and not finished) beside a
 * planned or active sprint; a task dragged from one to the other is one `PATCH { version, sprintId }`.
 */

export const BACKLOG_DROPPABLE = 'plan:backlog';
export const sprintDroppableId = (sprintId: string) => `plan:sprint:${sprintId}`;

/** The sprint a drop target stands for: null for the backlog, undefined for anything else. */
export function sprintOfDroppable(id: string): string | null | undefined {
  if (id === BACKLOG_DROPPABLE) return null;
  return id.startsWith('plan:sprint:') ? id.slice('plan:sprint:'.length) : undefined;
}

/** A backlog task: in no sprint, not done or archived, not deleted. */
export const isBacklogTask = (task: Pick<Task, 'sprintId' | 'status' | 'deletedAt'>) =>
  task.sprintId === null && task.status !== 'done' && task.status !== 'archived' && !task.deletedAt;

/** The sprint the plan shows by default: the active one, else the first planned one, else none. */
export function planningSprint(sprints: readonly Sprint[]): Sprint | undefined {
  return sprints.find((s) => s.status === 'active') ?? sprints.find((s) => s.status === 'planned');
}

/** Tasks can join or leave a planned or an active sprint, not a completed one. */
export const canPlan = (sprint: Pick<Sprint, 'status'>) => sprint.status !== 'completed';

/**
 * What dropping `task` on the drop target `overId` changes: its new `sprintId`, or null when nothing changes
 * (dropped where it already is, or on something that is not a plan list).
 */
export function planDrop(task: Pick<Task, 'sprintId'>, overId: string): { sprintId: string | null } | null {
  const sprintId = sprintOfDroppable(overId);
  if (sprintId === undefined || sprintId === task.sprintId) return null;
  return { sprintId };
}

/** Story points of a list of tasks (unestimated tasks count 0). */
export const totalPoints = (tasks: readonly Pick<Task, 'storyPoints'>[]) =>
  tasks.reduce((sum, t) => sum + (t.storyPoints ?? 0), 0);
