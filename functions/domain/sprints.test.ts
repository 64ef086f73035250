import { createSprintSchema, patchSprintSchema, sprintDays } from '#shared/schemas/sprints';
import type { Role } from '#shared/schemas/workspaces';
import type { Page } from '#functions/lib/pagination';
import {
  burndownOf,
  completedSprint,
  datesOf,
  frozenDate,
  idealLine,
  remainingSeries,
  SprintService,
  statusStep,
  velocityOf,
  type MoveGuard,
  type MoveResult,
  type SprintChange,
  type SprintProject,
  type SprintReadRequest,
  type SprintReadResult,
  type SprintRecord,
  type SprintRepository,
  type SprintWriteOutcome,
  type TaskMove,
} from './sprints.ts';
import type { ActivityRecord } from './activity.ts';
import type { TaskRecord } from './tasks.ts';
import { callerOf, expectError, idIn, membershipOf, PROJECT, taskRecord, WS } from './test-fixtures.ts';

const sprintId = (n: number) => idIn(PROJECT, n);
const taskId = (n: number) => idIn(WS, n, '01K');
const OWNER = 'owner-sub';

const task = (n: number, overrides: Partial<TaskRecord> = {}): TaskRecord =>
  taskRecord({
    id: taskId(n),
    number: n,
    title: `Task ${n}`,
    createdBy: OWNER,
    createdAt: '2026-03-01T09:00:00.000Z',
    updatedAt: '2026-03-01T09:00:00.000Z',
    ...overrides,
  });

const sprint = (n: number, overrides: Partial<SprintRecord> = {}): SprintRecord => ({
  id: sprintId(n),
  projectId: PROJECT,
  workspaceId: WS,
  name: `Sprint ${n}`,
  goal: null,
  startDate: '2026-03-02',
  endDate: '2026-03-06',
  status: 'planned',
  committedPoints: null,
  completedPoints: null,
  startedAt: null,
  completedAt: null,
  carryOverTo: null,
  carryOverPending: false,
  remainingByDay: null,
  createdBy: OWNER,
  createdAt: '2026-03-01T09:00:00.000Z',
  updatedAt: '2026-03-01T09:00:00.000Z',
  version: 1,
  ...overrides,
});

const done = (n: number, points: number, day: string, overrides: Partial<TaskRecord> = {}) =>
  task(n, { status: 'done', storyPoints: points, completedAt: `${day}T15:00:00.000Z`, ...overrides });

describe('sprint status steps', () => {
  it('goes planned → active → completed only; completed again finishes a completion', () => {
    expect(statusStep('planned', 'active')).toBe('start');
    expect(statusStep('active', 'completed')).toBe('complete');
    expect(statusStep('completed', 'completed')).toBe('finish');
    expect(statusStep('planned', 'planned')).toBe('same');
    expect(statusStep('active', 'active')).toBe('same');
    expect(statusStep('planned', 'completed')).toBeUndefined();
    expect(statusStep('active', 'planned')).toBeUndefined();
    expect(statusStep('completed', 'active')).toBeUndefined();
    expect(statusStep('completed', 'planned')).toBeUndefined();
  });

  it('lets both dates change while planned, only the end while active, none once completed', () => {
    const dates = { startDate: '2026-03-02', endDate: '2026-03-06' };
    expect(
      frozenDate({ status: 'planned', ...dates }, { startDate: '2026-03-03', endDate: '2026-03-09' }),
    ).toBe(undefined);
    expect(frozenDate({ status: 'active', ...dates }, { endDate: '2026-03-09' })).toBeUndefined();
    expect(frozenDate({ status: 'active', ...dates }, { startDate: '2026-03-03' })).toBe('startDate');
    // Sending the stored value is no change.
    expect(frozenDate({ status: 'active', ...dates }, { startDate: '2026-03-02' })).toBeUndefined();
    expect(frozenDate({ status: 'completed', ...dates }, { endDate: '2026-03-09' })).toBe('endDate');
  });
});

