import type { CreateSubtaskInput, PatchSubtaskInput, Subtask } from '#shared/schemas/subtasks';
import { ConflictError, ForbiddenError, NotFoundError, VersionConflictError } from '#functions/lib/errors';
import { newGrandchildId, parentOf, workspaceOf } from '#functions/lib/ids';
import type { Page } from '#functions/lib/pagination';
import { can } from './access.ts';
import { fieldChanges, type ActivityRecord } from './activity.ts';
import { taskChildActivity, taskChildRefusal, type TaskChildRefusal } from './task-children.ts';
import type { ProjectRecord, TaskRecord } from './tasks.ts';
import type { Caller, MembershipRecord } from './workspaces.ts';

// ---------------------------------------------------------------------------------------------------------
// Records and the repository (functions/store/subtask-repository.ts)
// ---------------------------------------------------------------------------------------------------------

/** A subtask as stored is the API's shape (the store adds its keys). */
export type SubtaskRecord = Subtask;

/** What one request reads up front, in one BatchGetItem. */
export interface SubtaskRead {
  membership?: MembershipRecord;
  task?: TaskRecord;
  subtask?: SubtaskRecord;
}

/** What a change adds to the task's counters (`subtaskCount`, `subtasksDone`). */
export interface CounterDelta {
  subtaskCount: number;
  subtasksDone: number;
}

/**
 * A change of subtasks of one task, written as ONE TransactWriteItems: each subtask put (new: if absent;
 * changed: if still at `before.version`) or deleted (if still at `before.version`), one activity each, and on
 * the task item either `ADD` of the counters or (nothing to count) a check, both on condition that the task
 * exists and is not deleted. The task's `version` is left alone: a checklist tick must not make someone's
 * open edit of the task stale.
 */
export interface SubtaskWrite {
  taskId: string;
  changes: Array<{ before?: SubtaskRecord; after?: SubtaskRecord }>;
  activities: ActivityRecord[];
  counters: CounterDelta;
}

/** Written, or refused (see TaskChildRefusal). */
export type SubtaskWriteOutcome = { ok: true } | TaskChildRefusal<'subtask', SubtaskRecord>;

export interface SubtaskRepository {
  /** The task, the user's membership of its workspace and (if asked) one of its subtasks: one BatchGetItem. */
  read(taskId: string, userId: string, subtaskId?: string): Promise<SubtaskRead>;
  /** The task's project, undefined when it is gone. */
  getProject(workspaceId: string, projectId: string): Promise<ProjectRecord | undefined>;
  /** A task's subtasks in creation order. */
  list(taskId: string, limit: number, cursor?: string): Promise<Page<SubtaskRecord>>;
  write(change: SubtaskWrite): Promise<SubtaskWriteOutcome>;
}

// ---------------------------------------------------------------------------------------------------------
// Pure rules (unit-tested in subtasks.test.ts)
// ---------------------------------------------------------------------------------------------------------

/** The fields an activity records changes of. */
export const SUBTASK_TRACKED_FIELDS = ['title', 'done', 'estimatedHours'] as const satisfies ReadonlyArray<
  keyof SubtaskRecord
>;

/** What going from `before` to `after` (either undefined: created / deleted) adds to the task's counters. */
export function counterDelta(
  before: Pick<SubtaskRecord, 'done'> | undefined,
  after: Pick<SubtaskRecord, 'done'> | undefined,
): CounterDelta {
  const count = (s: Pick<SubtaskRecord, 'done'> | undefined) => (s ? 1 : 0);
  const done = (s: Pick<SubtaskRecord, 'done'> | undefined) => (s?.done ? 1 : 0);
  return { subtaskCount: count(after) - count(before), subtasksDone: done(after) - done(before) };
}

/**
 * A subtask after `patch`: `completedAt` set when it is checked off, cleared when unchecked, kept while it stays
 * done. Bookkeeping (`updatedAt`, `version`) is the caller's.
 */
export function patched(subtask: SubtaskRecord, patch: Omit<PatchSubtaskInput, 'version'>, at: string) {
  const after: SubtaskRecord = { ...subtask, ...patch };
  if (after.done !== subtask.done) after.completedAt = after.done ? at : null;
  return after;
}

/**
 * Ids for `count` new subtasks of a task, ascending: the list is in id (creation) order, and ULIDs made in the
 * same millisecond are not ordered among themselves, so a bulk create hands out sorted ids in the order of its
 * items.
 */
export function orderedIds(taskId: string, count: number): string[] {
  return Array.from({ length: count }, () => newGrandchildId(taskId)).sort();
}

// ---------------------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------------------

/** How often a delete without `version` re-reads and tries again when the subtask changed meanwhile. */
const DELETE_ATTEMPTS = 3;

export class SubtaskService {
  constructor(
    private readonly repository: SubtaskRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * The task (and subtask) with the caller's membership: 404 for a non-member or anything missing (never leak
   * existence), 403 when the role may not `action`.
   */
  private async context(
    caller: Caller,
    taskId: string,
    action: 'workspace.read' | 'task.write',
    subtaskId?: string,
  ): Promise<{ task: TaskRecord; subtask?: SubtaskRecord }> {
    if (!workspaceOf(taskId)) throw new NotFoundError('No such task');
    const read = await this.repository.read(taskId, caller.userId, subtaskId);
    const what = subtaskId ? 'subtask' : 'task';
    if (!read.membership || !read.task) throw new NotFoundError(`No such ${what}`);
    if (subtaskId && !read.subtask) throw new NotFoundError('No such subtask');
    if (!can(read.membership.role, action)) throw new ForbiddenError();
    return { task: read.task, subtask: read.subtask };
  }

