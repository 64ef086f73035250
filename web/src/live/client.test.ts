import { QueryClient } from '@tanstack/react-query';
import type { ChangesPage, Task } from '../../../shared/schemas/tasks.ts';
import type { LiveChangeEvent, PresenceEntry, ServerFrame } from '../../../shared/schemas/websocket.ts';
import { flatten, type ColumnData } from '../board/board-logic.ts';
import { keys } from '../lib/data.ts';
import { LiveClient, type LiveClientOptions } from './client.ts';
import { ServerClock } from './clock.ts';
import type { SocketLike } from './socket.ts';

const P = 'W.P';
const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  receive(frame: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }
  lose() {
    this.readyState = 3;
    this.onclose?.({ code: 1006 } as CloseEvent);
  }
}

const task = (id: string, over: Partial<Task> = {}): Task =>
  ({
    id,
    projectId: P,
    title: id,
    status: 'todo',
    priority: 'medium',
    description: null,
    dueDate: null,
    assigneeIds: [],
    labelIds: [],
    sprintId: null,
    rank: id,
    commentCount: 0,
    subtaskCount: 0,
    subtasksDone: 0,
    deletedAt: null,
    version: 1,
    ...over,
  }) as Task;

let seq = 0;
const renamed = (id: string, title: string, version: number, at: number): LiveChangeEvent => ({
  id: `01J00000000000000000${String(++seq).padStart(6, '0')}`,
  type: 'TASK_UPDATED',
  projectId: P,
  entityType: 'task',
  entityId: id,
  taskId: id,
  action: 'updated',
  actorId: 'alex',
  at: iso(at),
  version,
  changes: { title: { from: '?', to: title } },
  data: task(id, { title, version }),
});

const presence = (over: Partial<PresenceEntry> = {}): PresenceEntry => ({
  userId: 'alex',
  session: 's-alex',
  online: true,
  viewing: null,
  editing: null,
  at: iso(0),
  ...over,
});

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function setup(over: Partial<LiveClientOptions> = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { gcTime: Infinity } } });
  client.setQueryData<ColumnData>([...keys.column(P), 'todo', '{}'], {
    pages: [{ items: [task('a'), task('b')], nextCursor: null }],
    pageParams: [null],
  });
  const sockets: FakeSocket[] = [];
  const feed: { since: string; page: ChangesPage }[] = [];
  const reads: string[] = [];
  const clock = new ServerClock();
  // The client's clock is 10 minutes slow; the server says so in its Date header.
  clock.observe(new Date(T0).toUTCString(), T0 - 600_000, T0 - 600_000);
  const options: LiveClientOptions = {
    client,
    wsUrl: 'ws://x/local',
    clock,
    readChanges: async (_projectId, since) => {
      reads.push(since);
      const next = feed.shift();
      return next?.page ?? { items: [], until: since, hasMore: false };
    },
    readTask: async (id) => task(id),
    token: async () => 'token',
    checkSession: async () => undefined,
    createSocket: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    online: () => true,
    selfId: () => 'me',
    random: () => 0.5,
    ...over,
  };
  const live = new LiveClient(options);
  const titles = () =>
    flatten(client.getQueryData<ColumnData>([...keys.column(P), 'todo', '{}'])).map((t) => t.title);
  return { live, client, sockets, feed, reads, titles, socket: () => sockets[sockets.length - 1]! };
}

beforeEach(() => jest.useFakeTimers({ now: T0 - 600_000 }));
afterEach(() => jest.useRealTimers());