describe('sprint schemas', () => {
  it('requires endDate on or after startDate, within the longest sprint, naming endDate', () => {
    const base = { name: 'S1', startDate: '2026-03-02' };
    expect(createSprintSchema.parse({ ...base, endDate: '2026-03-02' })).toEqual({
      ...base,
      endDate: '2026-03-02',
      goal: null,
    });
    const before = createSprintSchema.safeParse({ ...base, endDate: '2026-03-01' });
    expect(before.success).toBe(false);
    expect(before.error?.issues.map((i) => i.path.join('.'))).toEqual(['endDate']);
    expect(createSprintSchema.safeParse({ ...base, endDate: '2027-03-02' }).success).toBe(true);
    expect(createSprintSchema.safeParse({ ...base, endDate: '2027-03-03' }).success).toBe(false);
    expect(sprintDays('2026-03-02', '2027-03-02')).toBe(366);
  });

  it('refuses carryOverTo without status completed, and a body with nothing to change', () => {
    const carry = patchSprintSchema.safeParse({ version: 1, carryOverTo: null });
    expect(carry.error?.issues.map((i) => i.path.join('.'))).toEqual(['carryOverTo']);
    expect(patchSprintSchema.safeParse({ version: 1, status: 'completed', carryOverTo: null }).success).toBe(
      true,
    );
    expect(patchSprintSchema.safeParse({ version: 1 }).success).toBe(false);
    // An unknown field is reported alone.
    const unknown = patchSprintSchema.safeParse({ version: 1, colour: 'red' });
    expect(unknown.error?.issues.map((i) => i.code)).toEqual(['unrecognized_keys']);
  });
});

