import type { GoalChanges } from '#shared/schemas/goals';
import { createGoalSchema, patchGoalSchema } from '#shared/schemas/goals';
import type { Role } from '#shared/schemas/workspaces';
import { AppError, ForbiddenError, NotFoundError } from '#functions/lib/errors';
import { newChildId, newWorkspaceId, workspaceOf } from '#functions/lib/ids';
import { can, type Action } from './access.ts';
import {
  GoalService,
  goalKind,
  goalProgress,
  goalView,
  mayChangeGoal,
  type GoalRecord,
  type GoalRepository,
} from './goals.ts';
import type { WorkspaceAuthorizer } from './projects.ts';
import type { Caller, MembershipRecord, WorkspaceRecord } from './workspaces.ts';
import { codeOf } from './test-fixtures.ts';

const record = (overrides: Partial<GoalRecord> = {}): GoalRecord => ({
  id: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
  title: 'Ship it',
  description: null,
  targetDate: null,
  workspaceId: null,
  ownerId: 'u1',
  taskCount: 0,
  doneCount: 0,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  version: 1,
  deletedAt: null,
  ...overrides,
});

describe('goal progress', () => {
  it('is 0 with no linked task, done/total otherwise, within 0..1', () => {
    expect(goalProgress(0, 0)).toBe(0);
    expect(goalProgress(3, 1)).toBeCloseTo(1 / 3, 10);
    expect(goalProgress(4, 4)).toBe(1);
    // Counters are kept by other writers: a transient oddity never shows outside 0..1.
    expect(goalProgress(1, 2)).toBe(1);
    expect(goalProgress(2, -1)).toBe(0);
    expect(goalProgress(-1, 0)).toBe(0);
  });

  it('goalView shows the API shape: progress derived, no deletedAt', () => {
    const view = goalView(record({ taskCount: 4, doneCount: 1, workspaceId: 'W' }));
    expect(view).toEqual({
      id: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
      title: 'Ship it',
      description: null,
      targetDate: null,
      workspaceId: 'W',
      ownerId: 'u1',
      taskCount: 4,
      doneCount: 1,
      progress: 0.25,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
      version: 1,
    });
    expect(view).not.toHaveProperty('deletedAt');
  });
});

describe('goal ids and rights', () => {
  it('tells a personal goal (plain ULID) from a workspace goal (<workspaceId>.<ulid>)', () => {
    const ws = newWorkspaceId();
    expect(goalKind(newWorkspaceId())).toEqual({ personal: true });
    expect(goalKind(newChildId(ws))).toEqual({ workspaceId: ws });
    expect(goalKind('nope')).toBeUndefined();
    expect(goalKind(`${newChildId(ws)}.${newWorkspaceId()}`)).toBeUndefined();
  });

  it.each<[Role, boolean, boolean]>([
    ['owner', true, true],
    ['admin', true, true],
    ['member', true, false],
    ['viewer', false, false],
  ])('a %s changes own goals: %s, others: %s', (role, own, others) => {
    const membership: MembershipRecord = { workspaceId: 'W', userId: 'me', role, email: '', joinedAt: '' };
    expect(mayChangeGoal(membership, { ownerId: 'me' })).toBe(own);
    expect(mayChangeGoal(membership, { ownerId: 'someone' })).toBe(others);
  });
});

describe('goal schemas', () => {
  it('trims titles, defaults optional fields to null, names each bad field', () => {
    expect(createGoalSchema.parse({ title: '  Launch  ' })).toEqual({
      title: 'Launch',
      targetDate: null,
      description: null,
    });
    const bad = createGoalSchema.safeParse({
      title: '   ',
      workspaceId: 'x',
      targetDate: '2025-02-30',
      description: 'd'.repeat(5001),
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'description',
      'targetDate',
      'title',
      'workspaceId',
    ]);
    expect(createGoalSchema.safeParse({ title: 't'.repeat(200) }).success).toBe(true);
    expect(createGoalSchema.safeParse({ title: 't'.repeat(201) }).success).toBe(false);
  });

  it('a PATCH needs a version and something to change; null clears', () => {
    expect(patchGoalSchema.safeParse({ version: 1 }).success).toBe(false);
    expect(patchGoalSchema.safeParse({ title: 'x' }).success).toBe(false);
    expect(patchGoalSchema.parse({ version: 2, targetDate: null })).toEqual({ version: 2, targetDate: null });
  });
});

