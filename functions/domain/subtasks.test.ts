import { bulkCreateSubtasksSchema, MAX_BULK_SUBTASKS, patchSubtaskSchema } from '#shared/schemas/subtasks';
import type { Role } from '#shared/schemas/workspaces';
import { parentOf } from '#functions/lib/ids';
import type { ProjectRecord, TaskRecord } from './tasks.ts';
import {
  counterDelta,
  orderedIds,
  patched,
  SubtaskService,
  type SubtaskRead,
  type SubtaskRecord,
  type SubtaskRepository,
  type SubtaskWrite,
  type SubtaskWriteOutcome,
} from './subtasks.ts';
import {
  callerOf,
  expectError,
  idIn,
  membershipOf,
  PROJECT,
  projectRecord,
  taskRecord,
  WS,
} from './test-fixtures.ts';

const TASK = idIn(WS, 2);
const NOW = new Date('2026-03-01T10:00:00.000Z');

const task = (overrides: Partial<TaskRecord> = {}): TaskRecord =>
  taskRecord({
    id: TASK,
    number: 1,
    title: 'Parent',
    createdBy: 'owner',
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    ...overrides,
  });

const subtask = (overrides: Partial<SubtaskRecord> = {}): SubtaskRecord => ({
  id: `${TASK}.01J00000000000000000000003`,
  taskId: TASK,
  projectId: PROJECT,
  workspaceId: WS,
  title: 'Step',
  done: false,
  estimatedHours: null,
  createdBy: 'member',
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  completedAt: null,
  version: 1,
  ...overrides,
});

/** An in-memory store that applies writes with the same conditions as DynamoDB's transaction. */
class FakeRepository implements SubtaskRepository {
  roles = new Map<string, Role>([
    ['owner', 'owner'],
    ['admin', 'admin'],
    ['member', 'member'],
    ['viewer', 'viewer'],
  ]);
  task: TaskRecord | undefined = task();
  project: ProjectRecord | undefined = projectRecord({ taskSeq: 1 });
  subtasks = new Map<string, SubtaskRecord>();
  writes: SubtaskWrite[] = [];
  /** Runs before a write is applied (a concurrent change). */
  beforeWrite?: () => void;

  async read(taskId: string, userId: string, subtaskId?: string): Promise<SubtaskRead> {
    const role = this.roles.get(userId);
    return {
      membership: role ? membershipOf(userId, role) : undefined,
      task: this.task?.id === taskId ? { ...this.task } : undefined,
      subtask: subtaskId && this.subtasks.has(subtaskId) ? { ...this.subtasks.get(subtaskId)! } : undefined,
    };
  }

  async getProject() {
    return this.project;
  }

  async list() {
    return { items: [...this.subtasks.values()], nextCursor: null };
  }

  async write(change: SubtaskWrite): Promise<SubtaskWriteOutcome> {
    this.beforeWrite?.();
    this.beforeWrite = undefined;
    if (!this.task || this.task.deletedAt) return { task: this.task };
    for (const { before, after } of change.changes) {
      const stored = this.subtasks.get((after ?? before)!.id);
      if (before ? stored?.version !== before.version : stored) return { subtask: stored };
    }
    for (const { before, after } of change.changes) {
      if (after) this.subtasks.set(after.id, after);
      else this.subtasks.delete(before!.id);
    }
    this.task.subtaskCount += change.counters.subtaskCount;
    this.task.subtasksDone += change.counters.subtasksDone;
    this.writes.push(change);
    return { ok: true };
  }
}

const setup = () => {
  const repository = new FakeRepository();
  return { repository, service: new SubtaskService(repository, () => NOW) };
};