describe('burndown', () => {
  it('lists every date from start to end, across a month end', () => {
    expect(datesOf('2026-02-27', '2026-03-02')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
    expect(datesOf('2026-03-02', '2026-03-02')).toEqual(['2026-03-02']);
  });

  it('counts the points not done by the end of each day, null after the last day', () => {
    const tasks = [
      done(1, 3, '2026-03-03'),
      done(2, 5, '2026-03-04'),
      task(3, { storyPoints: 8, status: 'in_progress' }),
      task(4, { storyPoints: null }), // unestimated: 0
      task(5, { storyPoints: 13, status: 'archived' }), // dropped work: not counted
      task(6, { storyPoints: 21, deletedAt: '2026-03-03T00:00:00.000Z' }),
      done(7, 2, '2026-02-20'), // done before the sprint began
    ];
    expect(remainingSeries(tasks, '2026-03-02', '2026-03-06', '2026-03-04')).toEqual([16, 13, 8, null, null]);
  });

  it('draws the ideal line from the committed points down to 0 on the last day', () => {
    expect(idealLine(10, 6)).toEqual([10, 8, 6, 4, 2, 0]);
    expect(idealLine(10, 4)).toEqual([10, 6.67, 3.33, 0]);
    expect(idealLine(7, 1)).toEqual([0]);
    expect(idealLine(0, 3)).toEqual([0, 0, 0]);
  });

  it('starts an active sprint at its committed points; a planned one at its points now', () => {
    const tasks = [done(1, 3, '2026-03-03'), task(2, { storyPoints: 5 }), task(3, { storyPoints: 2 })];
    const active = burndownOf(sprint(1, { status: 'active', committedPoints: 8 }), tasks, '2026-03-03');
    expect(active.committedPoints).toBe(8);
    expect(active.completedPoints).toBe(3);
    expect(active.days).toEqual([
      { date: '2026-03-02', remainingPoints: 10, idealPoints: 8 },
      { date: '2026-03-03', remainingPoints: 7, idealPoints: 6 },
      { date: '2026-03-04', remainingPoints: null, idealPoints: 4 },
      { date: '2026-03-05', remainingPoints: null, idealPoints: 2 },
      { date: '2026-03-06', remainingPoints: null, idealPoints: 0 },
    ]);
    const planned = burndownOf(sprint(2), tasks, '2026-03-01');
    expect(planned.committedPoints).toBe(10);
    expect(planned.days.map((d) => d.remainingPoints)).toEqual([null, null, null, null, null]);
    expect(planned.days[0]!.idealPoints).toBe(10);
  });

  it('shows a completed sprint as frozen at completion, whatever its tasks are now', () => {
    const tasks = [done(1, 3, '2026-03-03'), task(2, { storyPoints: 5 })];
    const completed = completedSprint(
      sprint(1, { status: 'active', committedPoints: 8 }),
      tasks,
      null,
      '2026-03-04T10:00:00.000Z',
    );
    expect(completed).toMatchObject({
      status: 'completed',
      completedPoints: 3,
      completedAt: '2026-03-04T10:00:00.000Z',
      remainingByDay: [8, 5, 5, null, null],
      carryOverPending: true,
    });
    // Later the unfinished task has left the sprint: the frozen figures stay.
    const chart = burndownOf(completed, [], '2026-03-20');
    expect(chart.days.map((d) => d.remainingPoints)).toEqual([8, 5, 5, null, null]);
    expect(chart.committedPoints).toBe(8);
    expect(chart.completedPoints).toBe(3);
  });
});

describe('velocity', () => {
  it('keeps the last 10 completed sprints by completion time, oldest first, with their mean', () => {
    const completed = Array.from({ length: 12 }, (_, i) =>
      sprint(i + 1, {
        status: 'completed',
        committedPoints: 10,
        completedPoints: i + 1,
        // Completed in reverse order of creation for the first two.
        completedAt: `2026-04-${String(i < 2 ? 20 - i : i + 1).padStart(2, '0')}T10:00:00.000Z`,
      }),
    );
    const velocity = velocityOf([...completed, sprint(20, { status: 'active' })]);
    expect(velocity.sprints.map((s) => s.completedPoints)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 2, 1]);
    expect(velocity.averageCompletedPoints).toBe(7.1);
    expect(velocity.sprints[0]).toEqual({
      id: sprintId(5),
      name: 'Sprint 5',
      startDate: '2026-03-02',
      endDate: '2026-03-06',
      committedPoints: 10,
      completedPoints: 5,
      completedAt: '2026-04-05T10:00:00.000Z',
    });
  });

  it('has no average before any sprint is completed', () => {
    expect(velocityOf([sprint(1)])).toEqual({ sprints: [], averageCompletedPoints: null });
  });
});

// ---------------------------------------------------------------------------------------------------------
// The service against an in-memory repository
// ---------------------------------------------------------------------------------------------------------

class MemoryRepository implements SprintRepository {
  role: Role | undefined = 'member';
  project: SprintProject = {
    id: PROJECT,
    workspaceId: WS,
    key: 'WEB',
    archived: false,
    activeSprintId: null,
  };
  sprints = new Map<string, SprintRecord>();
  tasks = new Map<string, TaskRecord>();
  activities: ActivityRecord[] = [];
  transactions = 0;
  /** Runs before each batch of moves is applied (a concurrent change), once per call. */
  beforeMoves: Array<() => void> = [];
  /** Makes the next moveTasks run out of time without writing. */
  outOfTimeOnce = false;

  add(...tasks: TaskRecord[]) {
    for (const t of tasks) this.tasks.set(t.id, t);
  }

  async read(request: SprintReadRequest): Promise<SprintReadResult> {
    const sprints = new Map<string, SprintRecord>();
    for (const id of request.sprintIds ?? []) {
      const found = this.sprints.get(id);
      if (found) sprints.set(id, { ...found });
    }
    return {
      membership: this.role ? membershipOf(OWNER, this.role) : undefined,
      project: { ...this.project },
      sprints,
    };
  }