describe('LiveClient', () => {
  it('subscribes, catches up from a settle window before the server time, then is live', async () => {
    const { live, socket, reads, feed, titles } = setup();
    feed.push({
      since: '',
      page: { items: [renamed('a', 'A2', 2, -1000)], until: iso(-5000), hasMore: false },
    });
    live.track(P);
    await settle();
    socket().open();
    expect(socket().sent).toEqual([{ action: 'subscribe', projectId: P }]);
    expect(live.view(P)?.status).toBe('connecting');
    socket().receive({ type: 'subscribed', projectId: P, session: 'mine', presence: [] });
    await settle();
    // Server time (not the 10-minute slow client clock; the Date header is known to a second) minus 5 s.
    expect(reads).toHaveLength(1);
    expect(Math.abs(Date.parse(reads[0]!) - (T0 - 5000))).toBeLessThanOrEqual(1000);
    expect(titles()).toEqual(['A2', 'b']);
    expect(live.view(P)?.status).toBe('live');
  });

  it('events arriving during the catch-up wait for it, then apply in order, once', async () => {
    let release: (page: ChangesPage) => void = () => {};
    const pending = new Promise<ChangesPage>((resolve) => (release = resolve));
    const { live, socket, titles } = setup({ readChanges: () => pending });
    const both = renamed('b', 'B2', 2, 100);
    live.track(P);
    await settle();
    socket().open();
    socket().receive({ type: 'subscribed', projectId: P, session: 'mine', presence: [] });
    socket().receive(renamed('a', 'A3', 3, 300));
    socket().receive(both); // also in the catch-up: applied once
    await settle();
    expect(titles()).toEqual(['a', 'b']);
    expect(live.view(P)?.status).toBe('connecting');
    release({ items: [both], until: iso(0), hasMore: false });
    await settle();
    expect(titles()).toEqual(['A3', 'B2']);
    expect(live.view(P)?.status).toBe('live');
  });

  it("an attachment made ready refreshes the task's file list and brings the card's count, once", async () => {
    const reads: string[] = [];
    const { live, client, socket } = setup({
      readTask: async (id) => {
        reads.push(id);
        return task(id, { attachmentCount: 1 });
      },
    });
    client.setQueryData(keys.attachments('a'), []);
    live.track(P);
    await settle();
    socket().open();
    socket().receive({ type: 'subscribed', projectId: P, session: 'mine', presence: [] });
    await settle();
    const frame: ServerFrame = {
      type: 'ATTACHMENT_READY',
      id: 'a.f1:ready',
      projectId: P,
      entityId: 'a.f1',
      taskId: 'a',
      actorId: 'alex',
      at: iso(1000),
      data: null,
    };
    socket().receive(frame);
    socket().receive(frame); // the stream's retry
    jest.advanceTimersByTime(1000);
    await settle();
    expect(client.getQueryState(keys.attachments('a'))?.isInvalidated).toBe(true);
    expect(reads).toEqual(['a']);
    const card = flatten(client.getQueryData<ColumnData>([...keys.column(P), 'todo', '{}']))[0];
    expect(card?.attachmentCount).toBe(1);

    // These events are not in the change feed: after a gap, the list reads again.
    client.setQueryData(keys.attachments('a'), []);
    socket().lose();
    jest.advanceTimersByTime(1000);
    await settle();
    socket().open();
    socket().receive({ type: 'subscribed', projectId: P, session: 'mine-2', presence: [] });
    await settle();
    jest.advanceTimersByTime(1000);
    expect(client.getQueryState(keys.attachments('a'))?.isInvalidated).toBe(true);
  });

  it('after a drop: reconnecting, then a new subscription catches up from the last event minus 5 s', async () => {
    const { live, socket, sockets, reads, feed, titles } = setup();
    live.track(P);
    await settle();
    socket().open();
    socket().receive({ type: 'subscribed', projectId: P, session: 'mine', presence: [] });
    await settle();
    socket().receive(renamed('a', 'A2', 2, 60_000));
    socket().lose();
    expect(live.view(P)?.status).toBe('reconnecting');
    // Meanwhile someone renamed b: only the catch-up can tell.
    feed.push({
      since: '',
      page: { items: [renamed('b', 'B2', 2, 70_000)], until: iso(80_000), hasMore: false },
    });
    jest.advanceTimersByTime(1000);
    await settle();
    expect(sockets).toHaveLength(2);
    socket().open();
    socket().receive({ type: 'subscribed', projectId: P, session: 'mine-2', presence: [] });
    await settle();
    expect(reads.at(-1)).toBe(iso(55_000));
    expect(titles()).toEqual(['A2', 'B2']);
    expect(live.view(P)?.status).toBe('live');
  });

  it('shows who else is here, keeps presence current, and says where this tab is (again after a reconnect)', async () => {
    const { live, socket } = setup();
    live.track(P);
    await settle();
    socket().open();
    socket().receive({
      type: 'subscribed',
      projectId: P,
      session: 'mine',
      presence: [presence(), presence({ userId: 'me', session: 'my-other-tab' })],
    });
    await settle();
    expect(live.view(P)?.people.map((p) => p.userId)).toEqual(['alex']);
    live.setPresence(P, 'W.T1', null);
    live.setPresence(P, null); // a panel opened and closed at once (a remount): only the last state counts
    live.setPresence(P, 'W.T1', 'title');
    jest.advanceTimersByTime(200);
    expect(socket().sent.filter((f) => f.action === 'presence')).toEqual([
      { action: 'presence', projectId: P, viewing: 'W.T1', editing: 'title' },
    ]);
    socket().receive({
      type: 'PRESENCE',
      projectId: P,
      entityId: 'alex',
      actorId: 'alex',
      at: iso(1000),
      data: presence({ online: false, at: iso(1000) }),
    });
    expect(live.view(P)?.people).toEqual([]);

    socket().lose();
    jest.advanceTimersByTime(1000);
    await settle();
    socket().open();
    socket().receive({ type: 'subscribed', projectId: P, session: 'mine-2', presence: [] });
    await settle();
    expect(socket().sent).toContainEqual({
      action: 'presence',
      projectId: P,
      viewing: 'W.T1',
      editing: 'title',
    });
  });

  it('a refused subscription says so, and leaving a board unsubscribes', async () => {
    const { live, socket } = setup();
    const release = live.track(P);
    await settle();
    socket().open();
    socket().receive({ type: 'error', code: 'NOT_FOUND', message: 'No such project', projectId: P });
    expect(live.view(P)?.status).toBe('refused');
    release();
    // Left for good only after a grace: a quick remount keeps the subscription.
    expect(socket().sent.at(-1)).not.toEqual({ action: 'unsubscribe', projectId: P });
    jest.advanceTimersByTime(1000);
    expect(socket().sent.at(-1)).toEqual({ action: 'unsubscribe', projectId: P });
  });

  it('a board left and opened again at once keeps its subscription (no unsubscribe/subscribe race)', async () => {
    const { live, socket } = setup();
    const first = live.track(P);
    await settle();
    socket().open();
    socket().receive({ type: 'subscribed', projectId: P, session: 'mine', presence: [] });
    await settle();
    first();
    live.track(P);
    jest.advanceTimersByTime(5000);
    expect(socket().sent.filter((f) => f.action !== 'ping')).toEqual([{ action: 'subscribe', projectId: P }]);
    expect(live.view(P)?.status).toBe('live');
  });

  it('a member removed from the workspace is told by an unsubscribed frame', async () => {
    const { live, socket } = setup();
    live.track(P);
    await settle();
    socket().open();
    socket().receive({ type: 'subscribed', projectId: P, session: 'mine', presence: [] });
    await settle();
    socket().receive({ type: 'unsubscribed', projectId: P, reason: 'FORBIDDEN' });
    expect(live.view(P)?.status).toBe('refused');
  });
});
