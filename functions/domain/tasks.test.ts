import { isValidRank, rankAfter } from '#shared/rank';
import {
  createTaskSchema,
  moveTaskSchema,
  patchTaskSchema,
  taskFiltersSchema,
  TASK_STATUSES,
  type TaskStatus,
} from '#shared/schemas/tasks';
import type { Role } from '#shared/schemas/workspaces';
import { AppError } from '#functions/lib/errors';
import type { Page } from '#functions/lib/pagination';
import {
  ACTIVITY_TEXT_MAX,
  changesBetween,
  completedAtAfter,
  CREATE_BUDGET_MS,
  numberTail,
  pastLeft,
  placeRank,
  queueWaitMs,
  rankTail,
  withinRestoreWindow,
  statusAt,
  statusIndex,
  STALL_MS,
  TaskService,
  taskView,
  type ActivityRecord,
  type InsertOutcome,
  type ProjectRecord,
  type ReadRequest,
  type ReadResult,
  type TaskRecord,
  type TaskRepository,
  type TicketOutcome,
  type TaskWrite,
  type WriteOutcome,
} from './tasks.ts';
import {
  callerOf,
  codeOf,
  idIn,
  membershipOf,
  PROJECT,
  projectRecord,
  taskRecord,
  WS,
} from './test-fixtures.ts';

const id = (n: number) => idIn(WS, n);

describe('status index (board column order)', () => {
  it('maps statuses to 0..5 in board order and back', () => {
    expect(TASK_STATUSES.map(statusIndex)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const status of TASK_STATUSES) expect(statusAt(statusIndex(status))).toBe(status);
    expect(statusAt(6)).toBeUndefined();
  });

  it('sorts board keys by column, then rank', () => {
    const entries: Array<[TaskStatus, string]> = [
      ['done', 'A'],
      ['todo', 'z'],
      ['blocked', '1'],
      ['todo', 'V'],
      ['in_progress', 'x'],
      ['archived', '0001'],
    ];
    const sorted = entries.map(([s, r]) => `${statusIndex(s)}#${r}`).sort();
    expect(sorted).toEqual(['0#V', '0#z', '1#x', '3#1', '4#A', '5#0001']);
  });
});

describe('taskView', () => {
  it('derives the key from the project key and returns exactly the contract fields', () => {
    const view = taskView(
      { ...taskRecord(), titleLower: 'x', descriptionLower: 'y' } as unknown as TaskRecord,
      'WEB',
    );
    expect(view.key).toBe('WEB-7');
    expect(Object.keys(view)).toEqual([
      'id',
      'number',
      'key',
      'projectId',
      'workspaceId',
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
      'rank',
      'subtaskCount',
      'subtasksDone',
      'commentCount',
      'attachmentCount',
      'createdBy',
      'createdAt',
      'updatedAt',
      'completedAt',
      'deletedAt',
      'version',
    ]);
    expect(taskView(taskRecord(), 'OPS').key).toBe('OPS-7');
  });
});

describe('changesBetween', () => {
  it('lists exactly the fields that differ, with from and to', () => {
    const before = taskRecord({ assigneeIds: ['a'], priority: 'low' });
    const after = taskRecord({ assigneeIds: ['a', 'b'], priority: 'high', version: 2, updatedAt: 'later' });
    expect(changesBetween(before, after)).toEqual({
      assigneeIds: { from: ['a'], to: ['a', 'b'] },
      priority: { from: 'low', to: 'high' },
    });
  });

  it('is empty when nothing tracked changed (version and updatedAt are bookkeeping)', () => {
    expect(changesBetween(taskRecord(), taskRecord({ version: 9, updatedAt: 'x' }))).toEqual({});
  });

  it('records null on either side', () => {
    expect(changesBetween(taskRecord(), taskRecord({ storyPoints: 5, dueDate: '2026-03-01' }))).toEqual({
      storyPoints: { from: null, to: 5 },
      dueDate: { from: null, to: '2026-03-01' },
    });
    expect(changesBetween(taskRecord({ sprintId: id(5) }), taskRecord())).toEqual({
      sprintId: { from: id(5), to: null },
    });
  });

  it('cuts very long texts and says so', () => {
    const long = 'x'.repeat(ACTIVITY_TEXT_MAX + 5);
    const change = changesBetween(
      taskRecord({ description: 'short' }),
      taskRecord({ description: long }),
    ).description!;
    expect(change).toEqual({ from: 'short', to: 'x'.repeat(ACTIVITY_TEXT_MAX), truncated: true });
  });
});