/** An in-memory repository with the DynamoDB one's rules (version conditions, tombstones, list membership). */
class MemoryGoals implements GoalRepository {
  readonly goals = new Map<string, GoalRecord>();
  readonly roles = new Map<string, Role>(); // `${workspaceId}/${userId}` → role

  membership(workspaceId: string, userId: string): MembershipRecord | undefined {
    const role = this.roles.get(`${workspaceId}/${userId}`);
    return role ? { workspaceId, userId, role, email: `${userId}@example.com`, joinedAt: '' } : undefined;
  }
  async create(goal: GoalRecord) {
    this.goals.set(goal.id, { ...goal });
    return 'ok' as const;
  }
  async getWithMembership(goalId: string, userId: string) {
    const goal = this.goals.get(goalId);
    const workspaceId = workspaceOf(goalId);
    return {
      goal: goal && { ...goal },
      membership: workspaceId ? this.membership(workspaceId, userId) : undefined,
    };
  }
  private listed(predicate: (goal: GoalRecord) => boolean) {
    const items = [...this.goals.values()].filter((g) => !g.deletedAt && predicate(g));
    return { items, nextCursor: null };
  }
  async listPersonal(userId: string) {
    return this.listed((g) => g.workspaceId === null && g.ownerId === userId);
  }
  async listOfWorkspace(workspaceId: string) {
    return this.listed((g) => g.workspaceId === workspaceId);
  }
  async update(goal: GoalRecord, changes: GoalChanges, version: number, now: string) {
    const stored = this.goals.get(goal.id);
    if (!stored || stored.deletedAt) return { missing: true as const };
    if (stored.version !== version) return { conflict: { ...stored } };
    const next = { ...stored, ...changes, updatedAt: now, version: version + 1 };
    this.goals.set(goal.id, next);
    return { ok: { ...next } };
  }
  async delete(goal: GoalRecord, version: number, now: string) {
    const stored = this.goals.get(goal.id);
    if (!stored || stored.deletedAt) return { missing: true as const };
    if (stored.version !== version) return { conflict: { ...stored } };
    this.goals.set(goal.id, { ...stored, deletedAt: now, updatedAt: now, version: version + 1 });
    return { ok: true as const };
  }
}

/** WorkspaceService.authorize over the same roles. */
const authorizerOf = (repo: MemoryGoals): WorkspaceAuthorizer => ({
  async authorize(caller: Caller, workspaceId: string, action: Action) {
    const membership = repo.membership(workspaceId, caller.userId);
    if (!membership) throw new NotFoundError('No such workspace');
    if (!can(membership.role, action)) throw new ForbiddenError();
    const workspace: WorkspaceRecord = {
      id: workspaceId,
      name: 'W',
      createdAt: '',
      updatedAt: '',
      version: 1,
      ownerCount: 1,
      memberCount: 1,
    };
    return { workspace, membership };
  },
});

const who = (userId: string): Caller => ({ userId, email: `${userId}@example.com` });

