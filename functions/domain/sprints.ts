import {
  sprintDatesProblem,
  VELOCITY_SPRINTS,
  type Burndown,
  type BurndownDay,
  type CreateSprintInput,
  type PatchSprintInput,
  type Sprint,
  type SprintStatus,
  type Velocity,
  type VelocitySprint,
} from '#shared/schemas/sprints';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  VersionConflictError,
} from '#functions/lib/errors';
import { newGrandchildId, parentOf, workspaceOf } from '#functions/lib/ids';
import type { Page } from '#functions/lib/pagination';
import { can, type Action } from './access.ts';
import { fieldChanges, newActivity, type ActivityRecord } from './activity.ts';
import { addDays, taskView, type TaskRecord } from './tasks.ts';
import type { Caller, MembershipRecord } from './workspaces.ts';

// ---------------------------------------------------------------------------------------------------------
// Records and the repository (functions/store/sprint-repository.ts)
// ---------------------------------------------------------------------------------------------------------

/** A sprint as stored: the API's fields plus the burndown frozen at completion (never shown as such). */
export interface SprintRecord extends Sprint {
  /**
   * Remaining points for each day from `startDate` to `endDate`, frozen when the sprint is completed (null for
   * the days after the completion day); null before completion. The tasks that were carried over leave the
   * sprint, so a completed sprint's burndown could not be computed again from its tasks.
   */
  remainingByDay: Array<number | null> | null;
}

/** What sprints need of the project item (written by the projects code; `activeSprintId` by this code). */
export interface SprintProject {
  id: string;
  workspaceId: string;
  key: string;
  archived: boolean;
  activeSprintId: string | null;
}

export interface SprintReadRequest {
  workspaceId: string;
  userId: string;
  projectId: string;
  sprintIds?: string[];
}

export interface SprintReadResult {
  membership?: MembershipRecord;
  project?: SprintProject;
  sprints: Map<string, SprintRecord>;
}

/**
 * A change of one sprint, written as one transaction with its activity and the project item: `update` only
 * checks that the project takes changes; `start` sets the project's `activeSprintId` (there must be none);
 * `complete` removes it (it must be this sprint) and checks that `target` (the sprint taking the unfinished
 * tasks) is still planned.
 */
export interface SprintChange {
  kind: 'update' | 'start' | 'complete';
  before: SprintRecord;
  after: SprintRecord;
  activity: ActivityRecord;
  target?: SprintRecord;
}

export type SprintCreateOutcome = { ok: true } | { project: SprintProject | undefined };

export type SprintWriteOutcome =
  | { ok: true }
  /** The sprint's condition (version and status as read) failed: the stored sprint, undefined if gone. */
  | { sprint: SprintRecord | undefined }
  /** The project's condition failed (gone, archived, another sprint active): the stored project. */
  | { project: SprintProject | undefined }
  /** The carry-over target is not a planned sprint any more. */
  | { target: true };

/** One task leaving a sprint: its change (made with the task code's `taskUpdate`) and its activity. */
export interface TaskMove {
  before: TaskRecord;
  after: TaskRecord;
  activity: ActivityRecord;
}

/**
 * What every transaction of a batch of moves also checks: that the sprint taking the tasks still takes tasks
 * (exists, not completed), or that the sprint giving them up is still as read (a delete).
 */
export type MoveGuard = { takes: string } | { unchanged: SprintRecord };

export interface MoveResult {
  /** Tasks written. */
  moved: string[];
  /** Tasks whose condition failed (changed meanwhile): as stored now, undefined if gone. Not written. */
  stale: Array<{ id: string; current: TaskRecord | undefined }>;
  /** The guard failed: the moves neither moved nor stale were not written. */
  guardFailed: boolean;
  /** The deadline passed before every move was tried: the moves neither moved nor stale were not written. */
  outOfTime: boolean;
}