describe('completedAtAfter', () => {
  const now = '2026-02-01T00:00:00.000Z';
  it('sets completedAt on entering done, keeps it while done, clears it on leaving', () => {
    expect(completedAtAfter(undefined, 'done', now)).toBe(now);
    expect(completedAtAfter(undefined, 'todo', now)).toBeNull();
    expect(completedAtAfter({ status: 'in_review', completedAt: null }, 'done', now)).toBe(now);
    expect(completedAtAfter({ status: 'done', completedAt: 'earlier' }, 'done', now)).toBe('earlier');
    expect(completedAtAfter({ status: 'done', completedAt: 'earlier' }, 'todo', now)).toBeNull();
    expect(completedAtAfter({ status: 'done', completedAt: 'earlier' }, 'archived', now)).toBeNull();
  });
});

describe('withinRestoreWindow', () => {
  it('allows restoring for 30 days after the deletion', () => {
    const deletedAt = '2026-01-01T00:00:00.000Z';
    expect(withinRestoreWindow(deletedAt, new Date('2026-01-31T00:00:00.000Z'))).toBe(true);
    expect(withinRestoreWindow(deletedAt, new Date('2026-01-31T00:00:00.001Z'))).toBe(false);
  });
});

describe('ranks', () => {
  it('gives every task a valid two-digit tail of its own, the same every time', () => {
    const tails = new Set<string>();
    for (let n = 0; n < 200; n++) {
      const tail = rankTail(id(n));
      expect(tail).toHaveLength(2);
      expect(isValidRank(tail)).toBe(true);
      expect(rankTail(id(n))).toBe(tail);
      tails.add(tail);
    }
    expect(tails.size).toBeGreaterThan(190);
  });

  it('number tails: fixed width, valid, in number order, so a burst that read one bottom keeps creation order', () => {
    const bottom = rankAfter('V');
    const ranks = [1, 2, 61, 62, 63, 3_843, 3_844, 238_327, 1_000_000].map((n) => bottom + numberTail(n));
    for (const rank of ranks) {
      expect(isValidRank(rank)).toBe(true);
      expect(rank > 'V').toBe(true);
    }
    expect(new Set(ranks.map((r) => r.length))).toEqual(new Set([bottom.length + 5]));
    expect([...ranks].sort()).toEqual(ranks);
    // One after another (each reads the previous as the bottom), 10,000 creations stay short and in order.
    let last: string | null = null;
    for (let n = 1; n <= 10_000; n++) {
      const rank: string = rankAfter(last) + numberTail(n);
      expect(last === null || rank > last).toBe(true);
      last = rank;
    }
    expect(last!.length).toBeLessThanOrEqual(9);
  });

  it('places between the neighbours, with the tail when it fits', () => {
    const rank = placeRank('V', 'W', id(1));
    expect(rank > 'V' && rank < 'W').toBe(true);
    expect(rank.endsWith(rankTail(id(1)))).toBe(true);
    // No room for a tail right under the upper neighbour: the plain rank.
    expect(placeRank('V', 'V1', id(1)) < 'V1').toBe(true);
    expect(placeRank(null, null, id(1)).startsWith('V')).toBe(true);
    const top = placeRank(null, 'V', id(1));
    expect(top < 'V').toBe(true);
    expect(placeRank('V', null, id(1)) > 'V').toBe(true);
    expect(() => placeRank('W', 'V', id(1))).toThrow(RangeError);
  });

  it('keeps appends short: the next append drops the previous tail', () => {
    let last: string | null = null;
    for (let n = 0; n < 1_000; n++) {
      const next = placeRank(last, null, id(n));
      if (last !== null) expect(next > last).toBe(true);
      expect(next.length).toBeLessThanOrEqual(4);
      last = next;
    }
    expect(rankAfter(last)).toBeDefined();
  });

  it('gives two tasks put into the same gap different ranks, both inside it', () => {
    let distinct = 0;
    for (let n = 0; n < 100; n++) {
      const a = placeRank('V', 'X', id(2 * n));
      const b = placeRank('V', 'X', id(2 * n + 1));
      for (const r of [a, b]) expect(r > 'V' && r < 'X').toBe(true);
      if (a !== b) distinct++;
    }
    expect(distinct).toBeGreaterThanOrEqual(99);
  });

  it('keeps a strict total order under many random placements', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const column: string[] = [];
    for (let n = 0; n < 2_000; n++) {
      const at = Math.floor(random() * (column.length + 1));
      const rank = placeRank(column[at - 1] ?? null, column[at] ?? null, id(n));
      column.splice(at, 0, rank);
    }
    for (let i = 1; i < column.length; i++) expect(column[i - 1]! < column[i]!).toBe(true);
  });
});

