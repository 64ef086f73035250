import { createHash } from 'node:crypto';
import { encodeTime } from 'ulid';
import { RANK_ALPHABET, rankBetween } from '#shared/rank';
import {
  RESTORE_DAYS,
  TASK_STATUSES,
  type Activity,
  type ActivityAction,
  type CreateTaskInput,
  type FieldChange,
  type ChangesPage,
  type MoveTaskInput,
  type MyTasksQuery,
  type PatchTaskInput,
  type Task,
  type TaskFilters,
  type TaskStatus,
} from '#shared/schemas/tasks';
import type { ErrorDetail } from '#shared/errors';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  VersionConflictError,
} from '#functions/lib/errors';
import { newChildId, workspaceOf } from '#functions/lib/ids';
import type { Page } from '#functions/lib/pagination';
import { can } from './access.ts';
import { activityView, changeEvent, fieldChanges, newActivity, type ActivityRecord } from './activity.ts';

export { ACTIVITY_TEXT_MAX, activityView, type ActivityRecord } from './activity.ts';
import type { Caller, MembershipRecord } from './workspaces.ts';
import { coverProblem } from '#shared/schemas/attachments';
import type { AttachmentRecord } from './attachments.ts';

// ---------------------------------------------------------------------------------------------------------
// Records and the repository (functions/store/task-repository.ts)
// ---------------------------------------------------------------------------------------------------------

/**
 * A task as stored; the API's shape adds `key`, derived from the project's current key when read. The cover is
 * optional here (absent = none): only a change sets it, never a creation.
 */
export type TaskRecord = Omit<Task, 'key' | 'coverAttachmentId' | 'coverUrl'> & {
  coverAttachmentId?: string | null;
};

/** What tasks need of the project item (written by the projects code). */
export interface ProjectRecord {
  id: string;
  workspaceId: string;
  key: string;
  archived: boolean;
  /** The last task number given out; undefined only on an item written before counters existed. */
  taskSeq: number | undefined;
}

/** Everything one request needs to read up front, fetched in one BatchGetItem. */
export interface ReadRequest {
  workspaceId: string;
  userId: string;
  projectId?: string;
  taskIds?: string[];
  /** Users who must be members of the workspace (assignees). */
  memberIds?: string[];
  labelIds?: string[];
  /** A sprint (`<projectId>.<ulid>`) and a goal the body links the task to. */
  sprintId?: string;
  goalId?: string;
  /** An attachment a change makes the task's cover (shared/schemas/attachments.ts, coverProblem). */
  coverAttachmentId?: string;
}

/** Due dates are `YYYY-MM-DD`; `from`/`to` inclusive, `before` exclusive; no status: open work only. */
export interface AssignedQuery {
  from?: string;
  to?: string;
  before?: string;
  status?: TaskStatus;
}

export interface AcrossRequest {
  taskIds: string[];
  workspaceIds: string[];
  projects: Array<{ workspaceId: string; projectId: string }>;
}

export interface AcrossResult {
  tasks: Map<string, TaskRecord>;
  /** The workspaces (of those asked) the user is a member of. */
  memberOf: Set<string>;
  projects: Map<string, ProjectRecord>;
}

/** References checked again inside the write's transaction (they may go between the read and the write). */
export type ReferenceField = 'labelIds' | 'assigneeIds' | 'goalId' | 'sprintId' | 'coverAttachmentId';

/** What tasks need of a sprint: whether it is of the project and still takes tasks. */
export interface SprintRef {
  id: string;
  projectId: string;
  status: 'planned' | 'active' | 'completed';
}

/** What tasks need of a goal: whose it is, and whether it still exists. */
export interface GoalRef {
  id: string;
  workspaceId: string | null;
  ownerId: string;
  deleted: boolean;
}

export interface ReadResult {
  /** The caller's membership of the workspace. */
  membership?: MembershipRecord;
  project?: ProjectRecord;
  tasks: Map<string, TaskRecord>;
  /** Those of `memberIds` who are members. */
  memberIds: Set<string>;
  /** Those of `labelIds` that exist in the workspace. */
  labelIds: Set<string>;
  sprint?: SprintRef;
  goal?: GoalRef;
  /** The attachment asked for as `coverAttachmentId`, if it exists. */
  cover?: AttachmentRecord;
}

/** What the creation's transaction came to. */
export type InsertOutcome =
  | { ok: true }
  /** A label, assignee, sprint or goal the task refers to went away since it was read. */
  | { reference: ReferenceField }
  /** The project is archived or gone. */
  | { project: 'archived' | 'gone' }
  /** Lost to concurrent transactions on the project item on every try (cloud: TransactionConflict). */
  | { busy: true };

/** A change of one task, written as one transaction with its activity (and the project's count, if any). */
export interface TaskWrite {
  before: TaskRecord;
  after: TaskRecord;
  activity: ActivityRecord;
  /** Added to the project's live task count (-1 on delete, +1 on restore), in the same transaction. */
  taskCountDelta?: 1 | -1;
  /** Tasks that must still sit where they were read (the neighbours named by a move). */
  unchanged?: Array<{ field: string; task: TaskRecord }>;
}

