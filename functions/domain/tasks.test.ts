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
  creationRank,
  numberTail,
  placeRank,
  rankTail,
  withinRestoreWindow,
  statusAt,
  statusIndex,
  TaskService,
  taskView,
  type ActivityRecord,
  type InsertOutcome,
  type ProjectRecord,
  type ReadRequest,
  type ReadResult,
  type TaskRecord,
  type TaskRepository,
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
      'coverAttachmentId',
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

  it('number tails: fixed width, valid, in number order', () => {
    const bottom = rankAfter('V');
    const ranks = [1, 2, 61, 62, 63, 3_843, 3_844, 238_327, 1_000_000].map((n) => bottom + numberTail(n));
    for (const rank of ranks) {
      expect(isValidRank(rank)).toBe(true);
      expect(rank > 'V').toBe(true);
    }
    expect(new Set(ranks.map((r) => r.length))).toEqual(new Set([bottom.length + 5]));
    expect([...ranks].sort()).toEqual(ranks);
  });

  it('creation ranks: a run shares its base, so 10,000 creations one after another stay short and in order', () => {
    let last: { rank: string; number: number } | undefined;
    for (let n = 1; n <= 10_000; n++) {
      const rank = creationRank(last, n);
      expect(isValidRank(rank)).toBe(true);
      expect(last === undefined || rank > last.rank).toBe(true);
      last = { rank, number: n };
    }
    expect(last!.rank).toBe('V' + numberTail(10_000));
    // Under a card moved (or restored) to the bottom a new run starts, below it.
    const moved = { rank: placeRank(last!.rank, null, id(1)), number: 3 };
    const next = creationRank(moved, 10_001);
    expect(next > moved.rank).toBe(true);
    expect(next.endsWith(numberTail(10_001))).toBe(true);
    expect(creationRank(undefined, 7)).toBe('V' + numberTail(7));
  });

  it('creation ranks follow the numbers whatever order parallel creations read and commit in', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      // A column whose bottom is a card moved there (round odd) or an earlier creation (round even).
      const before =
        round % 2 ? { rank: placeRank('V', null, id(round)), number: 1 } : creationRank(undefined, 1);
      const column = [typeof before === 'string' ? { rank: before, number: 1 } : before];
      const bottom = () => column.reduce((a, b) => (a.rank > b.rank ? a : b));
      // Creations 2..21: each takes its number in order, reads the bottom at some point, commits later on.
      const pending = Array.from({ length: 20 }, (_, i) => ({
        number: i + 2,
        read: undefined as string | undefined,
      }));
      while (pending.length) {
        const creation = pending[Math.floor(random() * pending.length)]!;
        if (creation.read === undefined) {
          creation.read = creationRank(bottom(), creation.number);
        } else {
          column.push({ rank: creation.read, number: creation.number });
          pending.splice(pending.indexOf(creation), 1);
        }
      }
      const byRank = [...column].sort((a, b) => (a.rank < b.rank ? -1 : 1)).map((t) => t.number);
      expect(byRank).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    }
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
  /** Inserts that lose to concurrent transactions on every try (cloud: TransactionConflict). */
  busy = 0;
  inserts = 0;
  /** The numbers of the inserted tasks, in commit order. */
  committed: number[] = [];
  /** Run when an insert starts, before it is decided (a test acts between the number and the commit). */
  beforeInsert?: (task: TaskRecord) => Promise<void> | void;

  private snapshot(): ProjectRecord {
    return { ...this.project };
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
  /** The counter (kept on the project here; its own item in the store) goes on from `floor`. */
  async takeNumber(_workspaceId: string, _projectId: string, floor: number): Promise<number> {
    this.project.taskSeq = Math.max(this.project.taskSeq ?? 0, floor) + 1;
    return this.project.taskSeq;
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
  async insert(task: TaskRecord, activity: ActivityRecord): Promise<InsertOutcome> {
    this.inserts++;
    await this.beforeInsert?.(task);
    if (this.busy > 0) {
      this.busy--;
      return { busy: true };
    }
    if (this.project.archived) return { project: 'archived' };
    if (task.labelIds.some((l) => !this.labels.has(l))) return { reference: 'labelIds' };
    this.committed.push(task.number);
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
  let service: TaskService;

  const create = (caller = owner, body: Record<string, unknown> = {}) =>
    service.create(caller, PROJECT, createTaskSchema.parse({ title: 'T', ...body }));

  beforeEach(() => {
    repo = new MemoryRepository();
    repo.members.set('owner', 'owner').set('member', 'member').set('viewer', 'viewer');
    service = new TaskService(repo, () => new Date('2026-03-01T10:00:00.000Z'));
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

  it('runs concurrent creations in parallel: unique numbers, ranks in number order whatever the commit order', async () => {
    // Every creation takes its number and reads the column, then all commit, the last numbered first.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    repo.beforeInsert = (task) =>
      task.number === 6
        ? release()
        : gate.then(() => new Promise((r) => setTimeout(r, 10 * (6 - task.number))));
    const tasks = await Promise.all(Array.from({ length: 6 }, (_, i) => create(owner, { title: `T${i}` })));
    expect(tasks.map((t) => t.number).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(repo.committed).toEqual([6, 5, 4, 3, 2, 1]);
    expect(repo.inserts).toBe(6);
    const byRank = [...tasks].sort((a, b) => (a.rank < b.rank ? -1 : 1));
    expect(byRank.map((t) => t.number)).toEqual([1, 2, 3, 4, 5, 6]);
    // A creation after the burst reads number 6 (or another) as the bottom and goes below all of them.
    const next = await create();
    expect(next.number).toBe(7);
    expect(next.rank > byRank.at(-1)!.rank).toBe(true);
  });

  it('skips the number of a creation refused after taking it (a reference gone meanwhile); never reuses it', async () => {
    repo.labels.add(id(9));
    repo.beforeInsert = () => void repo.labels.delete(id(9));
    const error = await create(owner, { labelIds: [id(9)] }).catch((e: AppError) => e);
    expect((error as AppError).details).toEqual([
      { field: 'labelIds', message: 'names something that was removed meanwhile' },
    ]);
    expect([repo.project.taskSeq, repo.tasks.size, repo.activities.length]).toEqual([1, 0, 0]);
    repo.beforeInsert = undefined;
    expect((await create()).number).toBe(2);
  });

  it('answers 409 with nothing written when the project is archived after the number was taken', async () => {
    repo.beforeInsert = () => void (repo.project.archived = true);
    expect(await codeOf(create())).toBe('CONFLICT');
    expect([repo.tasks.size, repo.activities.length]).toEqual([0, 0]);
  });

  it('answers 409 with nothing written when its transaction keeps losing to concurrent ones', async () => {
    repo.busy = 1;
    expect(await codeOf(create())).toBe('CONFLICT');
    expect([repo.tasks.size, repo.activities.length, repo.project.taskSeq]).toEqual([0, 0, 1]);
    expect((await create()).number).toBe(2);
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