describe('the creation queue', () => {
  it("passes the turn over tickets given up right after it, never over the caller's own", () => {
    expect(pastLeft(4, [5, 6, 8], 10)).toBe(6);
    expect(pastLeft(4, [6], 10)).toBe(4);
    expect(pastLeft(4, [5, 6, 7], 7)).toBe(6);
    expect(pastLeft(0, [], 1)).toBe(0);
  });

  it('sleeps until a little before the turn is due, then reads often; 5..1500 ms', () => {
    const late = (places: number, turnMs: number, sinceMoveMs = 0) =>
      queueWaitMs(places, turnMs, sinceMoveMs, () => 0.999999);
    const early = (places: number, turnMs: number, sinceMoveMs = 0) =>
      queueWaitMs(places, turnMs, sinceMoveMs, () => 0);
    expect([early(4, 100), late(4, 100)]).toEqual([289, 385]);
    // The current turn has run 300 of its 400 ms: due in 100 ms.
    expect(late(4, 100, 300)).toBe(85);
    // Next in line, the turn due: every 0.15 turn.
    expect([early(1, 100, 100), late(1, 100, 100)]).toEqual([11, 15]);
    expect(late(1, 1)).toBe(5);
    expect(late(150, 30)).toBe(1_500);
    // The turn overdue by 1.2 s (a holder silent or slow): half of that.
    expect(late(1, 100, 1_300)).toBe(600);
  });
});

