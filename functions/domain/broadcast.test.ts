import type { ServerFrame } from '#shared/schemas/websocket';
import { MAX_FRAME_BYTES, type LiveChangeEvent } from '#shared/schemas/websocket';
import type { ActivityRecord } from './activity.ts';
import type { AttachmentRecord } from './attachments.ts';
import {
  Broadcaster,
  fitFrame,
  outgoingOf,
  type ConnectionPoster,
  type Outgoing,
  type StoredItems,
} from './broadcast.ts';
import type { LiveRepository, SubscriptionRecord } from './live.ts';
import { idIn, PROJECT, WS } from './test-fixtures.ts';

/** Items as the store decodes them; here they are the records themselves with their `type`. */
const ITEMS: StoredItems = {
  types: { activity: 'ACTIVITY', subscription: 'SUBSCRIPTION', attachment: 'ATTACHMENT' },
  toActivity: (item) => item as unknown as ActivityRecord,
  toSubscription: (item) => item as unknown as SubscriptionRecord,
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  toAttachment: ({ type, ...item }) => item as unknown as AttachmentRecord,
};
const TASK = idIn(WS, 100);
const AT = '2026-03-01T12:00:00.000Z';

const activity = (overrides: Partial<ActivityRecord> = {}): ActivityRecord => ({
  id: '01J00000000000000000000ACT',
  at: AT,
  actorId: 'alice',
  action: 'updated',
  entityType: 'task',
  entityId: TASK,
  projectId: PROJECT,
  workspaceId: WS,
  taskId: TASK,
  changes: { title: { from: 'Old', to: 'New' } },
  data: { id: TASK, title: 'New', version: 4 },
  ...overrides,
});

const subscription = (connectionId: string, userId: string, overrides: Partial<SubscriptionRecord> = {}) => ({
  connectionId,
  userId,
  projectId: PROJECT,
  workspaceId: WS,
  session: `s-${connectionId}`,
  viewing: null,
  editing: null,
  subscribedAt: AT,
  updatedAt: AT,
  ...overrides,
});

const asItem = (record: object, type: string) => ({ ...record, type }) as Record<string, unknown>;