export type WriteOutcome =
  | { ok: true }
  /** The task's condition failed; `current` is the stored task (undefined if gone). */
  | { task: TaskRecord | undefined }
  /** The project refused the count change: archived or gone. */
  | { project: true }
  /** A task listed in `unchanged` moved or went. */
  | { moved: string }
  /** A label, assignee or goal the task now refers to went away since it was read. */
  | { reference: ReferenceField };

export interface TaskRepository {
  read(request: ReadRequest): Promise<ReadResult>;
  getProject(workspaceId: string, projectId: string): Promise<ProjectRecord | undefined>;
  getTask(taskId: string): Promise<TaskRecord | undefined>;
  /** The bottom task of a column (skipping `exceptId`), or undefined for an empty column. */
  lastInColumn(projectId: string, status: TaskStatus, exceptId?: string): Promise<TaskRecord | undefined>;
  /** The task directly below (or above) `of` in its column, skipping `exceptId`. */
  nextInColumn(
    of: TaskRecord,
    direction: 'below' | 'above',
    exceptId: string,
  ): Promise<TaskRecord | undefined>;
  /**
   * The project's next task number: adds 1 to its counter (one UpdateItem on an item of its own, an atomic
   * counter that never waits for anyone), which starts from `floor` (the project item's `taskSeq`, the numbers
   * taken before the counter had its own item), and answers the new value.
   */
  takeNumber(workspaceId: string, projectId: string, floor: number): Promise<number>;
  /**
   * Creates the task in one transaction: the project (live, not archived; `taskCount` + 1), the task, its
   * activity and followers.
   */
  insert(task: TaskRecord, activity: ActivityRecord): Promise<InsertOutcome>;
  write(change: TaskWrite): Promise<WriteOutcome>;
  list(projectId: string, filters: TaskFilters, limit: number, cursor?: string): Promise<Page<TaskRecord>>;
  taskActivity(taskId: string, limit: number, cursor?: string): Promise<Page<ActivityRecord>>;
  /** A user's assignment entries by due date (GSI2), within the range, of one status or of open work. */
  assigned(
    userId: string,
    query: AssignedQuery,
    limit: number,
    cursor?: string,
  ): Promise<Page<AssignmentRecord>>;
  /** Tasks, the user's memberships of workspaces, and projects, read together (one BatchGetItem). */
  readAcross(userId: string, refs: AcrossRequest): Promise<AcrossResult>;
  /** A workspace's live tasks whose title or description contains `q` (lower case), most recently updated first. */
  search(workspaceId: string, q: string, limit: number, cursor?: string): Promise<Page<TaskRecord>>;
  /** A project's activities from the activity id `fromId` on, oldest first. */
  changes(
    projectId: string,
    fromId: string,
    limit: number,
  ): Promise<{ items: ActivityRecord[]; hasMore: boolean }>;
  projectActivity(projectId: string, limit: number, cursor?: string): Promise<Page<ActivityRecord>>;
}

// ---------------------------------------------------------------------------------------------------------
// Pure rules (unit-tested in tasks.test.ts)
// ---------------------------------------------------------------------------------------------------------

/** A column's place in board order; the board index sorts on `<statusIndex>#<rank>`. */
export function statusIndex(status: TaskStatus): number {
  return TASK_STATUSES.indexOf(status);
}

export function statusAt(index: number): TaskStatus | undefined {
  return TASK_STATUSES[index];
}

/** The API's shape of a task: `key` from the project's key as it is now. */
export function taskView(task: TaskRecord, projectKey: string): Task {
  return {
    id: task.id,
    number: task.number,
    key: `${projectKey}-${task.number}`,
    projectId: task.projectId,
    workspaceId: task.workspaceId,
    title: task.title,
    description: task.description,
    status: task.status,
    priority: task.priority,
    storyPoints: task.storyPoints,
    dueDate: task.dueDate,
    assigneeIds: task.assigneeIds,
    labelIds: task.labelIds,
    sprintId: task.sprintId,
    goalId: task.goalId,
    parentId: task.parentId,
    rank: task.rank,
    subtaskCount: task.subtaskCount,
    subtasksDone: task.subtasksDone,
    commentCount: task.commentCount,
    attachmentCount: task.attachmentCount,
    coverAttachmentId: task.coverAttachmentId ?? null,
    createdBy: task.createdBy,
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
    completedAt: task.completedAt,
    deletedAt: task.deletedAt,
    version: task.version,
  };
}

/**
 * The fields an activity records changes of: what people change, plus what follows from it (`rank` and
 * `completedAt` on a status change, `deletedAt` on delete/restore). Bookkeeping (`version`, `updatedAt`) and
 * counters kept by other resources are left out.
 */