describe('task schemas', () => {
  const issues = (
    schema: { safeParse(v: unknown): { error?: { issues: Array<{ path: PropertyKey[] }> } } },
    v: unknown,
  ) => (schema.safeParse(v).error?.issues ?? []).map((i) => i.path.join('.'));

  it('fills defaults and nulls on create, and trims the title', () => {
    expect(createTaskSchema.parse({ title: '  Ship it ' })).toEqual({
      title: 'Ship it',
      description: null,
      status: 'todo',
      priority: 'medium',
      storyPoints: null,
      dueDate: null,
      assigneeIds: [],
      labelIds: [],
      sprintId: null,
      goalId: null,
      parentId: null,
    });
  });

  it.each([
    ['a missing title', {}, 'title'],
    ['a blank title', { title: '   ' }, 'title'],
    ['an oversize title', { title: 'x'.repeat(201) }, 'title'],
    ['an oversize description', { title: 'a', description: 'x'.repeat(50_001) }, 'description'],
    ['an unknown status', { title: 'a', status: 'doing' }, 'status'],
    ['an unknown priority', { title: 'a', priority: 'urgent' }, 'priority'],
    ['0 story points', { title: 'a', storyPoints: 0 }, 'storyPoints'],
    ['22 story points', { title: 'a', storyPoints: 22 }, 'storyPoints'],
    ['1.5 story points', { title: 'a', storyPoints: 1.5 }, 'storyPoints'],
    ['February 30th', { title: 'a', dueDate: '2026-02-30' }, 'dueDate'],
    ['a date-time as due date', { title: 'a', dueDate: '2026-02-01T00:00:00Z' }, 'dueDate'],
    ['a repeated assignee', { title: 'a', assigneeIds: ['u1', 'u1'] }, 'assigneeIds'],
    [
      '21 assignees',
      { title: 'a', assigneeIds: Array.from({ length: 21 }, (_, i) => `u${i}`) },
      'assigneeIds',
    ],
    ['a malformed label id', { title: 'a', labelIds: ['nope'] }, 'labelIds.0'],
    ['a malformed parent id', { title: 'a', parentId: 'x' }, 'parentId'],
    ['a wrong type', { title: 5 }, 'title'],
    ['an unknown field', { title: 'a', estimate: 3 }, ''],
  ])('refuses %s', (_, body, path) => {
    expect(issues(createTaskSchema, body)).toEqual([path]);
  });

  it('accepts real calendar dates, leap days included', () => {
    expect(createTaskSchema.safeParse({ title: 'a', dueDate: '2024-02-29' }).success).toBe(true);
    expect(createTaskSchema.safeParse({ title: 'a', dueDate: '2023-02-29' }).success).toBe(false);
    expect(createTaskSchema.safeParse({ title: 'a', dueDate: '2026-13-01' }).success).toBe(false);
  });

  it('wants a version and at least one change on patch', () => {
    expect(issues(patchTaskSchema, { version: 1 })).toEqual(['']);
    expect(issues(patchTaskSchema, { title: 'a' })).toEqual(['version']);
    expect(issues(patchTaskSchema, { version: 1, colour: 'red' })).toEqual(['']);
    expect(patchTaskSchema.parse({ version: 2, storyPoints: null })).toEqual({
      version: 2,
      storyPoints: null,
    });
  });

  it('refuses a move between a task and itself', () => {
    expect(issues(moveTaskSchema, { version: 1, status: 'todo', beforeId: id(1), afterId: id(1) })).toEqual([
      'afterId',
    ]);
    expect(moveTaskSchema.parse({ version: 1, status: 'done', beforeId: null })).toEqual({
      version: 1,
      status: 'done',
      beforeId: null,
    });
  });

  it('reads list filters from the query string', () => {
    expect(taskFiltersSchema.parse({ includeDeleted: 'true', sprintId: 'none', q: ' Foo ' })).toEqual({
      includeDeleted: true,
      sprintId: 'none',
      q: 'Foo',
    });
    expect(issues(taskFiltersSchema, { includeDeleted: 'yes' })).toEqual(['includeDeleted']);
    expect(issues(taskFiltersSchema, { dueBefore: '2026-02-30' })).toEqual(['dueBefore']);
    expect(issues(taskFiltersSchema, { sort: 'rank' })).toEqual(['']);
  });
});

/** An in-memory repository: enough of DynamoDB's behaviour to drive the service's rules. */
class MemoryRepository implements TaskRepository {
  tasks = new Map<string, TaskRecord>();
  members = new Map<string, Role>();
  labels = new Set<string>();
  project: ProjectRecord = projectRecord();
  activities: ActivityRecord[] = [];
  writes: TaskWrite[] = [];
  /** Tickets of the creation queue handed out (`turn` and `left` are on the project, as stored). */
  tickets = 0;
  /** Inserts that lose to a concurrent transaction (cloud: TransactionConflict) before one goes through. */
  losses = 0;
  inserts = 0;
  /** Tickets and the numbers their inserts took, in commit order. */
  served: Array<{ ticket: number; number: number }> = [];
  /** Run when an insert starts, before it is decided (a test acts while a creation holds its turn). */
  beforeInsert?: (task: TaskRecord) => Promise<void> | void;