describe('outgoingOf', () => {
  it('turns an inserted activity into its change event, with the version of the object after the change', () => {
    const out = outgoingOf({ eventName: 'INSERT', newItem: asItem(activity(), 'ACTIVITY') }, ITEMS);
    expect(out).toEqual({
      projectId: PROJECT,
      workspaceId: WS,
      frame: expect.objectContaining({
        id: '01J00000000000000000000ACT',
        type: 'TASK_UPDATED',
        entityId: TASK,
        actorId: 'alice',
        version: 4,
        changes: { title: { from: 'Old', to: 'New' } },
      }),
    });
  });

  it('ignores other items, and activity that is not new', () => {
    expect(outgoingOf({ eventName: 'INSERT', newItem: { type: 'TASK' } }, ITEMS)).toBeUndefined();
    expect(
      outgoingOf({ eventName: 'REMOVE', oldItem: asItem(activity(), 'ACTIVITY') }, ITEMS),
    ).toBeUndefined();
  });

  it('turns a subscription coming, changing place and going into PRESENCE events', () => {
    const sub = asItem(subscription('c1', 'bob'), 'SUBSCRIPTION');
    const came = outgoingOf({ eventName: 'INSERT', newItem: sub }, ITEMS);
    expect(came?.frame).toEqual({
      type: 'PRESENCE',
      projectId: PROJECT,
      entityId: 'bob',
      actorId: 'bob',
      at: AT,
      data: { userId: 'bob', session: 's-c1', online: true, viewing: null, editing: null, at: AT },
    });
    const opened = { ...sub, viewing: TASK, editing: 'title' };
    const moved = outgoingOf({ eventName: 'MODIFY', oldItem: sub, newItem: opened }, ITEMS);
    expect(moved?.frame.data).toEqual(
      expect.objectContaining({ viewing: TASK, editing: 'title', online: true }),
    );
    const went = outgoingOf({ eventName: 'REMOVE', oldItem: opened }, ITEMS);
    expect(went?.frame.data).toEqual(
      expect.objectContaining({ online: false, viewing: null, editing: null }),
    );
  });

  it('stays quiet when a subscription changed nothing anyone sees', () => {
    const sub = asItem(subscription('c1', 'bob'), 'SUBSCRIPTION');
    const touched = { ...sub, updatedAt: '2026-03-01T12:00:05.000Z' };
    expect(outgoingOf({ eventName: 'MODIFY', oldItem: sub, newItem: touched }, ITEMS)).toBeUndefined();
  });

  describe('attachments', () => {
    const ATTACHMENT = `${TASK}.att1`;
    const READY_AT = '2026-03-01T12:00:07.000Z';
    const pending = asItem(
      {
        id: ATTACHMENT,
        taskId: TASK,
        projectId: PROJECT,
        workspaceId: WS,
        fileName: 'plan.pdf',
        contentType: 'application/pdf',
        size: 1234,
        status: 'pending',
        uploadedBy: 'alice',
        createdAt: AT,
        readyAt: null,
        expiresAt: '2026-03-01T12:15:00.000Z',
      },
      'ATTACHMENT',
    );
    const ready = { ...pending, status: 'ready', readyAt: READY_AT, expiresAt: null };

    it('turns a confirm (pending → ready) into one ATTACHMENT_READY for the project, without a URL', () => {
      const out = outgoingOf({ eventName: 'MODIFY', oldItem: pending, newItem: ready }, ITEMS);
      expect(out).toEqual({
        projectId: PROJECT,
        workspaceId: WS,
        frame: {
          type: 'ATTACHMENT_READY',
          id: `${ATTACHMENT}:ready`,
          projectId: PROJECT,
          entityId: ATTACHMENT,
          taskId: TASK,
          actorId: 'alice',
          at: READY_AT,
          data: {
            id: ATTACHMENT,
            taskId: TASK,
            projectId: PROJECT,
            workspaceId: WS,
            fileName: 'plan.pdf',
            contentType: 'application/pdf',
            size: 1234,
            status: 'ready',
            uploadedBy: 'alice',
            createdAt: AT,
            readyAt: READY_AT,
          },
        },
      });
    });

    it('gives a redelivered change the same frame id (clients apply each id once)', () => {
      const first = outgoingOf({ eventName: 'MODIFY', oldItem: pending, newItem: ready }, ITEMS);
      const again = outgoingOf({ eventName: 'MODIFY', oldItem: pending, newItem: ready }, ITEMS);
      expect(again).toEqual(first);
    });

    it('says nothing of pending uploads, nor of later changes of a ready one', () => {
      expect(outgoingOf({ eventName: 'INSERT', newItem: pending }, ITEMS)).toBeUndefined();
      // Cancelled or expired (TTL) before its confirm.
      expect(outgoingOf({ eventName: 'REMOVE', oldItem: pending }, ITEMS)).toBeUndefined();
      const touched = { ...ready, thumbnailStatus: 'ready' };
      expect(outgoingOf({ eventName: 'MODIFY', oldItem: ready, newItem: touched }, ITEMS)).toBeUndefined();
    });

    it('turns the removal of a ready attachment into ATTACHMENT_DELETED, with no data', () => {
      const out = outgoingOf({ eventName: 'REMOVE', oldItem: ready }, ITEMS);
      expect(out?.projectId).toBe(PROJECT);
      expect(out?.frame).toEqual({
        type: 'ATTACHMENT_DELETED',
        id: `${ATTACHMENT}:deleted`,
        projectId: PROJECT,
        entityId: ATTACHMENT,
        taskId: TASK,
        actorId: 'alice',
        at: expect.any(String),
        data: null,
      });
    });
  });
});

describe('fitFrame', () => {
  const event = (description: string): LiveChangeEvent => ({
    id: 'e',
    type: 'TASK_UPDATED',
    projectId: PROJECT,
    entityType: 'task',
    entityId: TASK,
    taskId: TASK,
    action: 'updated',
    actorId: 'alice',
    at: AT,
    version: 2,
    changes: { description: { from: null, to: description } },
    data: { id: TASK, description, version: 2 },
  });

  it('leaves an event that fits as it is', () => {
    const small = event('short');
    expect(fitFrame(small)).toBe(small);
  });

  it('sends a large change without its data and with its texts cut, flagged partial', () => {
    const fitted = fitFrame(event('ü'.repeat(30_000)));
    expect(fitted.partial).toBe(true);
    expect(fitted.data).toBeNull();
    expect(fitted.version).toBe(2);
    expect(fitted.changes.description).toEqual({ from: null, to: 'ü'.repeat(1000), truncated: true });
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  });
});

/** A poster that records frames per connection; `gone` connections answer 410, `broken` ones always fail. */
function recordingPoster(gone: string[] = [], broken: string[] = []) {
  const sent = new Map<string, ServerFrame[]>();
  const closed: string[] = [];
  const poster: ConnectionPoster = {
    post: async (connectionId, frame) => {
      if (gone.includes(connectionId)) return 'gone';
      if (broken.includes(connectionId)) throw new Error('throttled');
      sent.set(connectionId, [...(sent.get(connectionId) ?? []), frame]);
      return 'sent';
    },
    close: async (connectionId) => {
      closed.push(connectionId);
    },
  };
  return { poster, sent, closed };
}

function repository(subscriptions: SubscriptionRecord[], members: string[]) {
  const calls = { subscribers: 0, removedConnections: [] as string[], removedSubscriptions: [] as string[] };
  const repo: Pick<LiveRepository, 'subscribers' | 'memberIds' | 'removeConnection' | 'removeSubscription'> =
    {
      subscribers: async () => {
        calls.subscribers++;
        return subscriptions;
      },
      memberIds: async () => new Set(members),
      removeConnection: async (id) => {
        calls.removedConnections.push(id);
      },
      removeSubscription: async (_, id) => {
        calls.removedSubscriptions.push(id);
      },
    };
  return { repo, calls };
}

