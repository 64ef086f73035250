import type { NotificationPrefs } from '#shared/schemas/me';
import type { ActivityRecord } from './activity.ts';
import type { JobRecord } from './ai-breakdown.ts';
import {
  bySource,
  candidatesOf,
  notificationId,
  Notifier,
  type NotificationRecord,
  type NotifierRepository,
  type NotifyContext,
  type NotifyItems,
} from './notifications.ts';
import type { TaskRecord } from './tasks.ts';

const ITEMS: NotifyItems = {
  isActivity: (item) => item.type === 'ACTIVITY',
  isJob: (item) => item.type === 'JOB',
  toActivity: (item) => item as unknown as ActivityRecord,
  toJob: (item) => item as unknown as JobRecord,
};
const AT = '2026-03-01T12:00:00.000Z';

const activity = (overrides: Partial<ActivityRecord>) => ({
  type: 'ACTIVITY',
  id: '01J00000000000000000000ACT',
  at: AT,
  actorId: 'alice',
  action: 'created',
  entityType: 'task',
  entityId: 'ws.task',
  projectId: 'ws.p',
  workspaceId: 'ws',
  taskId: 'ws.task',
  changes: {},
  data: {},
  ...overrides,
});

const insert = (newItem: Record<string, unknown>) => ({ eventName: 'INSERT' as const, newItem });

describe('candidatesOf', () => {
  it('names the assignees of a new task and only the added ones of a change', () => {
    const created = candidatesOf(insert(activity({ data: { assigneeIds: ['bob', 'alice'] } })), ITEMS);
    expect(created.map((c) => [c.userId, c.kind])).toEqual([
      ['bob', 'assigned'],
      ['alice', 'assigned'],
    ]);
    const changed = candidatesOf(
      insert(
        activity({ action: 'updated', changes: { assigneeIds: { from: ['bob'], to: ['bob', 'cat'] } } }),
      ),
      ITEMS,
    );
    expect(changed.map((c) => c.userId)).toEqual(['cat']);
    expect(
      candidatesOf(
        insert(activity({ action: 'updated', changes: { title: { from: 'a', to: 'b' } } })),
        ITEMS,
      ),
    ).toEqual([]);
  });

  it('names the mentioned of a comment, then everyone involved; an edit only the newly mentioned', () => {
    const comment = activity({ entityType: 'comment', data: { body: 'hi @bob', mentions: ['bob'] } });
    expect(candidatesOf(insert(comment), ITEMS).map((c) => [c.userId, c.kind])).toEqual([
      ['bob', 'mentioned'],
      ['*', 'commented'],
    ]);
    const edit = activity({
      entityType: 'comment',
      action: 'updated',
      changes: { mentions: { from: ['bob'], to: ['bob', 'cat'] } },
      data: { body: 'hi @bob @cat', mentions: ['bob', 'cat'] },
    });
    expect(candidatesOf(insert(edit), ITEMS).map((c) => [c.userId, c.kind])).toEqual([['cat', 'mentioned']]);
  });

  it('names a job requester once the job finishes', () => {
    const job = {
      type: 'JOB',
      id: 'ws.job',
      status: 'completed',
      requestedBy: 'alice',
      workspaceId: 'ws',
      projectId: 'ws.p',
      taskId: 'ws.task',
      updatedAt: AT,
    };
    expect(
      candidatesOf({ eventName: 'MODIFY', newItem: job, oldItem: { ...job, status: 'running' } }, ITEMS),
    ).toEqual([expect.objectContaining({ userId: 'alice', kind: 'jobFinished' })]);
    expect(candidatesOf({ eventName: 'MODIFY', newItem: job, oldItem: job }, ITEMS)).toEqual([]);
    expect(candidatesOf({ eventName: 'MODIFY', newItem: { ...job, status: 'running' } }, ITEMS)).toEqual([]);
  });
});

describe('notificationId', () => {
  it('is the same for the same source and kind, different otherwise, and sorts by time', () => {
    const a = notificationId({ sourceKey: 's1', kind: 'assigned', at: AT });
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(notificationId({ sourceKey: 's1', kind: 'assigned', at: AT })).toBe(a);
    expect(notificationId({ sourceKey: 's1', kind: 'mentioned', at: AT })).not.toBe(a);
    expect(notificationId({ sourceKey: 's0', kind: 'assigned', at: '2026-03-01T12:00:00.001Z' }) > a).toBe(
      true,
    );
  });
});

class FakeRepository implements NotifierRepository {
  readonly stored = new Map<string, NotificationRecord>();
  constructor(
    readonly ctx: NotifyContext,
    readonly prefs = new Map<string, NotificationPrefs>(),
  ) {}
  async context() {
    return this.ctx;
  }
  async prefsOf(userIds: string[]) {
    return new Map(userIds.map((id) => [id, this.prefs.get(id) ?? null]));
  }
  async putIfAbsent(record: NotificationRecord) {
    const key = `${record.userId}/${record.id}`;
    if (this.stored.has(key)) return false;
    this.stored.set(key, record);
    return true;
  }
}

describe('Notifier', () => {
  const task = {
    id: 'ws.task',
    number: 7,
    title: 'Fix',
    createdBy: 'olga',
    assigneeIds: ['bob'],
    deletedAt: null,
  } as unknown as TaskRecord;
  const context = (overrides: Partial<NotifyContext> = {}): NotifyContext => ({
    task,
    taskKey: 'WEB-7',
    projectKey: 'WEB',
    memberIds: new Set(['alice', 'bob', 'olga']),
    names: new Map([['alice', 'Alice']]),
    ...overrides,
  });
  const comment = activity({
    entityType: 'comment',
    data: { body: 'hi', mentions: ['bob', 'gone', 'alice'] },
  });

  it('tells each person once, never the actor or a non-member, and writes nothing on redelivery', async () => {
    const repository = new FakeRepository(context());
    const notifier = new Notifier(repository);
    const [group] = bySource(candidatesOf(insert(comment), ITEMS));
    const written = (await notifier.deliver(group!)).map((w) => w.record);
    expect(written.map((n) => [n.userId, n.kind])).toEqual([
      ['bob', 'mentioned'],
      ['olga', 'commented'],
    ]);
    expect(written[0]).toEqual(
      expect.objectContaining({
        title: 'Alice mentioned you on WEB-7 Fix',
        link: '/p/WEB/WEB-7',
        excerpt: 'hi',
      }),
    );
    const again = await notifier.deliver(group!);
    expect(again.map((w) => [w.record.id, w.fresh])).toEqual(written.map((n) => [n.id, false]));
    expect(repository.stored.size).toBe(2);
  });

  it('skips someone no longer assigned, and a deleted task', async () => {
    const assigned = candidatesOf(insert(activity({ data: { assigneeIds: ['bob', 'olga'] } })), ITEMS);
    const written = await new Notifier(new FakeRepository(context())).deliver(assigned);
    expect(written.map((w) => w.record.userId)).toEqual(['bob']);
    // Someone who turned assignments off gets none.
    const off = new Map([
      [
        'bob',
        {
          email: { assigned: true, mentioned: true, dueSoon: true, digest: false },
          channels: { assigned: 'off' as const },
        },
      ],
    ]);
    expect(await new Notifier(new FakeRepository(context(), off)).deliver(assigned)).toEqual([]);
    const deleted = context({ task: { ...task, deletedAt: AT } as TaskRecord });
    expect(await new Notifier(new FakeRepository(deleted)).deliver(assigned)).toEqual([]);
  });
});