  private snapshot(): ProjectRecord {
    return { ...this.project, left: [...(this.project.left ?? [])] };
  }

  async read(request: ReadRequest): Promise<ReadResult> {
    const role = this.members.get(request.userId);
    return {
      membership: role ? membershipOf(request.userId, role) : undefined,
      project: request.projectId === this.project.id ? { ...this.project } : undefined,
      tasks: new Map(
        (request.taskIds ?? []).flatMap((t) => (this.tasks.has(t) ? [[t, { ...this.tasks.get(t)! }]] : [])),
      ),
      memberIds: new Set((request.memberIds ?? []).filter((m) => this.members.has(m))),
      labelIds: new Set((request.labelIds ?? []).filter((l) => this.labels.has(l))),
    };
  }
  async getProject() {
    return this.snapshot();
  }
  async takeTicket(): Promise<TicketOutcome> {
    if (this.project.archived) return { refused: this.snapshot() };
    this.tickets++;
    return { ticket: this.tickets, project: this.snapshot() };
  }
  async advanceTurn(_ws: string, _p: string, seen: number, to: number, drop: number[]) {
    if ((this.project.turn ?? 0) === seen) {
      this.project.turn = to;
      this.project.left = (this.project.left ?? []).filter((t) => !drop.includes(t));
    }
    return this.snapshot();
  }
  async leaveQueue(_ws: string, _p: string, ticket: number) {
    const turn = this.project.turn ?? 0;
    if (turn === ticket - 1) this.project.turn = ticket;
    else if (turn < ticket - 1) this.project.left = [...(this.project.left ?? []), ticket];
  }
  async getTask(taskId: string) {
    return this.tasks.get(taskId);
  }
  private columnOf(status: TaskStatus, exceptId?: string) {
    return [...this.tasks.values()]
      .filter((t) => t.status === status && !t.deletedAt && t.id !== exceptId)
      .sort((a, b) => (a.rank < b.rank ? -1 : 1));
  }
  async lastInColumn(_: string, status: TaskStatus, exceptId?: string) {
    return this.columnOf(status, exceptId).at(-1);
  }
  async nextInColumn(of: TaskRecord, direction: 'below' | 'above', exceptId: string) {
    const column = this.columnOf(of.status, exceptId);
    return direction === 'below'
      ? column.find((t) => t.rank > of.rank)
      : column.filter((t) => t.rank < of.rank).at(-1);
  }
  async insert(
    task: TaskRecord,
    activity: ActivityRecord,
    seen: { taskSeq: number | undefined; ticket: number },
  ): Promise<InsertOutcome> {
    this.inserts++;
    await this.beforeInsert?.(task);
    if (this.losses > 0) {
      this.losses--;
      return { lost: true };
    }
    if (this.project.archived) return { project: 'archived' };
    if ((this.project.turn ?? 0) !== seen.ticket - 1) return { skipped: true };
    if (seen.taskSeq !== this.project.taskSeq) return { lost: true };
    if (task.labelIds.some((l) => !this.labels.has(l))) return { reference: 'labelIds' };
    this.project.taskSeq = task.number;
    this.project.turn = seen.ticket;
    this.served.push({ ticket: seen.ticket, number: task.number });
    this.tasks.set(task.id, task);
    this.activities.push(activity);
    return { ok: true };
  }
  async write(change: TaskWrite): Promise<WriteOutcome> {
    const stored = this.tasks.get(change.before.id);
    if (!stored || stored.version !== change.before.version) return { task: stored };
    this.writes.push(change);
    this.tasks.set(change.after.id, change.after);
    this.activities.push(change.activity);
    return { ok: true };
  }
  async list(): Promise<Page<TaskRecord>> {
    return { items: [], nextCursor: null };
  }
  async taskActivity(): Promise<Page<ActivityRecord>> {
    return { items: [], nextCursor: null };
  }
  async projectActivity(): Promise<Page<ActivityRecord>> {
    return { items: [], nextCursor: null };
  }
  // The cross-workspace reads are exercised against DynamoDB Local (test/my-tasks.int.test.ts, search, changes).
  async assigned(): Promise<Page<never>> {
    return { items: [], nextCursor: null };
  }
  async readAcross() {
    return { tasks: new Map(), memberOf: new Set<string>(), projects: new Map() };
  }
  async search(): Promise<Page<TaskRecord>> {
    return { items: [], nextCursor: null };
  }
  async changes() {
    return { items: [], hasMore: false };
  }
}