  async create(record: SprintRecord, activity: ActivityRecord) {
    if (this.project.archived) return { project: { ...this.project } };
    this.sprints.set(record.id, record);
    this.activities.push(activity);
    return { ok: true as const };
  }

  async list(): Promise<Page<SprintRecord>> {
    return { items: [...this.sprints.values()], nextCursor: null };
  }

  async completed(): Promise<SprintRecord[]> {
    return [...this.sprints.values()].filter((s) => s.status === 'completed');
  }

  async tasksOf(id: string): Promise<TaskRecord[]> {
    return [...this.tasks.values()].filter((t) => t.sprintId === id && !t.deletedAt).map((t) => ({ ...t }));
  }

  async write(change: SprintChange): Promise<SprintWriteOutcome> {
    const stored = this.sprints.get(change.before.id);
    if (!stored || stored.version !== change.before.version || stored.status !== change.before.status)
      return { sprint: stored };
    if (this.project.archived) return { project: { ...this.project } };
    if (change.kind === 'start' && this.project.activeSprintId) return { project: { ...this.project } };
    if (change.kind === 'complete' && this.project.activeSprintId !== change.before.id)
      return { project: { ...this.project } };
    if (change.target && this.sprints.get(change.target.id)?.status !== 'planned') return { target: true };
    if (change.kind === 'start') this.project.activeSprintId = change.after.id;
    if (change.kind === 'complete') this.project.activeSprintId = null;
    this.sprints.set(change.after.id, { ...change.after, carryOverPending: change.after.carryOverPending });
    this.activities.push(change.activity);
    this.transactions++;
    return { ok: true };
  }

  async delete(record: SprintRecord, activity: ActivityRecord): Promise<SprintWriteOutcome> {
    const stored = this.sprints.get(record.id);
    if (!stored || stored.version !== record.version || stored.status !== 'planned')
      return { sprint: stored };
    this.sprints.delete(record.id);
    this.activities.push(activity);
    return { ok: true };
  }

  async moveTasks(moves: TaskMove[], guard: MoveGuard | undefined): Promise<MoveResult> {
    this.beforeMoves.shift()?.();
    const result: MoveResult = { moved: [], stale: [], guardFailed: false, outOfTime: false };
    if (this.outOfTimeOnce) {
      this.outOfTimeOnce = false;
      return { ...result, outOfTime: true };
    }
    if (guard && 'takes' in guard) {
      const target = this.sprints.get(guard.takes);
      if (!target || target.status === 'completed') return { ...result, guardFailed: true };
    }
    if (guard && 'unchanged' in guard) {
      const stored = this.sprints.get(guard.unchanged.id);
      if (stored?.version !== guard.unchanged.version) return { ...result, guardFailed: true };
    }
    for (const move of moves) {
      const stored = this.tasks.get(move.before.id);
      if (!stored || stored.version !== move.before.version || stored.deletedAt) {
        result.stale.push({ id: move.before.id, current: stored && { ...stored } });
        continue;
      }
      this.tasks.set(move.after.id, move.after);
      this.activities.push(move.activity);
      result.moved.push(move.before.id);
    }
    return result;
  }

  async finishCarryOver(record: SprintRecord): Promise<void> {
    const stored = this.sprints.get(record.id);
    if (stored?.status === 'completed') stored.carryOverPending = false;
  }
}

const caller = callerOf(OWNER);
const NOW = new Date('2026-03-04T10:00:00.000Z');

function setUp() {
  const repository = new MemoryRepository();
  const service = new SprintService(repository, () => NOW);
  return { repository, service };
}

