import type { ActivityRecord } from './activity.ts';
import {
  CleanupIncompleteError,
  CleanupService,
  labelRemovalActivity,
  MAX_LABEL_ATTEMPTS,
  SYSTEM_ACTOR,
  withoutLabel,
  type CleanupRepository,
  type ItemKey,
  type TaskUpdateOutcome,
} from './cleanup.ts';
import type { TaskRecord } from './tasks.ts';
import { idIn, PROJECT, taskRecord, WS } from './test-fixtures.ts';

const OTHER_PROJECT = idIn(WS, 2);
const LABEL = `${WS}.01J0000000000000000000000L`;
const KEEP = `${WS}.01J0000000000000000000000K`;
const id = (n: number) => idIn(WS, n);
const NOW = new Date('2026-03-01T12:00:00.000Z');

/** A task with two labels, one of them the one being removed. */
const record = (overrides: Partial<TaskRecord> = {}): TaskRecord =>
  taskRecord({ labelIds: [KEEP, LABEL], version: 3, ...overrides });

const keyId = (key: ItemKey) => `${key.PK}|${key.SK}`;

/**
 * An in-memory table with the repository's rules: items by key, a project's tasks listed while their task item
 * exists, task updates conditional on the stored version and deletion state. Pages are small (2) so the
 * service's paging and re-passes are exercised.
 */
class MemoryCleanup implements CleanupRepository {
  readonly items = new Map<string, ItemKey>();
  readonly taskProject = new Map<string, string>();
  readonly goalWorkspace = new Map<string, string>();
  readonly projects = new Map<string, string>(); // projectId → key
  readonly workspaces = new Set<string>([WS]);
  readonly tasks = new Map<string, TaskRecord>();
  readonly activities: ActivityRecord[] = [];
  /** Runs before each task update: a concurrent writer's turn. */
  beforeUpdate?: (stored: TaskRecord | undefined) => void;
  /** Runs after each deleteItems call. */
  afterDelete?: () => void;
  writes = 0;
  units = 0;

  add(PK: string, SK: string) {
    this.items.set(`${PK}|${SK}`, { PK, SK });
  }
  addTask(taskId: string, projectId: string, others: string[] = []) {
    this.taskProject.set(taskId, projectId);
    this.add(`TASK#${taskId}`, '#META');
    for (const sk of others) this.add(`TASK#${taskId}`, sk);
  }
  keysOf(pk: string) {
    return [...this.items.values()].filter((k) => k.PK === pk);
  }
  private async *pages<T>(list: T[]): AsyncIterable<T[]> {
    for (let i = 0; i < list.length; i += 2) yield list.slice(i, i + 2);
  }

  keyId = keyId;
  projectTaskIds(projectId: string) {
    const ids = [...this.taskProject.entries()]
      .filter(([taskId, pid]) => pid === projectId && this.items.has(`TASK#${taskId}|#META`))
      .map(([taskId]) => taskId);
    return this.pages(ids);
  }
  async deleteTasks(taskIds: string[]) {
    this.units++;
    for (const taskId of taskIds)
      for (const key of this.keysOf(`TASK#${taskId}`)) this.items.delete(keyId(key));
  }
  projectItems(projectId: string) {
    return this.pages(this.keysOf(`PROJECT#${projectId}`));
  }
  async *workspaceItems(workspaceId: string) {
    yield* this.pages(this.keysOf(`WS#${workspaceId}`));
    const goals = [...this.goalWorkspace.entries()]
      .filter(([goalId, ws]) => ws === workspaceId && this.items.has(`GOAL#${goalId}|#META`))
      .map(([goalId]) => ({ PK: `GOAL#${goalId}`, SK: '#META' }));
    yield* this.pages(goals);
  }
  async deleteItems(keys: ItemKey[]) {
    this.units++;
    for (const key of keys) this.items.delete(keyId(key));
    this.afterDelete?.();
  }
  async workspaceExists(workspaceId: string) {
    return this.workspaces.has(workspaceId);
  }
  async projectKey(_workspaceId: string, projectId: string) {
    return this.projects.get(projectId);
  }
  tasksCarryingLabel(workspaceId: string, labelId: string) {
    const carrying = [...this.tasks.values()].filter(
      (t) => t.workspaceId === workspaceId && t.labelIds.includes(labelId),
    );
    // Live tasks first, then deleted ones, as the indexes give them.
    return this.pages([...carrying.filter((t) => !t.deletedAt), ...carrying.filter((t) => t.deletedAt)]);
  }
  async updateTask(
    before: TaskRecord,
    after: TaskRecord,
    activity: ActivityRecord,
  ): Promise<TaskUpdateOutcome> {
    this.beforeUpdate?.(this.tasks.get(before.id));
    const stored = this.tasks.get(before.id);
    if (!stored || stored.version !== before.version || stored.deletedAt !== before.deletedAt) {
      return { current: stored && { ...stored } };
    }
    this.writes++;
    this.tasks.set(after.id, { ...after });
    this.activities.push(activity);
    return { ok: true };
  }
}