export const TRACKED_FIELDS = [
  'title',
  'description',
  'status',
  'priority',
  'storyPoints',
  'dueDate',
  'assigneeIds',
  'labelIds',
  'sprintId',
  'goalId',
  'parentId',
  'coverAttachmentId',
  'rank',
  'completedAt',
  'deletedAt',
] as const satisfies ReadonlyArray<keyof TaskRecord>;

/** Field-level changes `{ field: { from, to } }` between two states of a task: exactly the fields that differ. */
export function changesBetween(before: TaskRecord, after: TaskRecord): Record<string, FieldChange> {
  return fieldChanges(before, after, TRACKED_FIELDS);
}

/** `status: done` sets completedAt (kept while the task stays done); any other status clears it. */
export function completedAtAfter(
  before: { status: TaskStatus; completedAt: string | null } | undefined,
  status: TaskStatus,
  now: string,
): string | null {
  if (status !== 'done') return null;
  return before?.status === 'done' && before.completedAt ? before.completedAt : now;
}

/**
 * Whether `at` is at most RESTORE_DAYS before `now`: a task deleted then may still be restored, and the change
 * feed still holds the events since then (the daily housekeeping purges deleted tasks past the window).
 */
export function withinRestoreWindow(at: string, now: Date): boolean {
  return now.getTime() - Date.parse(at) <= RESTORE_DAYS * 86_400_000;
}