describe('counterDelta', () => {
  it('counts a new subtask, a check-off, an uncheck and deletions of open and done ones', () => {
    expect(counterDelta(undefined, { done: false })).toEqual({ subtaskCount: 1, subtasksDone: 0 });
    expect(counterDelta({ done: false }, { done: true })).toEqual({ subtaskCount: 0, subtasksDone: 1 });
    expect(counterDelta({ done: true }, { done: false })).toEqual({ subtaskCount: 0, subtasksDone: -1 });
    expect(counterDelta({ done: true }, { done: true })).toEqual({ subtaskCount: 0, subtasksDone: 0 });
    expect(counterDelta({ done: false }, undefined)).toEqual({ subtaskCount: -1, subtasksDone: 0 });
    expect(counterDelta({ done: true }, undefined)).toEqual({ subtaskCount: -1, subtasksDone: -1 });
  });
});

describe('patched', () => {
  it('sets completedAt on check-off, keeps it while done, clears it on uncheck', () => {
    const done = patched(subtask(), { done: true }, 'T1');
    expect(done).toMatchObject({ done: true, completedAt: 'T1' });
    expect(patched(done, { done: true, title: 'x' }, 'T2').completedAt).toBe('T1');
    expect(patched(done, { done: false }, 'T3')).toMatchObject({ done: false, completedAt: null });
    expect(patched(subtask(), { title: 'Renamed' }, 'T4')).toMatchObject({
      title: 'Renamed',
      completedAt: null,
    });
  });
});

describe('orderedIds', () => {
  it('gives ascending ids naming the task, so a bulk create lists in the order of its items', () => {
    const ids = orderedIds(TASK, 49);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(49);
    for (const id of ids) expect(parentOf(id)).toBe(TASK);
  });
});

describe('schemas', () => {
  it('caps a bulk create so the whole create fits one transaction (subtasks + activities + task ≤ 100)', () => {
    expect(2 * MAX_BULK_SUBTASKS + 1).toBeLessThanOrEqual(100);
    const items = (n: number) => ({ items: Array.from({ length: n }, (_, i) => ({ title: `s${i}` })) });
    expect(bulkCreateSubtasksSchema.safeParse(items(MAX_BULK_SUBTASKS)).success).toBe(true);
    expect(bulkCreateSubtasksSchema.safeParse(items(MAX_BULK_SUBTASKS + 1)).success).toBe(false);
    expect(bulkCreateSubtasksSchema.safeParse(items(0)).success).toBe(false);
  });

  it('wants a version and something to change on a patch', () => {
    expect(patchSubtaskSchema.safeParse({ version: 1 }).success).toBe(false);
    expect(patchSubtaskSchema.safeParse({ done: true }).success).toBe(false);
    expect(patchSubtaskSchema.safeParse({ version: 1, estimatedHours: null }).success).toBe(true);
  });
});