export interface SprintRepository {
  /** The membership, the project and the sprints asked for, in one BatchGetItem. */
  read(request: SprintReadRequest): Promise<SprintReadResult>;
  /** Stores a new sprint with its activity, if the project exists and is not archived. */
  create(sprint: SprintRecord, activity: ActivityRecord): Promise<SprintCreateOutcome>;
  /** One page of a project's sprints in creation order, optionally of one status. */
  list(
    projectId: string,
    status: SprintStatus | undefined,
    limit: number,
    cursor?: string,
  ): Promise<Page<SprintRecord>>;
  /** Every completed sprint of a project (without the frozen burndown). */
  completed(projectId: string): Promise<SprintRecord[]>;
  /**
   * The live tasks of a sprint (GSI2). `consistent`: each is read again from the table (the index may lag) and
   * only those still in the sprint are returned, as stored.
   */
  tasksOf(sprintId: string, consistent: boolean): Promise<TaskRecord[]>;
  write(change: SprintChange): Promise<SprintWriteOutcome>;
  /** Deletes a planned sprint at its version, with its activity, if the project takes changes. */
  delete(sprint: SprintRecord, activity: ActivityRecord): Promise<SprintWriteOutcome>;
  /** Writes the moves in as few transactions as the limits allow, stopping at `deadline` (epoch ms). */
  moveTasks(moves: TaskMove[], guard: MoveGuard | undefined, deadline: number): Promise<MoveResult>;
  /** Marks a completed sprint's carry-over finished (bookkeeping: the version stays). */
  finishCarryOver(sprint: SprintRecord): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Pure rules (unit-tested in sprints.test.ts)
// ---------------------------------------------------------------------------------------------------------

export function sprintView(sprint: SprintRecord): Sprint {
  return {
    id: sprint.id,
    projectId: sprint.projectId,
    workspaceId: sprint.workspaceId,
    name: sprint.name,
    goal: sprint.goal,
    startDate: sprint.startDate,
    endDate: sprint.endDate,
    status: sprint.status,
    committedPoints: sprint.committedPoints,
    completedPoints: sprint.completedPoints,
    startedAt: sprint.startedAt,
    completedAt: sprint.completedAt,
    carryOverTo: sprint.carryOverTo,
    carryOverPending: sprint.carryOverPending,
    createdBy: sprint.createdBy,
    createdAt: sprint.createdAt,
    updatedAt: sprint.updatedAt,
    version: sprint.version,
  };
}

/** The fields a sprint's activity records changes of (bookkeeping and the carry-over flag left out). */
export const SPRINT_TRACKED_FIELDS = [
  'name',
  'goal',
  'startDate',
  'endDate',
  'status',
  'committedPoints',
  'completedPoints',
  'startedAt',
  'completedAt',
  'carryOverTo',
] as const satisfies ReadonlyArray<keyof Sprint>;

/**
 * What asking for `to` does to a sprint that is `from`: nothing (same status), start it, complete it, or, on a
 * completed sprint, `finish` a completion (move what is still unfinished out; an interrupted completion is
 * finished this way). Undefined: not allowed (sprints go planned → active → completed only).
 */
export function statusStep(
  from: SprintStatus,
  to: SprintStatus,
): 'same' | 'start' | 'complete' | 'finish' | undefined {
  if (from === 'completed' && to === 'completed') return 'finish';
  if (from === to) return 'same';
  if (from === 'planned' && to === 'active') return 'start';
  if (from === 'active' && to === 'completed') return 'complete';
  return undefined;
}

/**
 * Which dates may change in which status: both while planned; only the end while active (a running sprint may be
 * extended or cut short, but it started when it started); none once completed. Returns the field refused.
 */
export function frozenDate(
  sprint: Pick<SprintRecord, 'status' | 'startDate' | 'endDate'>,
  changes: { startDate?: string; endDate?: string },
): 'startDate' | 'endDate' | undefined {
  if (sprint.status === 'planned') return undefined;
  if (changes.startDate !== undefined && changes.startDate !== sprint.startDate) return 'startDate';
  if (sprint.status === 'completed' && changes.endDate !== undefined && changes.endDate !== sprint.endDate)
    return 'endDate';
  return undefined;
}

/** A task a completion moves out: anything not done and not archived (archived work is dropped, not pending). */
export const isUnfinished = (task: Pick<TaskRecord, 'status'>): boolean =>
  task.status !== 'done' && task.status !== 'archived';

/**
 * The tasks a sprint's figures count: live ones that are not archived (archived work was dropped: it is neither
 * remaining nor done). Unestimated tasks count 0 points.
 */
export const inScope = (task: Pick<TaskRecord, 'status' | 'deletedAt'>): boolean =>
  !task.deletedAt && task.status !== 'archived';

const pointsOf = (task: Pick<TaskRecord, 'storyPoints'>) => task.storyPoints ?? 0;

type PointsTask = Pick<TaskRecord, 'status' | 'deletedAt' | 'storyPoints' | 'completedAt'>;

/** Points of the tasks in scope. */
export function totalPoints(tasks: PointsTask[]): number {
  return tasks.filter(inScope).reduce((sum, task) => sum + pointsOf(task), 0);
}

/** Points of the tasks in scope that are done. */
export function donePoints(tasks: PointsTask[]): number {
  return tasks
    .filter((t) => inScope(t) && t.status === 'done')
    .reduce((sum, task) => sum + pointsOf(task), 0);
}

/** Every date from `startDate` to `endDate`, both included. */
export function datesOf(startDate: string, endDate: string): string[] {
  const dates: string[] = [];
  for (let day = startDate; day <= endDate; day = addDays(day, 1)) dates.push(day);
  return dates;
}

/**
 * Remaining points at the end of each day from `startDate` to `endDate`: the points of the tasks in scope not
 * completed by then (by their `completedAt`, UTC). Days after `lastDay` have not happened (or are after the
 * sprint's completion): null.
 */
export function remainingSeries(
  tasks: PointsTask[],
  startDate: string,
  endDate: string,
  lastDay: string,
): Array<number | null> {
  const scope = tasks.filter(inScope);
  return datesOf(startDate, endDate).map((day) => {
    if (day > lastDay) return null;
    return scope
      .filter((task) => !(task.status === 'done' && task.completedAt && task.completedAt.slice(0, 10) <= day))
      .reduce((sum, task) => sum + pointsOf(task), 0);
  });
}

/** The ideal line over `days` days: `from` on the first, 0 on the last (two decimals). One day: 0. */
export function idealLine(from: number, days: number): number[] {
  return Array.from({ length: days }, (_, i) =>
    days <= 1 ? 0 : Math.round(((from * (days - 1 - i)) / (days - 1)) * 100) / 100,
  );
}

/**
 * The burndown of a sprint. Planned and active sprints are computed from their tasks now (`today` is the last
 * day with a figure); a completed sprint shows what was frozen at its completion. The ideal line starts at the
 * committed points (for a planned sprint: the points of its tasks now).
 */
export function burndownOf(sprint: SprintRecord, tasks: PointsTask[], today: string): Burndown {
  const dates = datesOf(sprint.startDate, sprint.endDate);
  let remaining: Array<number | null>;
  let committed: number;
  let completed: number;
  if (sprint.status === 'completed') {
    const frozen = sprint.remainingByDay ?? [];
    remaining = dates.map((_, i) => frozen[i] ?? null);
    committed = sprint.committedPoints ?? 0;
    completed = sprint.completedPoints ?? 0;
  } else {
    remaining = remainingSeries(tasks, sprint.startDate, sprint.endDate, today);
    committed = sprint.status === 'active' ? (sprint.committedPoints ?? 0) : totalPoints(tasks);
    completed = donePoints(tasks);
  }
  const ideal = idealLine(committed, dates.length);
  const days: BurndownDay[] = dates.map((date, i) => ({
    date,
    remainingPoints: remaining[i] ?? null,
    idealPoints: ideal[i]!,
  }));
  return {
    sprintId: sprint.id,
    status: sprint.status,
    days,
    committedPoints: committed,
    completedPoints: completed,
  };
}

/**
 * The velocity: the last VELOCITY_SPRINTS completed sprints by completion time, oldest first, and the mean of
 * their completed points (one decimal; null when there is none).
 */
export function velocityOf(sprints: SprintRecord[]): Velocity {
  const last = sprints
    .filter((s) => s.status === 'completed' && s.completedAt)
    .sort((a, b) =>
      a.completedAt! < b.completedAt! ? -1 : a.completedAt! > b.completedAt! ? 1 : a.id < b.id ? -1 : 1,
    )
    .slice(-VELOCITY_SPRINTS);
  const items: VelocitySprint[] = last.map((s) => ({
    id: s.id,
    name: s.name,
    startDate: s.startDate,
    endDate: s.endDate,
    committedPoints: s.committedPoints ?? 0,
    completedPoints: s.completedPoints ?? 0,
    completedAt: s.completedAt!,
  }));
  const average = items.length
    ? Math.round((items.reduce((sum, s) => sum + s.completedPoints, 0) / items.length) * 10) / 10
    : null;
  return { sprints: items, averageCompletedPoints: average };
}

/**
 * The sprint completed at `now`: status, time, the points done (frozen), the burndown up to the completion day
 * (frozen), where the unfinished tasks go, and the carry-over marked pending until they are all moved.
 */
export function completedSprint(
  sprint: SprintRecord,
  tasks: PointsTask[],
  carryOverTo: string | null,
  now: string,
): SprintRecord {
  return {
    ...sprint,
    status: 'completed',
    completedAt: now,
    completedPoints: donePoints(tasks),
    remainingByDay: remainingSeries(tasks, sprint.startDate, sprint.endDate, now.slice(0, 10)),
    carryOverTo,
    carryOverPending: true,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------------------

/** Rounds of "read the sprint's unfinished tasks, move them" a completion or a delete makes at most. */
export const MAX_MOVE_ROUNDS = 5;
/** Retries of the moves of one round whose tasks changed meanwhile (each re-read, never overwritten). */
export const MAX_MOVE_RETRIES = 5;
/**
 * Time a request may spend moving tasks; the function has 29 s (API Gateway's limit is 30 s). A completion
 * that runs out stays `carryOverPending` and is finished by sending it again.
 */
export const MOVE_BUDGET_MS = 20_000;

const noSprint = () => new NotFoundError('No such sprint');
const noProject = () => new NotFoundError('No such project');
const archived = () => new ConflictError('The project is archived; its sprints cannot change');

export class SprintService {
  constructor(
    private readonly repository: SprintRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  // --- access ---------------------------------------------------------------------------------------------

  /** The membership, or 404 (never leak existence); 403 when the role may not `action`. */
  private member(read: SprintReadResult, notFound: () => Error, action: Action): MembershipRecord {
    if (!read.membership) throw notFound();
    if (!can(read.membership.role, action)) throw new ForbiddenError();
    return read.membership;
  }

  private async readProject(caller: Caller, projectId: string, action: Action) {
    const workspaceId = workspaceOf(projectId);
    if (!workspaceId) throw noProject();
    const read = await this.repository.read({ workspaceId, userId: caller.userId, projectId });
    if (!read.project || !read.membership) throw noProject();
    this.member(read, noProject, action);
    return read.project;
  }

  /** A sprint (its id names its project) with its project and the caller's membership, in one read. */
  private async readSprint(caller: Caller, sprintId: string, action: Action, others: string[] = []) {
    const projectId = parentOf(sprintId);
    const workspaceId = projectId ? workspaceOf(projectId) : undefined;
    if (!projectId || !workspaceId) throw noSprint();
    const read = await this.repository.read({
      workspaceId,
      userId: caller.userId,
      projectId,
      sprintIds: [sprintId, ...others.filter((id) => id !== sprintId)],
    });
    const sprint = read.sprints.get(sprintId);
    if (!sprint || !read.project || !read.membership) throw noSprint();
    this.member(read, noSprint, action);
    return { read, sprint, project: read.project };
  }

  private activity(
    caller: Caller,
    action: ActivityRecord['action'],
    before: SprintRecord | undefined,
    after: SprintRecord,
    deleted: boolean,
    now: Date,
  ): ActivityRecord {
    return newActivity(
      {
        actorId: caller.userId,
        action,
        entityType: 'sprint',
        entityId: after.id,
        projectId: after.projectId,
        workspaceId: after.workspaceId,
        taskId: null,
        changes: before ? fieldChanges(sprintView(before), sprintView(after), SPRINT_TRACKED_FIELDS) : {},
        data: deleted ? null : sprintView(after),
      },
      now,
    );
  }

  // --- operations -----------------------------------------------------------------------------------------

  async create(caller: Caller, projectId: string, input: CreateSprintInput): Promise<Sprint> {
    const project = await this.readProject(caller, projectId, 'task.write');
    if (project.archived) throw archived();
    const now = this.clock();
    const at = now.toISOString();
    const sprint: SprintRecord = {
      id: newGrandchildId(projectId),
      projectId,
      workspaceId: project.workspaceId,
      name: input.name,
      goal: input.goal,
      startDate: input.startDate,
      endDate: input.endDate,
      status: 'planned',
      committedPoints: null,
      completedPoints: null,
      startedAt: null,
      completedAt: null,
      carryOverTo: null,
      carryOverPending: false,
      remainingByDay: null,
      createdBy: caller.userId,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    const outcome = await this.repository.create(
      sprint,
      this.activity(caller, 'created', undefined, sprint, false, now),
    );
    if ('project' in outcome) await this.projectRefused(outcome.project);
    return sprintView(sprint);
  }

  async list(
    caller: Caller,
    projectId: string,
    status: SprintStatus | undefined,
    limit: number,
    cursor?: string,
  ): Promise<Page<Sprint>> {
    await this.readProject(caller, projectId, 'workspace.read');
    const page = await this.repository.list(projectId, status, limit, cursor);
    return { items: page.items.map(sprintView), nextCursor: page.nextCursor };
  }

  async get(caller: Caller, sprintId: string): Promise<Sprint> {
    return sprintView((await this.readSprint(caller, sprintId, 'workspace.read')).sprint);
  }

  async burndown(caller: Caller, sprintId: string): Promise<Burndown> {
    const { sprint } = await this.readSprint(caller, sprintId, 'workspace.read');
    const tasks = sprint.status === 'completed' ? [] : await this.repository.tasksOf(sprint.id, false);
    return burndownOf(sprint, tasks, this.clock().toISOString().slice(0, 10));
  }

  async velocity(caller: Caller, projectId: string): Promise<Velocity> {
    await this.readProject(caller, projectId, 'workspace.read');
    return velocityOf(await this.repository.completed(projectId));
  }

  async patch(caller: Caller, sprintId: string, input: PatchSprintInput): Promise<Sprint> {
    const started = Date.now();
    const { version, status, carryOverTo, ...fields } = input;
    const { read, sprint, project } = await this.readSprint(
      caller,
      sprintId,
      'task.write',
      carryOverTo ? [carryOverTo] : [],
    );
    const step = status === undefined ? 'same' : statusStep(sprint.status, status);

    // References: the carry-over target is another planned sprint of this project (a completion being finished
    // keeps the target it was given).
    if (carryOverTo !== undefined && step !== 'finish') {
      const target = carryOverTo ? read.sprints.get(carryOverTo) : undefined;
      if (carryOverTo && (carryOverTo === sprint.id || !target || target.status !== 'planned'))
        throw new ValidationError([
          { field: 'carryOverTo', message: 'is not a planned sprint of this project' },
        ]);
    }
    // Dates: the merged pair must still make a sprint.
    const startDate = fields.startDate ?? sprint.startDate;
    const endDate = fields.endDate ?? sprint.endDate;
    const datesProblem = sprintDatesProblem(startDate, endDate);
    if (datesProblem) {
      const field = fields.endDate !== undefined ? 'endDate' : 'startDate';
      const message = field === 'endDate' ? datesProblem : `must not be after endDate ${endDate}`;
      throw new ValidationError([{ field, message }]);
    }

    if (sprint.version !== version) throw new VersionConflictError(sprintView(sprint));
    if (project.archived) throw archived();
    if (step === undefined) {
      throw new ConflictError(
        `This ${sprint.status} sprint cannot become ${status}; sprints go planned → active → completed`,
      );
    }
    const frozen = frozenDate(sprint, fields);
    if (frozen) throw new ConflictError(`The ${frozen} of this ${sprint.status} sprint cannot change`);
    if (step === 'finish' && carryOverTo !== undefined && carryOverTo !== sprint.carryOverTo) {
      throw new ConflictError(
        `The sprint is completed already; its unfinished tasks go to ${sprint.carryOverTo ?? 'the backlog'}`,
      );
    }

    const now = this.clock();
    const at = now.toISOString();
    let after: SprintRecord = { ...sprint, ...fields };
    let kind: SprintChange['kind'] = 'update';
    let action: ActivityRecord['action'] = 'updated';
    let target: SprintRecord | undefined;
    if (step === 'start') {
      if (project.activeSprintId) await this.alreadyActive(caller, project);
      const tasks = await this.repository.tasksOf(sprint.id, true);
      after = { ...after, status: 'active', startedAt: at, committedPoints: totalPoints(tasks) };
      kind = 'start';
      action = 'started';
    } else if (step === 'complete') {
      const tasks = await this.repository.tasksOf(sprint.id, true);
      after = completedSprint(after, tasks, carryOverTo ?? null, at);
      target = carryOverTo ? read.sprints.get(carryOverTo) : undefined;
      kind = 'complete';
      action = 'completed';
    }

    const changed =
      Object.keys(fieldChanges(sprintView(sprint), sprintView(after), SPRINT_TRACKED_FIELDS)).length > 0;
    if (changed) {
      after = { ...after, updatedAt: at, version: sprint.version + 1 };
      const outcome = await this.repository.write({
        kind,
        before: sprint,
        after,
        target,
        activity: this.activity(caller, action, sprint, after, false, now),
      });
      if ('sprint' in outcome) {
        if (!outcome.sprint) throw noSprint();
        throw new VersionConflictError(sprintView(outcome.sprint));
      }
      if ('project' in outcome) {
        if (kind === 'start' && outcome.project?.activeSprintId && !outcome.project.archived)
          await this.alreadyActive(caller, outcome.project);
        await this.projectRefused(outcome.project);
      }
      if ('target' in outcome) {
        throw new ValidationError([{ field: 'carryOverTo', message: 'is not a planned sprint any more' }]);
      }
    }
    if (after.status === 'completed' && (step === 'complete' || step === 'finish')) {
      after = await this.carryOver(caller, after, project, started + MOVE_BUDGET_MS);
    }
    return sprintView(after);
  }

  async delete(caller: Caller, sprintId: string, version: number): Promise<void> {
    const started = Date.now();
    const { sprint, project } = await this.readSprint(caller, sprintId, 'task.write');
    if (sprint.version !== version) throw new VersionConflictError(sprintView(sprint));
    if (project.archived) throw archived();
    if (sprint.status !== 'planned') {
      throw new ConflictError(`Only a planned sprint can be deleted; this one is ${sprint.status}`);
    }
    // Its tasks go back to the backlog first, each move conditional on the sprint being still as read, so an
    // interrupted delete leaves the sprint in place (send the delete again) and never a task in a gone sprint.
    const left = await this.moveOut(
      caller,
      sprint,
      project,
      null,
      { unchanged: sprint },
      () => true,
      started + MOVE_BUDGET_MS,
    );
    if (left === 'guard') await this.sprintChanged(caller, sprint);
    if (left === 'more') throw new ConflictError('Tasks are being added to this sprint meanwhile; try again');
    const outcome = await this.repository.delete(
      sprint,
      this.activity(caller, 'deleted', sprint, sprint, true, this.clock()),
    );
    if ('sprint' in outcome) {
      if (!outcome.sprint) throw noSprint();
      throw new VersionConflictError(sprintView(outcome.sprint));
    }
    if ('project' in outcome) await this.projectRefused(outcome.project);
  }

  // --- helpers --------------------------------------------------------------------------------------------

  /** 409 naming the project's active sprint. */
  private async alreadyActive(caller: Caller, project: SprintProject): Promise<never> {
    const activeId = project.activeSprintId!;
    const read = await this.repository.read({
      workspaceId: project.workspaceId,
      userId: caller.userId,
      projectId: project.id,
      sprintIds: [activeId],
    });
    const active = read.sprints.get(activeId);
    const name = active ? `"${active.name}" (${activeId})` : activeId;
    throw new AppError('CONFLICT', `Sprint ${name} is active in this project; complete it first`, undefined, {
      activeSprintId: activeId,
    });
  }

  /** Why the project refused a sprint change: gone (404) or archived (409). */
  private async projectRefused(project: SprintProject | undefined): Promise<never> {
    if (!project) throw noProject();
    if (project.archived) throw archived();
    throw new ConflictError('The project changed meanwhile; reload and try again');
  }

  /** The sprint changed while its tasks were being moved out: answer with it as it is now. */
  private async sprintChanged(caller: Caller, sprint: SprintRecord): Promise<never> {
    const read = await this.repository.read({
      workspaceId: sprint.workspaceId,
      userId: caller.userId,
      projectId: sprint.projectId,
      sprintIds: [sprint.id],
    });
    const current = read.sprints.get(sprint.id);
    if (!current) throw noSprint();
    if (current.version !== sprint.version) throw new VersionConflictError(sprintView(current));
    throw new ConflictError('The sprint changed meanwhile; reload and try again');
  }

  /**
   * Moves the unfinished tasks of a completed sprint to its `carryOverTo` (or the backlog), then marks the
   * carry-over finished. Safe to run again at any point: it only ever moves what is still unfinished in the
   * sprint. If the target sprint was completed or deleted meanwhile, the rest goes to the backlog.
   */
  private async carryOver(
    caller: Caller,
    sprint: SprintRecord,
    project: SprintProject,
    deadline: number,
  ): Promise<SprintRecord> {
    let target = sprint.carryOverTo;
    for (let attempt = 0; attempt < 2; attempt++) {
      const left = await this.moveOut(
        caller,
        sprint,
        project,
        target,
        target ? { takes: target } : undefined,
        isUnfinished,
        deadline,
      );
      if (left === 'done') {
        await this.repository.finishCarryOver(sprint);
        return { ...sprint, carryOverPending: false };
      }
      if (left !== 'guard') break;
      target = null;
    }
    return sprint;
  }

  /**
   * Moves the sprint's tasks that `which` selects to `to` (a sprint id, or null for the backlog), each with
   * its activity, until a fresh read finds none left. A task changed meanwhile is read again and moved as it
   * is now (if it still qualifies), never overwritten. 'guard': the guard failed; 'more': tasks kept coming or
   * changing, or time ran out.
   */
  private async moveOut(
    caller: Caller,
    sprint: SprintRecord,
    project: SprintProject,
    to: string | null,
    guard: MoveGuard | undefined,
    which: (task: TaskRecord) => boolean,
    deadline: number,
  ): Promise<'done' | 'guard' | 'more'> {
    for (let round = 0; round < MAX_MOVE_ROUNDS; round++) {
      let pending = (await this.repository.tasksOf(sprint.id, true)).filter(which);
      if (pending.length === 0) return 'done';
      for (let retry = 0; pending.length > 0; retry++) {
        if (retry >= MAX_MOVE_RETRIES || Date.now() > deadline) return 'more';
        const now = this.clock();
        const at = now.toISOString();
        const moves = pending.map((before): TaskMove => {
          const after: TaskRecord = { ...before, sprintId: to, updatedAt: at, version: before.version + 1 };
          const activity = newActivity(
            {
              actorId: caller.userId,
              action: 'updated',
              entityType: 'task',
              entityId: before.id,
              projectId: before.projectId,
              workspaceId: before.workspaceId,
              taskId: before.id,
              changes: { sprintId: { from: before.sprintId, to } },
              data: taskView(after, project.key),
            },
            now,
          );
          return { before, after, activity };
        });
        const result = await this.repository.moveTasks(moves, guard, deadline);
        if (result.guardFailed) return 'guard';
        if (result.outOfTime) return 'more';
        pending = result.stale.flatMap(({ current }) =>
          current && !current.deletedAt && current.sprintId === sprint.id && which(current) ? [current] : [],
        );
      }
    }
    return 'more';
  }
}