  /** A task whose project is gone is gone too; an archived project's tasks are read-only. */
  private async checkProject(task: TaskRecord, what: string): Promise<ProjectRecord> {
    const project = await this.repository.getProject(task.workspaceId, task.projectId);
    if (!project) throw new NotFoundError(`No such ${what}`);
    if (project.archived) throw new ConflictError('The project is archived; its tasks cannot change');
    return project;
  }

  private checkTaskLive(task: TaskRecord): void {
    if (task.deletedAt) throw new ConflictError('The task is deleted; restore it first');
  }

  /** Writes a change, turning a failed condition into the contract's answer. */
  private async commit(change: SubtaskWrite): Promise<void> {
    const outcome = await this.repository.write(change);
    if (!('ok' in outcome)) throw taskChildRefusal('subtask', outcome);
  }

  /** Creates one subtask or, in bulk, several (in the order given) in one transaction. */
  async create(caller: Caller, taskId: string, items: CreateSubtaskInput[]): Promise<Subtask[]> {
    const { task } = await this.context(caller, taskId, 'task.write');
    this.checkTaskLive(task);
    await this.checkProject(task, 'task');

    const now = this.clock();
    const at = now.toISOString();
    const ids = orderedIds(taskId, items.length);
    const subtasks: SubtaskRecord[] = items.map((item, index) => ({
      id: ids[index]!,
      taskId,
      projectId: task.projectId,
      workspaceId: task.workspaceId,
      title: item.title,
      done: false,
      estimatedHours: item.estimatedHours,
      createdBy: caller.userId,
      createdAt: at,
      updatedAt: at,
      completedAt: null,
      version: 1,
    }));
    await this.commit({
      taskId,
      changes: subtasks.map((after) => ({ after })),
      activities: subtasks.map((s) =>
        taskChildActivity('subtask', caller.userId, 'created', task, s.id, {}, s, now),
      ),
      counters: { subtaskCount: subtasks.length, subtasksDone: 0 },
    });
    return subtasks;
  }

  async list(caller: Caller, taskId: string, limit: number, cursor?: string): Promise<Page<Subtask>> {
    // The list is read alongside the membership; nothing of it is returned unless the caller may read it.
    const [{ task }, page] = await Promise.all([
      this.context(caller, taskId, 'workspace.read'),
      this.repository.list(taskId, limit, cursor),
    ]);
    if (!(await this.repository.getProject(task.workspaceId, task.projectId)))
      throw new NotFoundError('No such task');
    return page;
  }

  async patch(caller: Caller, subtaskId: string, input: PatchSubtaskInput): Promise<Subtask> {
    const { version, ...fields } = input;
    const taskId = parentOf(subtaskId);
    if (!taskId) throw new NotFoundError('No such subtask');
    const { task, subtask } = await this.context(caller, taskId, 'task.write', subtaskId);
    if (subtask!.version !== version) throw new VersionConflictError(subtask);
    this.checkTaskLive(task);
    await this.checkProject(task, 'subtask');

    const now = this.clock();
    const at = now.toISOString();
    const after = patched(subtask!, fields, at);
    const changes = fieldChanges(subtask!, after, SUBTASK_TRACKED_FIELDS);
    // Nothing differs from what is stored: no write, no new version, no activity.
    if (Object.keys(changes).length === 0) return subtask!;
    after.updatedAt = at;
    after.version = subtask!.version + 1;
    await this.commit({
      taskId,
      changes: [{ before: subtask, after }],
      activities: [
        taskChildActivity('subtask', caller.userId, 'updated', task, subtaskId, changes, after, now),
      ],
      counters: counterDelta(subtask, after),
    });
    return after;
  }

  /**
   * Deletes a subtask. With `version`, a stale one is a 409; without, the subtask goes whatever changed
   * meanwhile (the write is still conditional on the version read, so the counters stay exact: a subtask
   * checked off between the read and the write is read again).
   */
  async delete(caller: Caller, subtaskId: string, version?: number): Promise<void> {
    const taskId = parentOf(subtaskId);
    if (!taskId) throw new NotFoundError('No such subtask');
    for (let attempt = 1; ; attempt++) {
      const { task, subtask } = await this.context(caller, taskId, 'task.write', subtaskId);
      if (version !== undefined && subtask!.version !== version) throw new VersionConflictError(subtask);
      this.checkTaskLive(task);
      await this.checkProject(task, 'subtask');
      const now = this.clock();
      try {
        await this.commit({
          taskId,
          changes: [{ before: subtask }],
          activities: [
            taskChildActivity('subtask', caller.userId, 'deleted', task, subtaskId, {}, null, now),
          ],
          counters: counterDelta(subtask, undefined),
        });
        return;
      } catch (error) {
        if (version !== undefined || attempt >= DELETE_ATTEMPTS || !(error instanceof VersionConflictError))
          throw error;
      }
    }
  }
}
