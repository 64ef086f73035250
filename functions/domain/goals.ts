import { ulid } from 'ulid';
import type { CreateGoalInput, Goal, GoalChanges } from '#shared/schemas/goals';
import { ForbiddenError, NotFoundError, VersionConflictError } from '#functions/lib/errors';
import { isUlid, newChildId, workspaceOf } from '#functions/lib/ids';
import type { Page } from '#functions/lib/pagination';
import { can } from './access.ts';
import type { WorkspaceAuthorizer } from './projects.ts';
import type { Caller, MembershipRecord } from './workspaces.ts';

/**
 * A goal as stored. `taskCount`/`doneCount` are kept by the task code (ADD in each task transaction that links,
 * unlinks or completes a linked task); this module only creates them at 0 and never writes them again. A
 * deleted goal keeps its item as a tombstone (`deletedAt`), so a later unlink cannot bring it back by ADD.
 */
export interface GoalRecord {
  id: string;
  title: string;
  description: string | null;
  targetDate: string | null;
  /** null for a personal goal. */
  workspaceId: string | null;
  ownerId: string;
  taskCount: number;
  doneCount: number;
  createdAt: string;
  updatedAt: string;
  version: number;
  deletedAt: string | null;
}

export type GoalUpdateOutcome = { ok: GoalRecord } | { conflict: GoalRecord } | { missing: true };
export type GoalDeleteOutcome = { ok: true } | { conflict: GoalRecord } | { missing: true };

/** Persistence of goals (functions/store/goal-repository.ts). */
export interface GoalRepository {
  /** Stores a new goal; a workspace goal only while its workspace exists. */
  create(goal: GoalRecord): Promise<'ok' | 'workspace-gone'>;
  /**
   * The goal (tombstones included) and, for a workspace goal, the user's membership of its workspace, read
   * together (one BatchGetItem).
   */
  getWithMembership(
    goalId: string,
    userId: string,
  ): Promise<{ goal?: GoalRecord; membership?: MembershipRecord }>;
  /** One page of a user's personal goals, in creation order (deleted ones are not listed). */
  listPersonal(userId: string, limit: number, cursor?: string): Promise<Page<GoalRecord>>;
  /** One page of a workspace's goals, in creation order (deleted ones are not listed). */
  listOfWorkspace(workspaceId: string, limit: number, cursor?: string): Promise<Page<GoalRecord>>;
  /** Sets the fields sent if the goal is live at `version`; the counters are never touched. */
  update(goal: GoalRecord, changes: GoalChanges, version: number, now: string): Promise<GoalUpdateOutcome>;
  /** Tombstones the goal (sets `deletedAt`, leaves the lists) if it is live at `version`. */
  delete(goal: GoalRecord, version: number, now: string): Promise<GoalDeleteOutcome>;
}

/** `doneCount / taskCount`, within 0..1; 0 when no task is linked. */
export function goalProgress(taskCount: number, doneCount: number): number {
  if (taskCount <= 0) return 0;
  return Math.min(1, Math.max(0, doneCount / taskCount));
}

/** The API's shape of a goal. */
export function goalView(goal: GoalRecord): Goal {
  return {
    id: goal.id,
    title: goal.title,
    description: goal.description,
    targetDate: goal.targetDate,
    workspaceId: goal.workspaceId,
    ownerId: goal.ownerId,
    taskCount: goal.taskCount,
    doneCount: goal.doneCount,
    progress: goalProgress(goal.taskCount, goal.doneCount),
    createdAt: goal.createdAt,
    updatedAt: goal.updatedAt,
    version: goal.version,
  };
}

/** The kind of goal an id names: a personal goal's plain ULID, a workspace goal's `<workspaceId>.<ulid>`. */
export function goalKind(goalId: string): { personal: true } | { workspaceId: string } | undefined {
  if (isUlid(goalId)) return { personal: true };
  const workspaceId = workspaceOf(goalId);
  return workspaceId ? { workspaceId } : undefined;
}

/**
 * Who may change (update or delete) a workspace goal: its creator while they may write tasks, and owners and
 * admins (the roles that may delete anyone's task). Viewers only read.
 */