const service = (repository: CleanupRepository, hasTime?: () => boolean) =>
  new CleanupService(repository, { clock: () => NOW, hasTime });

describe('withoutLabel', () => {
  it('drops exactly that label, keeps the order of the rest, and is a change (updatedAt, version + 1)', () => {
    const task = record({ labelIds: ['a', LABEL, 'b'] });
    expect(withoutLabel(task, LABEL, NOW.toISOString())).toEqual({
      ...task,
      labelIds: ['a', 'b'],
      updatedAt: NOW.toISOString(),
      version: 4,
    });
  });

  it('is no change for a task without the label', () => {
    expect(withoutLabel(record({ labelIds: [KEEP] }), LABEL, NOW.toISOString())).toBeUndefined();
  });
});

describe('labelRemovalActivity', () => {
  it("is an update of the task by 'system' with the labelIds change and the task after it as data", () => {
    const before = record();
    const after = withoutLabel(before, LABEL, NOW.toISOString())!;
    const activity = labelRemovalActivity(before, after, 'DOC', NOW);
    expect(activity).toMatchObject({
      actorId: SYSTEM_ACTOR,
      action: 'updated',
      entityType: 'task',
      entityId: before.id,
      taskId: before.id,
      projectId: PROJECT,
      workspaceId: WS,
      at: NOW.toISOString(),
      changes: { labelIds: { from: [KEEP, LABEL], to: [KEEP] } },
      data: expect.objectContaining({ id: before.id, key: 'DOC-7', labelIds: [KEEP], version: 4 }),
    });
    expect(Object.keys(activity.changes)).toEqual(['labelIds']);
  });
});

describe('label clean-up', () => {
  let store: MemoryCleanup;
  beforeEach(() => {
    store = new MemoryCleanup();
    store.projects.set(PROJECT, 'DOC');
    store.projects.set(OTHER_PROJECT, 'OPS');
  });

  it('takes the label out of every live and deleted task that carries it, and of no other', async () => {
    const tasks = [
      record({ id: id(1) }),
      record({ id: id(2), projectId: OTHER_PROJECT, labelIds: [LABEL] }),
      record({ id: id(3), deletedAt: '2026-02-01T00:00:00.000Z', labelIds: [LABEL] }),
      record({ id: id(4), labelIds: [KEEP] }),
    ];
    for (const task of tasks) store.tasks.set(task.id, task);
    await service(store).run({ kind: 'label', workspaceId: WS, labelId: LABEL });
    expect(store.tasks.get(id(1))).toMatchObject({ labelIds: [KEEP], version: 4 });
    expect(store.tasks.get(id(2))).toMatchObject({ labelIds: [], version: 4 });
    expect(store.tasks.get(id(3))).toMatchObject({
      labelIds: [],
      version: 4,
      deletedAt: tasks[2]!.deletedAt,
    });
    expect(store.tasks.get(id(4))).toEqual(tasks[3]);
    expect(store.activities.map((a) => a.entityId).sort()).toEqual([id(1), id(2), id(3)]);
  });

  it('applies the removal on top of a change made meanwhile, never over it', async () => {
    store.tasks.set(id(1), record({ id: id(1) }));
    let concurrent = true;
    store.beforeUpdate = (stored) => {
      if (!concurrent || !stored) return;
      concurrent = false; // someone renames the task between the clean-up's read and its write
      store.tasks.set(stored.id, { ...stored, title: 'Renamed', version: stored.version + 1 });
    };
    await service(store).run({ kind: 'label', workspaceId: WS, labelId: LABEL });
    expect(store.tasks.get(id(1))).toMatchObject({ title: 'Renamed', labelIds: [KEEP], version: 5 });
    expect(store.writes).toBe(1);
    expect(store.activities).toHaveLength(1);
    expect(store.activities[0]!.changes).toEqual({ labelIds: { from: [KEEP, LABEL], to: [KEEP] } });
  });

  it('writes nothing when the change made meanwhile took the label off already, or deleted the task for good', async () => {
    store.tasks.set(id(1), record({ id: id(1) }));
    store.tasks.set(id(2), record({ id: id(2) }));
    store.beforeUpdate = (stored) => {
      if (stored?.id === id(1) && stored.labelIds.includes(LABEL))
        store.tasks.set(stored.id, { ...stored, labelIds: [], version: stored.version + 1 });
      if (stored?.id === id(2)) store.tasks.delete(stored.id);
    };
    await service(store).run({ kind: 'label', workspaceId: WS, labelId: LABEL });
    expect(store.writes).toBe(0);
    expect(store.tasks.get(id(1))).toMatchObject({ labelIds: [], version: 4 });
  });

  it('gives up on a task that keeps changing (the record is retried later), having written nothing', async () => {
    store.tasks.set(id(1), record({ id: id(1) }));
    let changes = 0;
    store.beforeUpdate = (stored) => {
      changes++;
      store.tasks.set(stored!.id, { ...stored!, version: stored!.version + 1 });
    };
    await expect(service(store).run({ kind: 'label', workspaceId: WS, labelId: LABEL })).rejects.toThrow(
      /kept changing/,
    );
    expect(changes).toBe(MAX_LABEL_ATTEMPTS);
    expect(store.writes).toBe(0);
  });

  it('leaves the tasks of a deleted project (its own clean-up deletes them) and everything of a deleted workspace', async () => {
    store.projects.delete(OTHER_PROJECT);
    store.tasks.set(id(1), record({ id: id(1), projectId: OTHER_PROJECT }));
    await service(store).run({ kind: 'label', workspaceId: WS, labelId: LABEL });
    expect(store.writes).toBe(0);

    store.tasks.set(id(2), record({ id: id(2) }));
    store.workspaces.delete(WS);
    await service(store).run({ kind: 'label', workspaceId: WS, labelId: LABEL });
    expect(store.writes).toBe(0);
  });

  it('stops when out of time, and a later run finishes the rest', async () => {
    for (let n = 1; n <= 5; n++) store.tasks.set(id(n), record({ id: id(n) }));
    let budget = 2;
    await expect(
      service(store, () => budget-- > 0).run({ kind: 'label', workspaceId: WS, labelId: LABEL }),
    ).rejects.toThrow(CleanupIncompleteError);
    expect(store.writes).toBe(2);
    await service(store).run({ kind: 'label', workspaceId: WS, labelId: LABEL });
    expect([...store.tasks.values()].every((t) => !t.labelIds.includes(LABEL) && t.version === 4)).toBe(true);
    expect(store.writes).toBe(5);
  });
});