const change = (n: number): Outgoing => ({
  projectId: PROJECT,
  workspaceId: WS,
  frame: {
    id: `e${n}`,
    type: 'TASK_UPDATED',
    projectId: PROJECT,
    entityType: 'task',
    entityId: TASK,
    taskId: TASK,
    action: 'updated',
    actorId: 'alice',
    at: AT,
    changes: {},
    data: null,
  },
});

const fast = { concurrency: 4, attempts: 3, retryDelayMs: 1 };

describe('Broadcaster', () => {
  it('sends each event to every member subscribed, in order, reading the audience once a batch', async () => {
    const subs = ['c1', 'c2', 'c3', 'c4', 'c5'].map((c, i) => subscription(c, i % 2 ? 'bob' : 'alice'));
    const { repo, calls } = repository(subs, ['alice', 'bob']);
    const { poster, sent } = recordingPoster();
    const broadcaster = new Broadcaster(repo, poster, fast);
    for (const n of [1, 2, 3]) await broadcaster.send(change(n));
    expect(calls.subscribers).toBe(1);
    for (const c of ['c1', 'c2', 'c3', 'c4', 'c5']) {
      expect(sent.get(c)?.map((f) => (f as { id: string }).id)).toEqual(['e1', 'e2', 'e3']);
    }
    expect(broadcaster.stats).toEqual({ sent: 15, gone: 0, failed: 0, revoked: 0 });
  });

  it('drops and tells subscribers who are no longer members, and never sends them the event', async () => {
    const { repo, calls } = repository(
      [subscription('c1', 'alice'), subscription('c2', 'mallory')],
      ['alice'],
    );
    const { poster, sent } = recordingPoster();
    const broadcaster = new Broadcaster(repo, poster, fast);
    await broadcaster.send(change(1));
    expect(sent.get('c1')).toHaveLength(1);
    expect(sent.get('c2')).toEqual([{ type: 'unsubscribed', projectId: PROJECT, reason: 'FORBIDDEN' }]);
    expect(calls.removedSubscriptions).toEqual(['c2']);
    expect(broadcaster.stats.revoked).toBe(1);
  });

  it('forgets connections that are gone and does not post to them again in the batch', async () => {
    const { repo, calls } = repository([subscription('c1', 'alice'), subscription('c2', 'alice')], ['alice']);
    const gone: string[] = ['c2'];
    const { poster, sent } = recordingPoster(gone);
    const post = jest.spyOn(poster, 'post');
    const broadcaster = new Broadcaster(repo, poster, fast);
    await broadcaster.send(change(1));
    await broadcaster.send(change(2));
    expect(calls.removedConnections).toEqual(['c2']);
    expect(post.mock.calls.filter(([id]) => id === 'c2')).toHaveLength(1);
    expect(sent.get('c1')).toHaveLength(2);
  });

  it('closes a connection it cannot reach after retries, so its client reconnects and catches up', async () => {
    const { repo } = repository([subscription('c1', 'alice'), subscription('c2', 'alice')], ['alice']);
    const { poster, sent, closed } = recordingPoster([], ['c2']);
    const post = jest.spyOn(poster, 'post');
    const broadcaster = new Broadcaster(repo, poster, fast);
    await broadcaster.send(change(1));
    expect(post.mock.calls.filter(([id]) => id === 'c2')).toHaveLength(3);
    expect(closed).toEqual(['c2']);
    expect(sent.get('c1')).toHaveLength(1);
    expect(broadcaster.stats).toEqual(expect.objectContaining({ sent: 1, failed: 1 }));
  });

  it('does not announce the arrival of someone who is not a member', async () => {
    const intruder = subscription('c9', 'mallory');
    const { repo } = repository([subscription('c1', 'alice'), intruder], ['alice']);
    const { poster, sent } = recordingPoster();
    const arrival = outgoingOf({ eventName: 'INSERT', newItem: asItem(intruder, 'SUBSCRIPTION') }, ITEMS)!;
    await new Broadcaster(repo, poster, fast).send(arrival);
    expect(sent.get('c1')).toBeUndefined();
  });

  it('does not cache an audience it failed to read, so the retry reads again', async () => {
    const { repo } = repository([subscription('c1', 'alice')], ['alice']);
    const subscribers = jest.spyOn(repo, 'subscribers').mockRejectedValueOnce(new Error('throttled'));
    const { poster, sent } = recordingPoster();
    const broadcaster = new Broadcaster(repo, poster, fast);
    await expect(broadcaster.send(change(1))).rejects.toThrow('throttled');
    await broadcaster.send(change(1));
    expect(subscribers).toHaveBeenCalledTimes(2);
    expect(sent.get('c1')).toHaveLength(1);
  });
});