/** The calendar day (`YYYY-MM-DD`) it is at `now` in `timeZone`. */
export function dayIn(timeZone: string, now: Date): string {
  try {
    return new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

/** `YYYY-MM-DD` plus `days`. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The due-date range of a "My day" query, from the caller's today. */
export function dueRange(due: MyTasksQuery['due'], today: string): Omit<AssignedQuery, 'status'> {
  switch (due) {
    case 'today':
      return { from: today, to: today };
    case 'week':
      return { from: today, to: addDays(today, 6) };
    case 'overdue':
      return { before: today };
    case 'all':
      return {};
  }
}

/**
 * The change feed's `until` when nothing more is waiting: a few seconds before now, so a change stamped just
 * before the read but committed (or indexed) just after it is still inside the next call's window.
 */
export const CHANGES_SETTLE_MS = 5_000;

/** The smallest activity id of the millisecond `since`: the feed's lower bound. */
export function activityIdAt(since: string): string {
  return encodeTime(Math.max(0, Date.parse(since)), 10) + '0'.repeat(16);
}

/**
 * What a task adds to its goal's counters: a live task that is not archived counts, and counts as done when its
 * status is done. Progress is `doneCount / taskCount` of the goal.
 */
export function goalContribution(
  task: Pick<TaskRecord, 'goalId' | 'status' | 'deletedAt'>,
): { goalId: string; tasks: number; done: number } | undefined {
  if (!task.goalId || task.deletedAt || task.status === 'archived') return undefined;
  return { goalId: task.goalId, tasks: 1, done: task.status === 'done' ? 1 : 0 };
}

/** Changes of goal counters (per goal, non-zero only) when a task goes from `before` to `after`. */
export function goalDeltas(
  before: Pick<TaskRecord, 'goalId' | 'status' | 'deletedAt'> | undefined,
  after: Pick<TaskRecord, 'goalId' | 'status' | 'deletedAt'>,
): Array<{ goalId: string; tasks: number; done: number }> {
  const deltas = new Map<string, { goalId: string; tasks: number; done: number }>();
  const add = (c: ReturnType<typeof goalContribution>, sign: 1 | -1) => {
    if (!c) return;
    const d = deltas.get(c.goalId) ?? { goalId: c.goalId, tasks: 0, done: 0 };
    d.tasks += sign * c.tasks;
    d.done += sign * c.done;
    deltas.set(c.goalId, d);
  };
  if (before) add(goalContribution(before), -1);
  add(goalContribution(after), 1);
  return [...deltas.values()].filter((d) => d.tasks !== 0 || d.done !== 0);
}

/**
 * The "My day" entries of a task: one per assignee while the task is live, carrying what the view filters on.
 * The store keeps them in step with the task in the task's own transactions.
 */
export interface AssignmentRecord {
  taskId: string;
  userId: string;
  workspaceId: string;
  projectId: string;
  dueDate: string | null;
  status: TaskStatus;
}

export function assignmentsOf(task: TaskRecord): AssignmentRecord[] {
  if (task.deletedAt) return [];
  return task.assigneeIds.map((userId) => ({
    taskId: task.id,
    userId,
    workspaceId: task.workspaceId,
    projectId: task.projectId,
    dueDate: task.dueDate,
    status: task.status,
  }));
}

/**
 * Two rank digits of the task's own, appended to a new rank: `rankBetween` is deterministic, so two tasks put
 * into the same gap at the same time (two people dragging cards to the top of one column, or two appends whose
 * read of the column's last rank did not see the other) would otherwise get equal ranks and lose their order.
 * The tail makes that a 1-in-3,782 event; it depends only on the task id, so tests and servers agree.
 */
export function rankTail(taskId: string): string {
  const hash = createHash('sha256').update(taskId).digest();
  const base = RANK_ALPHABET.length;
  // The last digit is never '0' (no valid rank ends in it).
  return RANK_ALPHABET.charAt(hash[0]! % base) + RANK_ALPHABET.charAt(1 + (hash[1]! % (base - 1)));
}

/**
 * Appended to a created task's rank: its number in four base-62 digits (fixed width, so string order is number
 * order up to 62⁴ - 1) and a non-zero last digit, as a valid rank needs.
 */
export function numberTail(taskNumber: number): string {
  let tail = '';
  for (let i = 0, n = taskNumber; i < 4; i++, n = Math.floor(n / 62))
    tail = RANK_ALPHABET.charAt(n % 62) + tail;
  return tail + 'V';
}

/**
 * The rank for `taskId` between `above` and `below` (either null = open end): `rankBetween(above, below)`,
 * extended by the task's tail when that still sorts before `below` (it always sorts after the plain rank, so
 * after `above`). Throws RangeError when `above >= below`.
 */
export function placeRank(above: string | null, below: string | null, taskId: string): string {
  const base = rankBetween(above, below);
  const tailed = base + rankTail(taskId);
  return below === null || tailed < below ? tailed : base;
}

/**
 * The rank of the task numbered `taskNumber` created at the bottom of a column whose last task (as read) is
 * `last`. Created tasks commit in parallel, so the one read as last may be a creation numbered after this one;
 * their ranks must still follow their numbers. So a run of creations shares one base, and the number tail
 * orders the run: when `last` is itself a creation still where it was put (its rank is a base plus its own
 * number tail), the new rank is that base plus this number's tail; otherwise (an empty column, or a task moved
 * or restored to the bottom) a new run starts at the step after `last`. Every creation of a burst reads either
 * the bottom from before the burst or a member of the run that bottom started, so all take the same base: the
 * burst's ranks are unique and in number order, whatever order the creations commit in. A card moved to the
 * bottom meanwhile starts a new run under it.
 */
export function creationRank(
  last: Pick<TaskRecord, 'rank' | 'number'> | undefined,
  taskNumber: number,
): string {
  const tail = numberTail(taskNumber);
  if (last) {
    const lastTail = numberTail(last.number);
    const base = last.rank.slice(0, -lastTail.length);
    if (base && last.rank.endsWith(lastTail)) return base + tail;
  }
  return rankBetween(last?.rank ?? null, null) + tail;
}

/** How deep `parentId` chains may go (also bounds the cycle check's reads). */
export const MAX_NESTING = 10;

// ---------------------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------------------

const referenceGone = (field: ReferenceField) =>
  new ValidationError([{ field, message: 'names something that was removed meanwhile' }]);
const archived = () => new ConflictError('The project is archived; restore it to add tasks');
const tooBusy = () =>
  new ConflictError('Too many tasks are being created in this project at once; try again');

type References = Pick<CreateTaskInput, 'assigneeIds' | 'labelIds' | 'sprintId' | 'goalId' | 'parentId'>;

export class TaskService {
  constructor(
    private readonly repository: TaskRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  // --- access ---------------------------------------------------------------------------------------------

  /** The caller's membership, or 404 (never leak existence); 403 when the role may not `action`. */
  private member(read: ReadResult, what: string, action: 'workspace.read' | 'task.write'): MembershipRecord {
    if (!read.membership) throw new NotFoundError(`No such ${what}`);
    if (!can(read.membership.role, action)) throw new ForbiddenError();
    return read.membership;
  }

  /** Owners and admins delete and restore any task; members the tasks they created. */
  private mayDelete(membership: MembershipRecord, task: TaskRecord): boolean {
    return (
      can(membership.role, 'task.delete.any') ||
      (can(membership.role, 'task.write') && task.createdBy === membership.userId)
    );
  }

  /** Reads a task (plus whatever the request needs) with the caller's membership, in one BatchGetItem. */
  private async readTask(
    caller: Caller,
    taskId: string,
    extra: Omit<ReadRequest, 'workspaceId' | 'userId'> = {},
  ): Promise<{ read: ReadResult; task: TaskRecord; workspaceId: string }> {
    const workspaceId = workspaceOf(taskId);
    if (!workspaceId) throw new NotFoundError('No such task');
    const read = await this.repository.read({
      ...extra,
      workspaceId,
      userId: caller.userId,
      taskIds: [taskId, ...(extra.taskIds ?? [])],
    });
    const task = read.tasks.get(taskId);
    if (!task || !read.membership) throw new NotFoundError('No such task');
    return { read, task, workspaceId };
  }

  /** The project of a task (its key names the task); a task whose project is gone is gone too. */
  private async projectOf(task: TaskRecord): Promise<ProjectRecord> {
    const project = await this.repository.getProject(task.workspaceId, task.projectId);
    if (!project) throw new NotFoundError('No such task');
    return project;
  }

  // --- validation of references ---------------------------------------------------------------------------

  /**
   * Ids the body refers to, checked against what was read: assignees are members, labels exist in the
   * workspace, the parent is a live task of the same project (and not the task itself or below it), sprint and
   * goal ids are of this workspace.
   */
  private async checkReferences(
    refs: Partial<References>,
    read: ReadResult,
    workspaceId: string,
    projectId: string,
    callerId: string,
    taskId?: string,
  ): Promise<void> {
    const details: ErrorDetail[] = [];
    for (const userId of refs.assigneeIds ?? []) {
      if (!read.memberIds.has(userId))
        details.push({ field: 'assigneeIds', message: `${userId} is not a member of this workspace` });
    }
    for (const labelId of refs.labelIds ?? []) {
      if (!read.labelIds.has(labelId))
        details.push({ field: 'labelIds', message: `${labelId} is not a label of this workspace` });
    }
    if (refs.sprintId) {
      const sprint = read.sprint;
      if (!sprint || sprint.projectId !== projectId)
        details.push({ field: 'sprintId', message: 'is not a sprint of this project' });
      else if (sprint.status === 'completed')
        details.push({ field: 'sprintId', message: 'is a completed sprint' });
    }
    if (refs.goalId) {
      const goal = read.goal;
      const usable =
        goal &&
        !goal.deleted &&
        (goal.workspaceId === workspaceId || (goal.workspaceId === null && goal.ownerId === callerId));
      if (!usable) details.push({ field: 'goalId', message: 'is not a goal of this workspace or of yours' });
    }
    if (refs.parentId) {
      const parent = read.tasks.get(refs.parentId);
      if (refs.parentId === taskId) {
        details.push({ field: 'parentId', message: 'cannot be the task itself' });
      } else if (!parent || parent.projectId !== projectId || parent.deletedAt) {
        details.push({ field: 'parentId', message: 'is not a task of this project' });
      } else if (taskId) {
        const problem = await this.parentChainProblem(parent, taskId);
        if (problem) details.push({ field: 'parentId', message: problem });
      }
    }
    if (details.length) throw new ValidationError(details);
  }

  /** Walks up from a new parent: the task must not be its own ancestor, and chains stay MAX_NESTING deep. */
  private async parentChainProblem(parent: TaskRecord, taskId: string): Promise<string | undefined> {
    let current: TaskRecord | undefined = parent;
    for (let depth = 1; current?.parentId; depth++) {
      if (current.parentId === taskId) return 'would make the task its own ancestor';
      if (depth >= MAX_NESTING) return `nests deeper than ${MAX_NESTING} levels`;
      current = await this.repository.getTask(current.parentId);
    }
    return undefined;
  }

  private activity(
    caller: Caller,
    action: ActivityAction,
    after: TaskRecord,
    changes: Record<string, FieldChange>,
    data: Task | null,
    now: Date,
  ): ActivityRecord {
    return newActivity(
      {
        actorId: caller.userId,
        action,
        entityType: 'task',
        entityId: after.id,
        projectId: after.projectId,
        workspaceId: after.workspaceId,
        taskId: after.id,
        changes,
        data,
      },
      now,
    );
  }

  // --- operations -----------------------------------------------------------------------------------------

  /**
   * Creates a task with the project's next number, taken from the project's atomic counter (`takeNumber`), so
   * creations in one project run in parallel: numbers are unique, never reused and increase in the order
   * creations take them. Input and references are checked first, so most refusals take no number; one refused
   * after taking it (a reference removed or the project archived meanwhile) leaves its number unused, a gap.
   * The column's bottom is read while the number is taken; `creationRank` keeps a burst's ranks in number order.
   */
  async create(caller: Caller, projectId: string, input: CreateTaskInput): Promise<Task> {
    const workspaceId = workspaceOf(projectId);
    if (!workspaceId) throw new NotFoundError('No such project');
    const read = await this.repository.read({
      workspaceId,
      userId: caller.userId,
      projectId,
      taskIds: input.parentId ? [input.parentId] : [],
      memberIds: input.assigneeIds,
      labelIds: input.labelIds,
      sprintId: input.sprintId ?? undefined,
      goalId: input.goalId ?? undefined,
    });
    const project = read.project;
    if (!project) throw new NotFoundError('No such project');
    this.member(read, 'project', 'task.write');
    await this.checkReferences(input, read, workspaceId, projectId, caller.userId);
    if (project.archived) throw archived();

    const [taken, last] = await Promise.all([
      this.repository.takeNumber(workspaceId, projectId, project.taskSeq ?? 0),
      this.repository.lastInColumn(projectId, input.status),
    ]);
    const now = this.clock();
    const at = now.toISOString();
    const task: TaskRecord = {
      id: newChildId(workspaceId),
      number: taken,
      projectId,
      workspaceId,
      title: input.title,
      description: input.description,
      status: input.status,
      priority: input.priority,
      storyPoints: input.storyPoints,
      dueDate: input.dueDate,
      assigneeIds: input.assigneeIds,
      labelIds: input.labelIds,
      sprintId: input.sprintId,
      goalId: input.goalId,
      parentId: input.parentId,
      rank: creationRank(last, taken),
      subtaskCount: 0,
      subtasksDone: 0,
      commentCount: 0,
      attachmentCount: 0,
      createdBy: caller.userId,
      createdAt: at,
      updatedAt: at,
      completedAt: completedAtAfter(undefined, input.status, at),
      deletedAt: null,
      version: 1,
    };
    const view = taskView(task, project.key);
    const outcome = await this.repository.insert(task, this.activity(caller, 'created', task, {}, view, now));
    if ('ok' in outcome) return view;
    if ('reference' in outcome) throw referenceGone(outcome.reference);
    if ('project' in outcome)
      throw outcome.project === 'archived' ? archived() : new NotFoundError('No such project');
    throw tooBusy();
  }

  async get(caller: Caller, taskId: string): Promise<Task> {
    const { task } = await this.readTask(caller, taskId);
    return taskView(task, (await this.projectOf(task)).key);
  }

  /** Checks shared by every change of an existing task: version, not deleted, project not archived. */
  private checkWritable(task: TaskRecord, project: ProjectRecord, version: number | undefined): void {
    if (version !== undefined && task.version !== version)
      throw new VersionConflictError(taskView(task, project.key));
    if (task.deletedAt) throw new ConflictError('The task is deleted; restore it first');
    if (project.archived) throw new ConflictError('The project is archived; its tasks cannot change');
  }

  /** Writes a change, turning a failed condition into the contract's answer. */
  private async commit(change: TaskWrite, project: ProjectRecord): Promise<Task> {
    const outcome = await this.repository.write(change);
    if ('ok' in outcome) return taskView(change.after, project.key);
    if ('reference' in outcome) throw referenceGone(outcome.reference);
    if ('project' in outcome) {
      const now = await this.repository.getProject(project.workspaceId, project.id);
      if (!now) throw new NotFoundError('No such task');
      throw new ConflictError('The project is archived; its tasks cannot change');
    }
    if ('moved' in outcome) {
      throw new ConflictError(
        `The task named by ${outcome.moved} moved meanwhile; reload the board and try again`,
      );
    }
    const current = outcome.task;
    if (!current) throw new NotFoundError('No such task');
    if (current.version !== change.before.version)
      throw new VersionConflictError(taskView(current, project.key));
    if (change.before.deletedAt && current.deletedAt !== change.before.deletedAt)
      throw new ConflictError('The task was deleted again meanwhile');
    if (!change.before.deletedAt && current.deletedAt)
      throw new ConflictError('The task is deleted; restore it first');
    throw new VersionConflictError(taskView(current, project.key));
  }

  async patch(caller: Caller, taskId: string, input: PatchTaskInput): Promise<Task> {
    const { version, ...fields } = input;
    const { read, task, workspaceId } = await this.readTask(caller, taskId, {
      taskIds: fields.parentId ? [fields.parentId] : [],
      memberIds: fields.assigneeIds,
      labelIds: fields.labelIds,
      sprintId: fields.sprintId ?? undefined,
      goalId: fields.goalId ?? undefined,
      coverAttachmentId: fields.coverAttachmentId ?? undefined,
    });
    this.member(read, 'task', 'task.write');
    if (fields.coverAttachmentId && fields.coverAttachmentId !== task.coverAttachmentId) {
      const problem = coverProblem(read.cover, taskId);
      if (problem) throw new ValidationError([{ field: 'coverAttachmentId', message: problem }]);
    }
    // Only references that change are checked: a task may keep pointing at a sprint completed since.
    const changed = {
      ...fields,
      sprintId: fields.sprintId !== task.sprintId ? fields.sprintId : undefined,
      goalId: fields.goalId !== task.goalId ? fields.goalId : undefined,
    };
    await this.checkReferences(changed, read, workspaceId, task.projectId, caller.userId, taskId);
    const project = await this.projectOf(task);
    this.checkWritable(task, project, version);

    const now = this.clock();
    const at = now.toISOString();
    const after: TaskRecord = { ...task, ...fields };
    if (fields.status !== undefined && fields.status !== task.status) {
      // A new column: the task goes to its bottom.
      const last = await this.repository.lastInColumn(task.projectId, fields.status, task.id);
      after.rank = placeRank(last?.rank ?? null, null, task.id);
      after.completedAt = completedAtAfter(task, fields.status, at);
    }
    const changes = changesBetween(task, after);
    // Nothing differs from what is stored: no write, no new version, no activity.
    if (Object.keys(changes).length === 0) return taskView(task, project.key);
    after.updatedAt = at;
    after.version = task.version + 1;
    return this.commit(
      {
        before: task,
        after,
        activity: this.activity(caller, 'updated', after, changes, taskView(after, project.key), now),
      },
      project,
    );
  }

  async move(caller: Caller, taskId: string, input: MoveTaskInput): Promise<Task> {
    const named = { beforeId: input.beforeId ?? undefined, afterId: input.afterId ?? undefined };
    const { read, task } = await this.readTask(caller, taskId, {
      taskIds: [named.beforeId, named.afterId].filter((id): id is string => !!id && id !== taskId),
    });
    this.member(read, 'task', 'task.write');

    const neighbours: Array<{ field: string; task: TaskRecord }> = [];
    const details: ErrorDetail[] = [];
    for (const field of ['beforeId', 'afterId'] as const) {
      const id = named[field];
      if (!id) continue;
      const neighbour = read.tasks.get(id);
      if (id === taskId) details.push({ field, message: 'cannot be the task itself' });
      else if (!neighbour || neighbour.projectId !== task.projectId || neighbour.deletedAt)
        details.push({ field, message: 'is not a task of this project' });
      else if (neighbour.status !== input.status)
        details.push({ field, message: `is not in the ${input.status} column` });
      else neighbours.push({ field, task: neighbour });
    }
    if (details.length) throw new ValidationError(details);
    const project = await this.projectOf(task);
    this.checkWritable(task, project, input.version);

    const above = named.beforeId ? read.tasks.get(named.beforeId) : undefined;
    const below = named.afterId ? read.tasks.get(named.afterId) : undefined;
    let rank: string;
    if (above && below) {
      if (!(above.rank < below.rank)) {
        throw new ConflictError('beforeId is not above afterId in that column any more; reload the board');
      }
      rank = placeRank(above.rank, below.rank, task.id);
    } else if (above) {
      const next = await this.repository.nextInColumn(above, 'below', task.id);
      rank = this.between(above.rank, next?.rank ?? null, task.id);
    } else if (below) {
      const previous = await this.repository.nextInColumn(below, 'above', task.id);
      rank = this.between(previous?.rank ?? null, below.rank, task.id);
    } else {
      const last = await this.repository.lastInColumn(task.projectId, input.status, task.id);
      const alreadyLast = task.status === input.status && (!last || last.rank < task.rank);
      rank = alreadyLast ? task.rank : placeRank(last?.rank ?? null, null, task.id);
    }

    const now = this.clock();
    const at = now.toISOString();
    const after: TaskRecord = {
      ...task,
      status: input.status,
      rank,
      completedAt: completedAtAfter(task, input.status, at),
      updatedAt: at,
      version: task.version + 1,
    };
    const changes = changesBetween(task, after);
    if (Object.keys(changes).length === 0) return taskView(task, project.key);
    return this.commit(
      {
        before: task,
        after,
        unchanged: neighbours,
        activity: this.activity(caller, 'moved', after, changes, taskView(after, project.key), now),
      },
      project,
    );
  }

  /** Between two ranks read from the column; equal ones (a rare tie) cannot take a task between them. */
  private between(above: string | null, below: string | null, taskId: string): string {
    if (above !== null && below !== null && !(above < below)) {
      throw new ConflictError('The column changed meanwhile; reload the board and try again');
    }
    return placeRank(above, below, taskId);
  }

  async delete(caller: Caller, taskId: string, version: number): Promise<Task> {
    const { read, task } = await this.readTask(caller, taskId);
    const membership = this.member(read, 'task', 'workspace.read');
    if (!this.mayDelete(membership, task)) throw new ForbiddenError();
    const project = await this.projectOf(task);
    if (task.version !== version) throw new VersionConflictError(taskView(task, project.key));
    if (task.deletedAt) throw new ConflictError('The task is already deleted');
    if (project.archived) throw new ConflictError('The project is archived; its tasks cannot change');

    const now = this.clock();
    const at = now.toISOString();
    const after: TaskRecord = { ...task, deletedAt: at, updatedAt: at, version: task.version + 1 };
    return this.commit(
      {
        before: task,
        after,
        taskCountDelta: -1,
        activity: this.activity(caller, 'deleted', after, changesBetween(task, after), null, now),
      },
      project,
    );
  }

  async restore(caller: Caller, taskId: string, version: number | undefined): Promise<Task> {
    const { read, task } = await this.readTask(caller, taskId);
    const membership = this.member(read, 'task', 'workspace.read');
    if (!this.mayDelete(membership, task)) throw new ForbiddenError();
    const project = await this.projectOf(task);
    if (version !== undefined && task.version !== version)
      throw new VersionConflictError(taskView(task, project.key));
    if (!task.deletedAt) throw new ConflictError('The task is not deleted');
    const now = this.clock();
    if (!withinRestoreWindow(task.deletedAt, now)) {
      throw new ConflictError(
        `The task was deleted more than ${RESTORE_DAYS} days ago and cannot be restored`,
      );
    }
    if (project.archived) throw new ConflictError('The project is archived; its tasks cannot change');

    // Back to the bottom of its column.
    const last = await this.repository.lastInColumn(task.projectId, task.status);
    const at = now.toISOString();
    const after: TaskRecord = {
      ...task,
      rank: placeRank(last?.rank ?? null, null, task.id),
      deletedAt: null,
      updatedAt: at,
      version: task.version + 1,
    };
    return this.commit(
      {
        before: task,
        after,
        taskCountDelta: 1,
        activity: this.activity(
          caller,
          'restored',
          after,
          changesBetween(task, after),
          taskView(after, project.key),
          now,
        ),
      },
      project,
    );
  }

  async list(
    caller: Caller,
    projectId: string,
    filters: TaskFilters,
    limit: number,
    cursor?: string,
  ): Promise<Page<Task>> {
    const project = await this.readProject(caller, projectId);
    const page = await this.repository.list(
      projectId,
      { ...filters, q: filters.q?.toLowerCase() },
      limit,
      cursor,
    );
    return { items: page.items.map((t) => taskView(t, project.key)), nextCursor: page.nextCursor };
  }

  async taskActivity(
    caller: Caller,
    taskId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<Activity>> {
    await this.readTask(caller, taskId);
    const page = await this.repository.taskActivity(taskId, limit, cursor);
    return { items: page.items.map(activityView), nextCursor: page.nextCursor };
  }

  async projectActivity(
    caller: Caller,
    projectId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<Activity>> {
    await this.readProject(caller, projectId);
    const page = await this.repository.projectActivity(projectId, limit, cursor);
    return { items: page.items.map(activityView), nextCursor: page.nextCursor };
  }

  /**
   * "My day": the caller's assigned tasks across workspaces by due date (GSI2), then the tasks, the caller's
   * memberships and the projects in one BatchGetItem. An entry whose workspace the caller has left, or whose
   * project or task is gone, is dropped, so the page may be shorter than `limit` (the cursor still goes on).
   */
  async myTasks(
    caller: Caller,
    timeZone: string,
    query: MyTasksQuery,
    limit: number,
    cursor?: string,
  ): Promise<Page<Task>> {
    const range = dueRange(query.due, dayIn(timeZone, this.clock()));
    const page = await this.repository.assigned(
      caller.userId,
      { ...range, status: query.status },
      limit,
      cursor,
    );
    const across = await this.repository.readAcross(caller.userId, {
      taskIds: page.items.map((a) => a.taskId),
      workspaceIds: [...new Set(page.items.map((a) => a.workspaceId))],
      projects: page.items.map(({ workspaceId, projectId }) => ({ workspaceId, projectId })),
    });
    const items: Task[] = [];
    for (const assignment of page.items) {
      const task = across.tasks.get(assignment.taskId);
      const project = across.projects.get(assignment.projectId);
      if (!task || task.deletedAt || !project || !across.memberOf.has(assignment.workspaceId)) continue;
      items.push(taskView(task, project.key));
    }
    return { items, nextCursor: page.nextCursor };
  }

  /**
   * Workspace search: the workspace's live tasks whose title or description contains `q`, most recently updated
   * first, across every project (every member may read every project). Tasks of a project deleted moments ago
   * (its clean-up runs in the background) are dropped.
   */
  async search(
    caller: Caller,
    workspaceId: string,
    q: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<Task>> {
    const page = await this.repository.search(workspaceId, q.toLowerCase(), limit, cursor);
    // The membership and the projects of the page in one read; a non-member learns nothing from the query.
    const { memberOf, projects } = await this.repository.readAcross(caller.userId, {
      taskIds: [],
      workspaceIds: [workspaceId],
      projects: page.items.map((t) => ({ workspaceId, projectId: t.projectId })),
    });
    if (!memberOf.has(workspaceId)) throw new NotFoundError('No such workspace');
    const items = page.items.flatMap((task) => {
      const project = projects.get(task.projectId);
      return project ? [taskView(task, project.key)] : [];
    });
    return { items, nextCursor: page.nextCursor };
  }

  /**
   * The change feed of a project: every task, subtask, comment, project and sprint change from `since` on
   * (deletions included, `data` null), oldest first. See ChangesPage for how clients go on.
   */
  async changes(caller: Caller, projectId: string, since: string, limit: number): Promise<ChangesPage> {
    const now = this.clock();
    // Tasks deleted before the window are purged with their events, so an older `since` could not learn of
    // those deletions: the client must reload the project instead.
    if (!withinRestoreWindow(since, now)) {
      throw new ValidationError([
        { field: 'since', message: `is more than ${RESTORE_DAYS} days ago; reload the project instead` },
      ]);
    }
    await this.readProject(caller, projectId);
    const { items, hasMore } = await this.repository.changes(projectId, activityIdAt(since), limit);
    const last = items[items.length - 1];
    const until =
      hasMore && last
        ? last.at
        : new Date(Math.max(Date.parse(since), now.getTime() - CHANGES_SETTLE_MS)).toISOString();
    return { items: items.map(changeEvent), until, hasMore };
  }

  /** A project the caller can read (any member), with the membership, in one BatchGetItem. */
  private async readProject(caller: Caller, projectId: string): Promise<ProjectRecord> {
    const workspaceId = workspaceOf(projectId);
    if (!workspaceId) throw new NotFoundError('No such project');
    const read = await this.repository.read({ workspaceId, userId: caller.userId, projectId });
    if (!read.project) throw new NotFoundError('No such project');
    this.member(read, 'project', 'workspace.read');
    return read.project;
  }
}
