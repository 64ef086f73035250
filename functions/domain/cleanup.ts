import { newActivity, type ActivityRecord } from './activity.ts';
import { changesBetween, taskView, type TaskRecord } from './tasks.ts';

/**
 * What a deleted project, workspace or label leaves behind, and its removal. The delete requests themselves
 * only remove the object (and its guards) so they stay one small transaction; everything that hung off it is
 * removed here, after the fact, from the table's stream (functions/stream/cleanup.ts):
 * - a project: its tasks (each with everything stored with it) and its own items (sprints, project activity);
 * - a workspace: every item stored under it (members, invitations, labels, projects, guards), the invitations'
 *   token items and the workspace's goals. Removing its projects starts their own clean-up in turn, so there is
 *   one code path for a project however it went;
 * - a label: its id in the `labelIds` of every task of the workspace, live or deleted, each as a change of the
 *   task (version + 1, an activity by 'system') that never overwrites a concurrent change.
 * Every step can run again: a retry after a partial run (or a run out of time) finishes the job.
 */
export type Cleanup =
  | { kind: 'project'; workspaceId: string; projectId: string }
  | { kind: 'workspace'; workspaceId: string }
  | { kind: 'label'; workspaceId: string; labelId: string };

/** The key of a stored item, opaque here: the repository hands it out and takes it back. */
export type ItemKey = Record<string, string>;

export type TaskUpdateOutcome =
  | { ok: true }
  /** The stored task was not `before` any more: as it is now (undefined: gone). */
  | { current: TaskRecord | undefined };

/** Persistence of the clean-up (functions/store/cleanup-repository.ts). Pages are bounded units of work. */
export interface CleanupRepository {
  /** The ids of a project's tasks, live then deleted, a page at a time (from the project's indexes). */
  projectTaskIds(projectId: string): AsyncIterable<string[]>;
  /** Deletes everything stored with these tasks (subtasks, comments, activity, assignments), the tasks last. */
  deleteTasks(taskIds: string[]): Promise<void>;
  /** The project's own items (sprints, project activity), a page at a time. */
  projectItems(projectId: string): AsyncIterable<ItemKey[]>;
  /** Everything a workspace holds (its partition, invitation tokens, workspace goals), a page at a time. */
  workspaceItems(workspaceId: string): AsyncIterable<ItemKey[]>;
  deleteItems(keys: ItemKey[]): Promise<void>;
  /** A stable identity of a key, to recognise an item seen before. */
  keyId(key: ItemKey): string;
  workspaceExists(workspaceId: string): Promise<boolean>;
  /** The key of a project that still exists, else undefined. */
  projectKey(workspaceId: string, projectId: string): Promise<string | undefined>;
  /** Tasks of the workspace, live then deleted, that (as far as the indexes know) carry the label. */
  tasksCarryingLabel(workspaceId: string, labelId: string): AsyncIterable<TaskRecord[]>;
  /** `before` → `after` with the activity, in one transaction, only if the stored task is still `before`. */
  updateTask(before: TaskRecord, after: TaskRecord, activity: ActivityRecord): Promise<TaskUpdateOutcome>;
}

/** An invocation ran short of time with work left: the record fails, and its next delivery goes on. */
export class CleanupIncompleteError extends Error {
  constructor(what: string) {
    super(`Out of time cleaning up ${what}; the next attempt goes on from what is left`);
    this.name = 'CleanupIncompleteError';
  }
}

/** Who the activity of a clean-up change names as its actor. */
export const SYSTEM_ACTOR = 'system';

/** Attempts at one task's label removal when concurrent changes keep winning (each attempt re-reads). */
export const MAX_LABEL_ATTEMPTS = 10;

/** The task without `labelId`, as a change at `now`; undefined when the task does not carry it. */
export function withoutLabel(task: TaskRecord, labelId: string, now: string): TaskRecord | undefined {
  if (!task.labelIds.includes(labelId)) return undefined;
  return {
    ...task,
    labelIds: task.labelIds.filter((id) => id !== labelId),
    updatedAt: now,
    version: task.version + 1,
  };
}

/** The activity of a label's removal by the clean-up: an update of the task, `data` = the task after it. */
export function labelRemovalActivity(
  before: TaskRecord,
  after: TaskRecord,
  projectKey: string,
  now: Date,
): ActivityRecord {
  return newActivity(
    {
      actorId: SYSTEM_ACTOR,
      action: 'updated',
      entityType: 'task',
      entityId: after.id,
      projectId: after.projectId,
      workspaceId: after.workspaceId,
      taskId: after.id,
      changes: changesBetween(before, after),
      data: taskView(after, projectKey),
    },
    now,
  );
}

export interface CleanupOptions {
  clock?: () => Date;
  /** Whether there is time for another unit of work (a page); checked before each. */
  hasTime?: () => boolean;
}