describe('GoalService', () => {
  let repo: MemoryGoals;
  let goals: GoalService;
  const ws = newWorkspaceId();

  beforeEach(() => {
    repo = new MemoryGoals();
    goals = new GoalService(repo, authorizerOf(repo), () => new Date('2025-03-01T10:00:00.000Z'));
    for (const [user, role] of [
      ['owner', 'owner'],
      ['admin', 'admin'],
      ['member', 'member'],
      ['member2', 'member'],
      ['viewer', 'viewer'],
    ] as const)
      repo.roles.set(`${ws}/${user}`, role);
  });

  it('creates a personal goal with a plain ULID that only its owner sees', async () => {
    const goal = await goals.create(who('alice'), {
      title: 'Read more',
      targetDate: '2025-12-31',
      description: null,
    });
    expect(goal).toMatchObject({
      workspaceId: null,
      ownerId: 'alice',
      taskCount: 0,
      doneCount: 0,
      progress: 0,
    });
    expect(goalKind(goal.id)).toEqual({ personal: true });
    expect(await goals.get(who('alice'), goal.id)).toEqual(goal);
    expect(await codeOf(goals.get(who('bob'), goal.id))).toBe('NOT_FOUND');
    expect(await codeOf(goals.update(who('bob'), goal.id, 1, { title: 'Mine' }))).toBe('NOT_FOUND');
    expect((await goals.list(who('alice'), undefined, 50)).items.map((g) => g.id)).toEqual([goal.id]);
    expect((await goals.list(who('bob'), undefined, 50)).items).toEqual([]);
  });

  it('workspace goals: members create, viewers and outsiders cannot', async () => {
    const input = { title: 'Q3', workspaceId: ws, targetDate: null, description: null };
    const goal = await goals.create(who('member'), input);
    expect(workspaceOf(goal.id)).toBe(ws);
    expect(await codeOf(goals.create(who('viewer'), input))).toBe('FORBIDDEN');
    expect(await codeOf(goals.create(who('stranger'), input))).toBe('NOT_FOUND');
    expect(await codeOf(goals.get(who('viewer'), goal.id))).toBe('ok');
    expect(await codeOf(goals.get(who('stranger'), goal.id))).toBe('NOT_FOUND');
    expect(await codeOf(goals.list(who('stranger'), ws, 50))).toBe('NOT_FOUND');
  });

  it('workspace goals change by their creator or an owner/admin only', async () => {
    const goal = await goals.create(who('member'), {
      title: 'Q3',
      workspaceId: ws,
      targetDate: null,
      description: null,
    });
    expect(await codeOf(goals.update(who('member2'), goal.id, 1, { title: 'x' }))).toBe('FORBIDDEN');
    expect(await codeOf(goals.update(who('viewer'), goal.id, 1, { title: 'x' }))).toBe('FORBIDDEN');
    expect(await codeOf(goals.delete(who('member2'), goal.id, 1))).toBe('FORBIDDEN');
    const edited = await goals.update(who('member'), goal.id, 1, { title: 'Q3 launch' });
    expect(edited).toMatchObject({ title: 'Q3 launch', version: 2 });
    expect(await codeOf(goals.update(who('admin'), goal.id, 2, { description: 'why' }))).toBe('ok');
    expect(await codeOf(goals.delete(who('owner'), goal.id, 3))).toBe('ok');
  });

  it('answers a stale version with the stored goal as current', async () => {
    const goal = await goals.create(who('alice'), { title: 'A', targetDate: null, description: null });
    await goals.update(who('alice'), goal.id, 1, { title: 'B' });
    const error = await goals.update(who('alice'), goal.id, 1, { title: 'C' }).catch((e: AppError) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('VERSION_CONFLICT');
    expect((error as AppError).extra).toEqual({
      current: expect.objectContaining({ title: 'B', version: 2 }),
    });
    expect(await codeOf(goals.delete(who('alice'), goal.id, 1))).toBe('VERSION_CONFLICT');
  });

  it('a deleted goal is a tombstone: gone from GET, list, update and a second delete', async () => {
    const goal = await goals.create(who('alice'), { title: 'A', targetDate: null, description: null });
    await goals.delete(who('alice'), goal.id, 1);
    expect(repo.goals.get(goal.id)?.deletedAt).toBe('2025-03-01T10:00:00.000Z');
    expect(await codeOf(goals.get(who('alice'), goal.id))).toBe('NOT_FOUND');
    expect(await codeOf(goals.update(who('alice'), goal.id, 2, { title: 'x' }))).toBe('NOT_FOUND');
    expect(await codeOf(goals.delete(who('alice'), goal.id, 2))).toBe('NOT_FOUND');
    expect((await goals.list(who('alice'), undefined, 50)).items).toEqual([]);
  });
});