describe('project clean-up', () => {
  let store: MemoryCleanup;
  beforeEach(() => {
    store = new MemoryCleanup();
    for (let n = 1; n <= 5; n++)
      store.addTask(id(n), PROJECT, ['SUBTASK#1', 'COMMENT#1', 'ACT#1', 'ASSIGNEE#u']);
    store.addTask(id(9), OTHER_PROJECT, ['ACT#1']);
    store.add(`PROJECT#${PROJECT}`, 'SPRINT#1');
    store.add(`PROJECT#${PROJECT}`, 'ACT#1');
    store.add(`PROJECT#${PROJECT}`, 'ACT#2');
    store.add(`PROJECT#${OTHER_PROJECT}`, 'ACT#1');
  });

  const left = () => [...store.items.keys()].sort();
  const otherProjectOnly = [
    `PROJECT#${OTHER_PROJECT}|ACT#1`,
    `TASK#${id(9)}|#META`,
    `TASK#${id(9)}|ACT#1`,
  ].sort();

  it("deletes the project's tasks with everything stored with them, and its own partition, nothing else", async () => {
    await service(store).run({ kind: 'project', workspaceId: WS, projectId: PROJECT });
    expect(left()).toEqual(otherProjectOnly);
  });

  it('catches what was written meanwhile with a further pass', async () => {
    let once = true;
    store.afterDelete = () => {
      if (!once) return;
      once = false;
      store.add(`PROJECT#${PROJECT}`, 'ACT#late');
    };
    await service(store).run({ kind: 'project', workspaceId: WS, projectId: PROJECT });
    expect(left()).toEqual(otherProjectOnly);
  });

  it('stops when out of time, and a retry finishes the job (idempotent)', async () => {
    let budget = 1;
    await expect(
      service(store, () => budget-- > 0).run({ kind: 'project', workspaceId: WS, projectId: PROJECT }),
    ).rejects.toThrow(CleanupIncompleteError);
    expect(left().length).toBeGreaterThan(otherProjectOnly.length);
    expect(store.units).toBe(1);
    await service(store).run({ kind: 'project', workspaceId: WS, projectId: PROJECT });
    expect(left()).toEqual(otherProjectOnly);
    // Running it again once everything is gone is harmless and does no work.
    const units = store.units;
    await service(store).run({ kind: 'project', workspaceId: WS, projectId: PROJECT });
    expect(store.units).toBe(units);
  });
});

describe('workspace clean-up', () => {
  it("deletes the workspace's partition and its goals, nothing of another workspace", async () => {
    const store = new MemoryCleanup();
    const other = '01J0000000000000000000000Z';
    for (const sk of ['MEMBER#a', 'INVITE#1', 'INVITEEMAIL#x@y', 'LABEL#1', 'PROJECT#1', 'PROJECTKEY#DOC'])
      store.add(`WS#${WS}`, sk);
    store.add(`WS#${other}`, 'MEMBER#a');
    store.add('GOAL#g1', '#META');
    store.goalWorkspace.set('g1', WS);
    store.add('GOAL#g2', '#META');
    store.goalWorkspace.set('g2', other);
    await service(store).run({ kind: 'workspace', workspaceId: WS });
    expect([...store.items.keys()].sort()).toEqual(['GOAL#g2|#META', `WS#${other}|MEMBER#a`]);
  });
});