describe('SubtaskService', () => {
  it('creates in bulk in one write: ordered, counted, one activity per subtask with the task id', async () => {
    const { repository, service } = setup();
    const created = await service.create(callerOf('member'), TASK, [
      { title: 'One', estimatedHours: 2 },
      { title: 'Two', estimatedHours: null },
    ]);
    expect(created.map((s) => [s.title, s.version, s.done, s.createdBy])).toEqual([
      ['One', 1, false, 'member'],
      ['Two', 1, false, 'member'],
    ]);
    expect(created[0]!.id < created[1]!.id).toBe(true);
    expect(repository.writes).toHaveLength(1);
    expect(repository.writes[0]!.counters).toEqual({ subtaskCount: 2, subtasksDone: 0 });
    expect(
      repository.writes[0]!.activities.map((a) => [a.entityType, a.entityId, a.taskId, a.action]),
    ).toEqual(created.map((s) => ['subtask', s.id, TASK, 'created']));
    expect(repository.writes[0]!.activities[0]!.data).toEqual(created[0]);
  });

  it('lets viewers read only (403), and hides the task from non-members (404)', async () => {
    const { repository, service } = setup();
    await expectError(
      service.create(callerOf('viewer'), TASK, [{ title: 'x', estimatedHours: null }]),
      'FORBIDDEN',
    );
    await expectError(
      service.create(callerOf('stranger'), TASK, [{ title: 'x', estimatedHours: null }]),
      'NOT_FOUND',
    );
    await expectError(service.list(callerOf('stranger'), TASK, 50), 'NOT_FOUND');
    expect((await service.list(callerOf('viewer'), TASK, 50)).items).toEqual([]);
    expect(repository.writes).toHaveLength(0);
  });

  it('refuses new subtasks on a deleted task or an archived project (409) and treats a gone project as 404', async () => {
    const { repository, service } = setup();
    repository.task = task({ deletedAt: NOW.toISOString() });
    await expectError(
      service.create(callerOf('member'), TASK, [{ title: 'x', estimatedHours: null }]),
      'CONFLICT',
    );
    repository.task = task();
    repository.project = { ...repository.project!, archived: true };
    await expectError(
      service.create(callerOf('member'), TASK, [{ title: 'x', estimatedHours: null }]),
      'CONFLICT',
    );
    repository.project = undefined;
    await expectError(
      service.create(callerOf('member'), TASK, [{ title: 'x', estimatedHours: null }]),
      'NOT_FOUND',
    );
    expect(repository.writes).toHaveLength(0);
  });

  it('checks off: version +1, completedAt, subtasksDone +1, the change in the activity', async () => {
    const { repository, service } = setup();
    const s = subtask();
    repository.subtasks.set(s.id, s);
    const after = await service.patch(callerOf('member'), s.id, { version: 1, done: true });
    expect(after).toMatchObject({ done: true, completedAt: NOW.toISOString(), version: 2 });
    expect(repository.writes[0]!.counters).toEqual({ subtaskCount: 0, subtasksDone: 1 });
    expect(repository.writes[0]!.activities[0]!.changes).toEqual({ done: { from: false, to: true } });
  });

  it('answers a stale version with 409 and the stored subtask, and writes nothing for a no-op', async () => {
    const { repository, service } = setup();
    const s = subtask({ version: 3 });
    repository.subtasks.set(s.id, s);
    const error = await expectError(
      service.patch(callerOf('member'), s.id, { version: 2, done: true }),
      'VERSION_CONFLICT',
    );
    expect(error.extra).toEqual({ current: s });
    expect(await service.patch(callerOf('member'), s.id, { version: 3, title: 'Step' })).toEqual(s);
    expect(repository.writes).toHaveLength(0);
  });

  it('answers a change that lands between read and write with 409 and what is stored then', async () => {
    const { repository, service } = setup();
    const s = subtask();
    repository.subtasks.set(s.id, s);
    const theirs = { ...s, title: 'Theirs', version: 2 };
    repository.beforeWrite = () => repository.subtasks.set(s.id, theirs);
    const error = await expectError(
      service.patch(callerOf('member'), s.id, { version: 1, done: true }),
      'VERSION_CONFLICT',
    );
    expect(error.extra).toEqual({ current: theirs });
    expect(repository.task!.subtasksDone).toBe(0);
  });

  it('deletes without a version even if it changed meanwhile, counting what it is then', async () => {
    const { repository, service } = setup();
    const s = subtask();
    repository.subtasks.set(s.id, s);
    repository.task = task({ subtaskCount: 1 });
    repository.beforeWrite = () => {
      repository.subtasks.set(s.id, { ...s, done: true, version: 2 });
      repository.task!.subtasksDone = 1;
    };
    await service.delete(callerOf('member'), s.id);
    expect(repository.subtasks.size).toBe(0);
    expect([repository.task!.subtaskCount, repository.task!.subtasksDone]).toEqual([0, 0]);
    expect(repository.writes[0]!.activities[0]).toMatchObject({
      action: 'deleted',
      data: null,
      taskId: TASK,
    });
  });

  it('deletes with a stale version: 409, nothing written; an unknown subtask is 404', async () => {
    const { repository, service } = setup();
    const s = subtask({ version: 2 });
    repository.subtasks.set(s.id, s);
    await expectError(service.delete(callerOf('member'), s.id, 1), 'VERSION_CONFLICT');
    await expectError(service.delete(callerOf('member'), `${TASK}.01J00000000000000000000009`), 'NOT_FOUND');
    expect(repository.subtasks.size).toBe(1);
  });
});