describe('TaskService', () => {
  const owner = callerOf('owner');
  const member = callerOf('member');
  const viewer = callerOf('viewer');
  const stranger = callerOf('stranger');
  let repo: MemoryRepository;
  let sleeps: number[];
  let service: TaskService;
  /** Virtual time (ms): advanced by the service's sleeps. */
  let clockMs: number;
  /** Run after each of the service's sleeps. */
  let afterSleep: (() => void) | undefined;

  const create = (caller = owner, body: Record<string, unknown> = {}) =>
    service.create(caller, PROJECT, createTaskSchema.parse({ title: 'T', ...body }));

  beforeEach(() => {
    repo = new MemoryRepository();
    repo.members.set('owner', 'owner').set('member', 'member').set('viewer', 'viewer');
    sleeps = [];
    clockMs = 0;
    afterSleep = undefined;
    service = new TaskService(
      repo,
      () => new Date(Date.parse('2026-03-01T10:00:00.000Z') + clockMs),
      async (ms) => {
        sleeps.push(ms);
        clockMs += ms;
        // Let other creations run meanwhile, as a real sleep would.
        await new Promise((r) => setImmediate(r));
        afterSleep?.();
      },
    );
  });

  it('numbers tasks from the project sequence and appends them to their column', async () => {
    const a = await create();
    const b = await create();
    expect([a.number, b.number]).toEqual([1, 2]);
    expect(a.key).toBe('WEB-1');
    expect(b.rank > a.rank).toBe(true);
    expect(repo.activities.map((x) => x.action)).toEqual(['created', 'created']);
    expect(repo.activities[0]!.data).toEqual(a);
  });

  it('serves concurrent creations in ticket order: one transaction each, numbers gap-free', async () => {
    const tasks = await Promise.all(Array.from({ length: 6 }, (_, i) => create(owner, { title: `T${i}` })));
    expect(tasks.map((t) => t.number).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(repo.served.map((s) => s.number)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(repo.served.map((s) => s.ticket)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(repo.inserts).toBe(6);
    expect([repo.project.taskSeq, repo.project.turn, repo.tickets]).toEqual([6, 6, 6]);
  });

  it('retries its commit while it holds the turn after losing to a concurrent transaction', async () => {
    repo.losses = 2;
    const task = await create();
    expect(task.number).toBe(1);
    expect([repo.inserts, repo.tickets, repo.project.turn]).toEqual([3, 1, 1]);
  });

  it('passes the turn on without using a number when a reference went meanwhile', async () => {
    repo.labels.add(id(9));
    repo.beforeInsert = () => void repo.labels.delete(id(9));
    const error = await create(owner, { labelIds: [id(9)] }).catch((e: AppError) => e);
    expect((error as AppError).details).toEqual([
      { field: 'labelIds', message: 'names something that was removed meanwhile' },
    ]);
    expect([repo.project.taskSeq, repo.project.turn]).toEqual([0, 1]);
    repo.beforeInsert = undefined;
    expect((await create()).number).toBe(1);
    expect([repo.project.taskSeq, repo.project.turn, repo.tickets]).toEqual([1, 2, 2]);
  });

  it('skips a dead holder once the turn has stood still for the stall limit; numbers stay gap-free', async () => {
    await repo.takeTicket(); // a creation that crashed after taking its ticket
    const task = await create();
    expect(task.number).toBe(1);
    const waited = sleeps.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThanOrEqual(STALL_MS);
    // Reads thin out while the turn stands still (at most half the time it has stood), so at most 1.5 × STALL_MS.
    expect(waited).toBeLessThanOrEqual(1.5 * STALL_MS);
    expect([repo.project.taskSeq, repo.project.turn, repo.inserts]).toEqual([1, 2, 1]);
  });

  it('passes tickets given up before their turn at once', async () => {
    await repo.takeTicket();
    await repo.takeTicket();
    await repo.leaveQueue(WS, PROJECT, 2); // not its turn yet: recorded as given up
    await repo.leaveQueue(WS, PROJECT, 1); // its turn: passed on
    expect([repo.project.turn, repo.project.left]).toEqual([1, [2]]);
    const task = await create();
    expect(task.number).toBe(1);
    expect(sleeps).toEqual([]);
    expect([repo.project.turn, repo.project.left]).toEqual([3, []]);
  });

  it('queues a slow holder skipped meanwhile again: it never takes a number out of turn', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    repo.beforeInsert = () => {
      repo.beforeInsert = undefined;
      return gate; // the first holder stalls in its commit
    };
    const slow = create(owner, { title: 'Slow' });
    const fast = await create(owner, { title: 'Fast' });
    release();
    const late = await slow;
    expect([fast.number, late.number]).toEqual([1, 2]);
    expect(repo.served).toEqual([
      { ticket: 2, number: 1 },
      { ticket: 3, number: 2 },
    ]);
    expect([repo.project.taskSeq, repo.project.turn, repo.tickets]).toEqual([2, 3, 3]);
  });

  it('answers 409 with nothing written when its turn does not come within the budget', async () => {
    for (let i = 0; i < 10; i++) await repo.takeTicket(); // ten dead holders: 30 s before the first is skipped
    expect(await codeOf(create())).toBe('CONFLICT');
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(CREATE_BUDGET_MS);
    expect([repo.tasks.size, repo.activities.length, repo.project.taskSeq, repo.inserts]).toEqual([
      0, 0, 0, 0,
    ]);
    expect(repo.project.left).toEqual([11]);
  });

  it('leaves the queue with 409 when the project is archived while it waits', async () => {
    await repo.takeTicket();
    afterSleep = () => (repo.project.archived = true);
    expect(await codeOf(create())).toBe('CONFLICT');
    expect([repo.tasks.size, repo.project.left]).toEqual([0, [2]]);
  });

  it('answers 404 to non-members, 403 to viewers, 409 in an archived project', async () => {
    expect(await codeOf(create(stranger))).toBe('NOT_FOUND');
    expect(await codeOf(create(viewer))).toBe('FORBIDDEN');
    repo.project.archived = true;
    expect(await codeOf(create(member))).toBe('CONFLICT');
  });

  it('checks assignees, labels and the parent against what was read', async () => {
    const error = await create(owner, {
      assigneeIds: ['member', 'nobody'],
      labelIds: [id(9)],
      parentId: id(8),
      sprintId: `01J99999999999999999999999.01J00000000000000000000001.01J00000000000000000000002`,
    }).catch((e: AppError) => e);
    expect((error as AppError).details?.map((d) => d.field)).toEqual([
      'assigneeIds',
      'labelIds',
      'sprintId',
      'parentId',
    ]);
    expect(repo.tasks.size).toBe(0);
  });

  it('patches with the version, records field changes, and answers a stale version with the stored task', async () => {
    const task = await create();
    const patched = await service.patch(member, task.id, { version: 1, title: 'New', priority: 'high' });
    expect(patched).toMatchObject({ title: 'New', priority: 'high', version: 2 });
    expect(repo.activities.at(-1)!.changes).toEqual({
      title: { from: 'T', to: 'New' },
      priority: { from: 'medium', to: 'high' },
    });
    const stale = await service
      .patch(member, task.id, { version: 1, title: 'Lost' })
      .catch((e: AppError) => e);
    expect((stale as AppError).code).toBe('VERSION_CONFLICT');
    expect((stale as AppError).extra?.current).toMatchObject({ title: 'New', version: 2 });
  });

  it('moves a patched status to the bottom of the new column and sets completedAt', async () => {
    const done = await create(owner, { status: 'done' });
    const task = await create();
    const patched = await service.patch(owner, task.id, { version: 1, status: 'done' });
    expect(patched.rank > done.rank).toBe(true);
    expect(patched.completedAt).toBe('2026-03-01T10:00:00.000Z');
    expect(Object.keys(repo.activities.at(-1)!.changes).sort()).toEqual(['completedAt', 'rank', 'status']);
  });

  it('writes nothing when a patch changes nothing', async () => {
    const task = await create();
    await service.patch(owner, task.id, { version: 1, title: 'T' });
    expect(repo.writes).toHaveLength(0);
  });

  it('refuses a task as its own parent or ancestor', async () => {
    const a = await create();
    const b = await create(owner, { parentId: a.id });
    const self = await codeOf(service.patch(owner, a.id, { version: 1, parentId: a.id }));
    const cycle = await service.patch(owner, a.id, { version: 1, parentId: b.id }).catch((e: AppError) => e);
    expect(self).toBe('VALIDATION_ERROR');
    expect((cycle as AppError).details).toEqual([
      { field: 'parentId', message: 'would make the task its own ancestor' },
    ]);
  });

  it('moves between neighbours; beforeId is above, afterId below', async () => {
    const [a, b, c] = [await create(), await create(), await create()];
    const moved = await service.move(owner, c.id, {
      version: 1,
      status: 'todo',
      beforeId: a.id,
      afterId: b.id,
    });
    expect(moved.rank > a.rank && moved.rank < b.rank).toBe(true);
    const below = await service.move(owner, a.id, { version: 1, status: 'todo', beforeId: b.id });
    expect(below.rank > b.rank).toBe(true);
    const above = await service.move(owner, b.id, { version: 1, status: 'todo', afterId: c.id });
    expect(above.rank < repo.tasks.get(c.id)!.rank).toBe(true);
    expect(above.rank > repo.tasks.get(a.id)!.rank || above.rank < repo.tasks.get(c.id)!.rank).toBe(true);
  });

  it('refuses neighbours outside the target column', async () => {
    const a = await create();
    const b = await create(owner, { status: 'done' });
    const error = await service
      .move(owner, a.id, { version: 1, status: 'done', beforeId: a.id, afterId: id(77) })
      .catch((e: AppError) => e);
    expect((error as AppError).details?.map((d) => d.field)).toEqual(['beforeId', 'afterId']);
    const wrongColumn = await service
      .move(owner, a.id, { version: 1, status: 'in_review', beforeId: b.id })
      .catch((e: AppError) => e);
    expect((wrongColumn as AppError).details?.map((d) => d.field)).toEqual(['beforeId']);
  });

  it('lets members delete only the tasks they created; restores within 30 days', async () => {
    const mine = await create(member);
    const theirs = await create(owner);
    expect(await codeOf(service.delete(member, theirs.id, 1))).toBe('FORBIDDEN');
    expect(await codeOf(service.delete(viewer, mine.id, 1))).toBe('FORBIDDEN');
    const deleted = await service.delete(member, mine.id, 1);
    expect(deleted).toMatchObject({ deletedAt: '2026-03-01T10:00:00.000Z', version: 2 });
    expect(repo.writes.at(-1)!.taskCountDelta).toBe(-1);
    expect(await codeOf(service.patch(member, mine.id, { version: 2, title: 'x' }))).toBe('CONFLICT');
    const restored = await service.restore(member, mine.id, undefined);
    expect(restored).toMatchObject({ deletedAt: null, version: 3 });
    expect(repo.writes.at(-1)!.taskCountDelta).toBe(1);

    await service.delete(owner, theirs.id, 1);
    repo.tasks.set(theirs.id, { ...repo.tasks.get(theirs.id)!, deletedAt: '2026-01-01T00:00:00.000Z' });
    expect(await codeOf(service.restore(owner, theirs.id, undefined))).toBe('CONFLICT');
  });
});