export class CleanupService {
  private readonly clock: () => Date;
  private readonly hasTime: () => boolean;

  constructor(
    private readonly repository: CleanupRepository,
    options: CleanupOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.hasTime = options.hasTime ?? (() => true);
  }

  async run(cleanup: Cleanup): Promise<void> {
    if (cleanup.kind === 'project') return this.project(cleanup.projectId);
    if (cleanup.kind === 'workspace') return this.workspace(cleanup.workspaceId);
    return this.label(cleanup.workspaceId, cleanup.labelId);
  }

  private ensureTime(what: string): void {
    if (!this.hasTime()) throw new CleanupIncompleteError(what);
  }

  /**
   * Deletes pages of `pages()` until a full pass finds nothing new. The extra pass catches what was written
   * meanwhile (a change committed just before the owner went); skipping what this run already deleted keeps
   * an index that has not caught up yet from sending it round again.
   */
  private async drain(
    what: string,
    pages: () => AsyncIterable<string[]>,
    remove: (page: string[]) => Promise<void>,
  ): Promise<void> {
    const done = new Set<string>();
    for (;;) {
      let found = 0;
      for await (const page of pages()) {
        const fresh = page.filter((id) => !done.has(id));
        if (fresh.length === 0) continue;
        this.ensureTime(what);
        await remove(fresh);
        for (const id of fresh) done.add(id);
        found += fresh.length;
      }
      if (found === 0) return;
    }
  }

  /** Drains item keys (through their ids, so the same item is recognised across pages and passes). */
  private async drainItems(what: string, pages: () => AsyncIterable<ItemKey[]>): Promise<void> {
    const byId = new Map<string, ItemKey>();
    const repository = this.repository;
    async function* ids(): AsyncIterable<string[]> {
      for await (const page of pages()) {
        yield page.map((key) => {
          const id = repository.keyId(key);
          byId.set(id, key);
          return id;
        });
      }
    }
    await this.drain(what, ids, (page) => this.repository.deleteItems(page.map((id) => byId.get(id)!)));
  }

  /** A deleted project: its tasks with everything stored with them, then its own items. */
  async project(projectId: string): Promise<void> {
    const what = `project ${projectId}`;
    await this.drain(
      what,
      () => this.repository.projectTaskIds(projectId),
      (ids) => this.repository.deleteTasks(ids),
    );
    await this.drainItems(what, () => this.repository.projectItems(projectId));
  }

  /** A deleted workspace: everything it held. Its projects' REMOVE records then clean up their tasks. */
  async workspace(workspaceId: string): Promise<void> {
    await this.drainItems(`workspace ${workspaceId}`, () => this.repository.workspaceItems(workspaceId));
  }

  /** A deleted label: out of every task that carries it. */
  async label(workspaceId: string, labelId: string): Promise<void> {
    // A label removed with its workspace: the workspace's clean-up deletes the tasks themselves.
    if (!(await this.repository.workspaceExists(workspaceId))) return;
    const projectKeys = new Map<string, string | undefined>();
    const keyOf = async (task: TaskRecord) => {
      if (!projectKeys.has(task.projectId)) {
        projectKeys.set(task.projectId, await this.repository.projectKey(task.workspaceId, task.projectId));
      }
      return projectKeys.get(task.projectId);
    };
    for await (const page of this.repository.tasksCarryingLabel(workspaceId, labelId)) {
      for (const task of page) {
        this.ensureTime(`label ${labelId}`);
        await this.removeLabel(task, labelId, keyOf);
      }
    }
  }

  /**
   * One task's label removal, conditional on the task as read: when someone changed it meanwhile, the change
   * is applied to the task as it is now (their change kept), until it lands or the task no longer carries the
   * label (or is gone).
   */
  async removeLabel(
    task: TaskRecord,
    labelId: string,
    keyOf: (task: TaskRecord) => Promise<string | undefined>,
  ): Promise<'removed' | 'skipped'> {
    let current: TaskRecord | undefined = task;
    for (let attempt = 0; attempt < MAX_LABEL_ATTEMPTS; attempt++) {
      if (!current) return 'skipped';
      const now = this.clock();
      const after = withoutLabel(current, labelId, now.toISOString());
      if (!after) return 'skipped';
      // A task whose project is gone is deleted by that project's clean-up; nothing to rewrite.
      const projectKey = await keyOf(current);
      if (projectKey === undefined) return 'skipped';
      const outcome = await this.repository.updateTask(
        current,
        after,
        labelRemovalActivity(current, after, projectKey, now),
      );
      if ('ok' in outcome) return 'removed';
      current = outcome.current;
    }
    throw new Error(`Task ${task.id} kept changing; label ${labelId} not removed yet`);
  }
}