export function mayChangeGoal(membership: MembershipRecord, goal: Pick<GoalRecord, 'ownerId'>): boolean {
  return (
    can(membership.role, 'task.delete.any') ||
    (can(membership.role, 'task.write') && goal.ownerId === membership.userId)
  );
}

const notFound = () => new NotFoundError('No such goal');

export class GoalService {
  constructor(
    private readonly repository: GoalRepository,
    private readonly workspaces: WorkspaceAuthorizer,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * The live goal if the caller may see it, else 404 (an unknown goal, someone else's personal goal, a goal of
   * a workspace the caller is not a member of, and a deleted goal all look the same); 403 when `change` is
   * asked and the caller may only read.
   */
  private async authorize(caller: Caller, goalId: string, change: boolean): Promise<GoalRecord> {
    const kind = goalKind(goalId);
    if (!kind) throw notFound();
    const { goal, membership } = await this.repository.getWithMembership(goalId, caller.userId);
    if (!goal || goal.deletedAt) throw notFound();
    if ('personal' in kind) {
      if (goal.workspaceId !== null || goal.ownerId !== caller.userId) throw notFound();
      return goal;
    }
    if (!membership || goal.workspaceId !== kind.workspaceId) throw notFound();
    if (change && !mayChangeGoal(membership, goal)) throw new ForbiddenError();
    return goal;
  }

  async create(caller: Caller, input: CreateGoalInput): Promise<Goal> {
    if (input.workspaceId) await this.workspaces.authorize(caller, input.workspaceId, 'task.write');
    const now = this.clock().toISOString();
    const goal: GoalRecord = {
      id: input.workspaceId ? newChildId(input.workspaceId) : ulid(),
      title: input.title,
      description: input.description,
      targetDate: input.targetDate,
      workspaceId: input.workspaceId ?? null,
      ownerId: caller.userId,
      taskCount: 0,
      doneCount: 0,
      createdAt: now,
      updatedAt: now,
      version: 1,
      deletedAt: null,
    };
    if ((await this.repository.create(goal)) === 'workspace-gone')
      throw new NotFoundError('No such workspace');
    return goalView(goal);
  }

  async list(
    caller: Caller,
    workspaceId: string | undefined,
    limit: number,
    cursor?: string,
  ): Promise<Page<Goal>> {
    let page: Page<GoalRecord>;
    if (workspaceId) {
      await this.workspaces.authorize(caller, workspaceId, 'workspace.read');
      page = await this.repository.listOfWorkspace(workspaceId, limit, cursor);
    } else {
      page = await this.repository.listPersonal(caller.userId, limit, cursor);
    }
    return { items: page.items.map(goalView), nextCursor: page.nextCursor };
  }

  async get(caller: Caller, goalId: string): Promise<Goal> {
    return goalView(await this.authorize(caller, goalId, false));
  }

  async update(caller: Caller, goalId: string, version: number, changes: GoalChanges): Promise<Goal> {
    const goal = await this.authorize(caller, goalId, true);
    // The read is consistent: another version means the caller's copy is stale, no write needed.
    if (goal.version !== version) throw new VersionConflictError(goalView(goal));
    const outcome = await this.repository.update(goal, changes, version, this.clock().toISOString());
    if ('missing' in outcome) throw notFound();
    if ('conflict' in outcome) throw new VersionConflictError(goalView(outcome.conflict));
    return goalView(outcome.ok);
  }

  async delete(caller: Caller, goalId: string, version: number): Promise<void> {
    const goal = await this.authorize(caller, goalId, true);
    if (goal.version !== version) throw new VersionConflictError(goalView(goal));
    const outcome = await this.repository.delete(goal, version, this.clock().toISOString());
    if ('missing' in outcome) throw notFound();
    if ('conflict' in outcome) throw new VersionConflictError(goalView(outcome.conflict));
    // Tasks keep their `goalId`; task writes that unlink them still ADD to the tombstone (never re-created), and
    // no task can link to it any more (the task code refuses a deleted goal).
  }
}