describe('SprintService', () => {
  it('starts a sprint: freezes the committed points and time, sets the active sprint, records it', async () => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1));
    repository.add(
      task(1, { sprintId: sprintId(1), storyPoints: 3 }),
      task(2, { sprintId: sprintId(1), storyPoints: 5, status: 'done', completedAt: NOW.toISOString() }),
      task(3, { sprintId: sprintId(1), storyPoints: 8, status: 'archived' }),
      task(4, { sprintId: null, storyPoints: 13 }),
    );
    const started = await service.patch(caller, sprintId(1), { version: 1, status: 'active' });
    expect(started).toMatchObject({
      status: 'active',
      committedPoints: 8,
      startedAt: NOW.toISOString(),
      version: 2,
    });
    expect(repository.project.activeSprintId).toBe(sprintId(1));
    expect(repository.activities.at(-1)).toMatchObject({
      action: 'started',
      entityType: 'sprint',
      entityId: sprintId(1),
      taskId: null,
      changes: {
        status: { from: 'planned', to: 'active' },
        committedPoints: { from: null, to: 8 },
        startedAt: { from: null, to: NOW.toISOString() },
      },
      data: started,
    });
  });

  it('refuses a second active sprint with 409 CONFLICT naming the active one, writing nothing', async () => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1, { status: 'active', version: 2 }));
    repository.sprints.set(sprintId(2), sprint(2));
    repository.project.activeSprintId = sprintId(1);
    const error = await expectError(
      service.patch(caller, sprintId(2), { version: 1, status: 'active' }),
      'CONFLICT',
    );
    expect(error.message).toContain(sprintId(1));
    expect(error.message).toContain('Sprint 1');
    expect(error.extra).toEqual({ activeSprintId: sprintId(1) });
    expect(repository.sprints.get(sprintId(2))!.status).toBe('planned');
    expect(repository.transactions).toBe(0);
  });

  it.each([
    ['planned', 'completed'],
    ['active', 'planned'],
    ['completed', 'active'],
    ['completed', 'planned'],
  ] as const)('refuses %s → %s with 409 CONFLICT', async (from, to) => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1, { status: from }));
    await expectError(service.patch(caller, sprintId(1), { version: 1, status: to }), 'CONFLICT');
    expect(repository.transactions).toBe(0);
  });

  it('answers a stale version with VERSION_CONFLICT and the stored sprint', async () => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1, { version: 3, name: 'Now' }));
    const error = await expectError(
      service.patch(caller, sprintId(1), { version: 2, name: 'Mine' }),
      'VERSION_CONFLICT',
    );
    expect(error.extra).toEqual({ current: expect.objectContaining({ name: 'Now', version: 3 }) });
  });

  it('lets viewers read but not change; non-members get 404', async () => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1));
    repository.role = 'viewer';
    await expect(service.get(caller, sprintId(1))).resolves.toMatchObject({ id: sprintId(1) });
    await expectError(service.patch(caller, sprintId(1), { version: 1, name: 'X' }), 'FORBIDDEN');
    await expectError(service.delete(caller, sprintId(1), 1), 'FORBIDDEN');
    repository.role = undefined;
    await expectError(service.get(caller, sprintId(1)), 'NOT_FOUND');
    await expectError(service.burndown(caller, sprintId(1)), 'NOT_FOUND');
  });

  it('keeps an archived project’s sprints read-only', async () => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1));
    repository.project.archived = true;
    await expectError(service.patch(caller, sprintId(1), { version: 1, name: 'X' }), 'CONFLICT');
    await expectError(
      service.create(caller, PROJECT, {
        name: 'S',
        goal: null,
        startDate: '2026-03-02',
        endDate: '2026-03-03',
      }),
      'CONFLICT',
    );
    await expect(service.burndown(caller, sprintId(1))).resolves.toMatchObject({ sprintId: sprintId(1) });
  });

  it('refuses a start date change once started (409) and dates out of order (400 naming the field)', async () => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1, { status: 'active' }));
    await expectError(
      service.patch(caller, sprintId(1), { version: 1, startDate: '2026-03-01' }),
      'CONFLICT',
    );
    const error = await expectError(
      service.patch(caller, sprintId(1), { version: 1, endDate: '2026-03-01' }),
      'VALIDATION_ERROR',
    );
    expect(error.details).toEqual([{ field: 'endDate', message: expect.any(String) }]);
    await expect(
      service.patch(caller, sprintId(1), { version: 1, endDate: '2026-03-09' }),
    ).resolves.toMatchObject({
      endDate: '2026-03-09',
      version: 2,
    });
  });

  it('completes: freezes the done points, carries unfinished tasks to the next sprint with activity, finishes', async () => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1, { status: 'active', committedPoints: 16, version: 2 }));
    repository.sprints.set(sprintId(2), sprint(2));
    repository.project.activeSprintId = sprintId(1);
    repository.add(
      done(1, 3, '2026-03-03', { sprintId: sprintId(1) }),
      task(2, { sprintId: sprintId(1), storyPoints: 5, status: 'in_progress', version: 4 }),
      task(3, { sprintId: sprintId(1), storyPoints: 8, status: 'archived' }),
      task(4, { sprintId: sprintId(1), status: 'blocked' }),
    );
    const completed = await service.patch(caller, sprintId(1), {
      version: 2,
      status: 'completed',
      carryOverTo: sprintId(2),
    });
    expect(completed).toMatchObject({
      status: 'completed',
      completedPoints: 3,
      completedAt: NOW.toISOString(),
      carryOverTo: sprintId(2),
      carryOverPending: false,
      version: 3,
    });
    expect(repository.project.activeSprintId).toBeNull();
    expect(repository.tasks.get(taskId(1))!.sprintId).toBe(sprintId(1));
    expect(repository.tasks.get(taskId(3))!.sprintId).toBe(sprintId(1));
    expect(repository.tasks.get(taskId(2))).toMatchObject({ sprintId: sprintId(2), version: 5 });
    expect(repository.tasks.get(taskId(4))).toMatchObject({ sprintId: sprintId(2), version: 2 });
    const moved = repository.activities.filter((a) => a.entityType === 'task');
    expect(moved.map((a) => a.entityId).sort()).toEqual([taskId(2), taskId(4)]);
    expect(moved[0]).toMatchObject({
      action: 'updated',
      taskId: moved[0]!.entityId,
      changes: { sprintId: { from: sprintId(1), to: sprintId(2) } },
      data: expect.objectContaining({ key: expect.stringMatching(/^WEB-\d+$/), sprintId: sprintId(2) }),
    });
    expect(repository.activities.find((a) => a.entityType === 'sprint')).toMatchObject({
      action: 'completed',
    });
  });

  it('re-reads a task changed during the carry-over and moves it as it is now; one finished meanwhile stays', async () => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1, { status: 'active', committedPoints: 10 }));
    repository.project.activeSprintId = sprintId(1);
    repository.add(
      task(1, { sprintId: sprintId(1), storyPoints: 5 }),
      task(2, { sprintId: sprintId(1), storyPoints: 5 }),
    );
    repository.beforeMoves.push(() => {
      // Someone renames task 1 and finishes task 2 while the first batch is being written.
      repository.tasks.set(taskId(1), { ...repository.tasks.get(taskId(1))!, title: 'Renamed', version: 2 });
      repository.tasks.set(taskId(2), {
        ...repository.tasks.get(taskId(2))!,
        status: 'done',
        completedAt: NOW.toISOString(),
        version: 2,
      });
    });
    const completed = await service.patch(caller, sprintId(1), { version: 1, status: 'completed' });
    expect(completed.carryOverPending).toBe(false);
    expect(repository.tasks.get(taskId(1))).toMatchObject({ title: 'Renamed', sprintId: null, version: 3 });
    expect(repository.tasks.get(taskId(2))).toMatchObject({
      status: 'done',
      sprintId: sprintId(1),
      version: 2,
    });
  });

  it('sends the rest to the backlog when the target sprint went meanwhile', async () => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1, { status: 'active', committedPoints: 5 }));
    repository.sprints.set(sprintId(2), sprint(2));
    repository.project.activeSprintId = sprintId(1);
    repository.add(task(1, { sprintId: sprintId(1), storyPoints: 5 }));
    repository.beforeMoves.push(() => repository.sprints.delete(sprintId(2)));
    const completed = await service.patch(caller, sprintId(1), {
      version: 1,
      status: 'completed',
      carryOverTo: sprintId(2),
    });
    expect(completed).toMatchObject({ carryOverTo: sprintId(2), carryOverPending: false });
    expect(repository.tasks.get(taskId(1))!.sprintId).toBeNull();
  });

  it('leaves an interrupted completion pending; completing again finishes it without a new version', async () => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1, { status: 'active', committedPoints: 5 }));
    repository.project.activeSprintId = sprintId(1);
    repository.add(task(1, { sprintId: sprintId(1), storyPoints: 5 }));
    repository.outOfTimeOnce = true;
    const first = await service.patch(caller, sprintId(1), { version: 1, status: 'completed' });
    expect(first).toMatchObject({ status: 'completed', carryOverPending: true, version: 2 });
    expect(repository.tasks.get(taskId(1))!.sprintId).toBe(sprintId(1));
    // Another target than the one given at completion is refused.
    await expectError(
      service.patch(caller, sprintId(1), { version: 2, status: 'completed', carryOverTo: sprintId(3) }),
      'CONFLICT',
    );
    const finished = await service.patch(caller, sprintId(1), { version: 2, status: 'completed' });
    expect(finished).toMatchObject({ carryOverPending: false, version: 2 });
    expect(repository.tasks.get(taskId(1))!.sprintId).toBeNull();
  });

  it('refuses a carry-over target that is not a planned sprint of the project (400 naming carryOverTo)', async () => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1, { status: 'active' }));
    repository.sprints.set(sprintId(2), sprint(2, { status: 'completed' }));
    repository.project.activeSprintId = sprintId(1);
    for (const target of [sprintId(2), sprintId(1), sprintId(9)]) {
      const error = await expectError(
        service.patch(caller, sprintId(1), { version: 1, status: 'completed', carryOverTo: target }),
        'VALIDATION_ERROR',
      );
      expect(error.details?.map((d) => d.field)).toEqual(['carryOverTo']);
    }
    expect(repository.sprints.get(sprintId(1))!.status).toBe('active');
  });

  it('deletes only a planned sprint, its tasks going back to the backlog first', async () => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1));
    repository.sprints.set(sprintId(2), sprint(2, { status: 'active' }));
    repository.add(task(1, { sprintId: sprintId(1) }), done(2, 3, '2026-03-01', { sprintId: sprintId(1) }));
    await expectError(service.delete(caller, sprintId(2), 1), 'CONFLICT');
    await expectError(service.delete(caller, sprintId(1), 2), 'VERSION_CONFLICT');
    await service.delete(caller, sprintId(1), 1);
    expect(repository.sprints.has(sprintId(1))).toBe(false);
    expect([...repository.tasks.values()].map((t) => t.sprintId)).toEqual([null, null]);
    expect(repository.activities.map((a) => [a.entityType, a.action])).toEqual([
      ['task', 'updated'],
      ['task', 'updated'],
      ['sprint', 'deleted'],
    ]);
    expect(repository.activities.at(-1)!.data).toBeNull();
  });

  it('writes nothing for a change that changes nothing', async () => {
    const { repository, service } = setUp();
    repository.sprints.set(sprintId(1), sprint(1));
    await expect(service.patch(caller, sprintId(1), { version: 1, name: 'Sprint 1' })).resolves.toMatchObject(
      {
        version: 1,
      },
    );
    expect(repository.transactions).toBe(0);
  });
});
