import { NotFoundError } from '#functions/lib/errors';
import { LiveService, sessionOf, type LiveRepository, type SubscriptionRecord } from './live.ts';
import { idIn, PROJECT, WS } from './test-fixtures.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const TASK = idIn(WS, 100);

/** An in-memory repository with the store's rules: subscriptions need their connection; presence needs one. */
function memoryRepository() {
  const connections = new Map([
    [
      'c1',
      { connectionId: 'c1', userId: 'alice', email: 'a@x', connectedAt: NOW.toISOString(), projectIds: [] },
    ],
  ]);
  const subscriptions = new Map<string, SubscriptionRecord>();
  const repo: LiveRepository = {
    connection: async (id) => connections.get(id),
    subscribe: async (s) => {
      if (!connections.has(s.connectionId)) return false;
      subscriptions.set(s.connectionId, s);
      return true;
    },
    unsubscribe: async (id) => {
      subscriptions.delete(id);
    },
    setPresence: async (p) => {
      const s = subscriptions.get(p.connectionId);
      if (!s || s.projectId !== p.projectId) return false;
      subscriptions.set(p.connectionId, { ...s, ...p });
      return true;
    },
    subscribers: async () => [...subscriptions.values()],
    memberIds: async () => new Set(['alice', 'bob']),
    removeConnection: async (id) => {
      connections.delete(id);
    },
    removeSubscription: async (_, id) => {
      subscriptions.delete(id);
    },
  };
  return { repo, subscriptions, connections };
}

const readable = (allowed: string[]) => ({
  authorize: async (caller: { userId: string }) => {
    if (!allowed.includes(caller.userId)) throw new NotFoundError('No such project');
  },
});

describe('LiveService', () => {
  it('answers ping without reading anything', async () => {
    const { repo } = memoryRepository();
    const connection = jest.spyOn(repo, 'connection');
    expect(await new LiveService(repo, readable([])).handle('c1', { action: 'ping' })).toEqual({
      type: 'pong',
    });
    expect(connection).not.toHaveBeenCalled();
  });

  it('refuses a subscription the caller may not read with the API error code, saving nothing', async () => {
    const { repo, subscriptions } = memoryRepository();
    const reply = await new LiveService(repo, readable([])).handle('c1', {
      action: 'subscribe',
      projectId: PROJECT,
    });
    expect(reply).toEqual({
      type: 'error',
      code: 'NOT_FOUND',
      message: 'No such project',
      projectId: PROJECT,
    });
    expect(subscriptions.size).toBe(0);
  });

  it('subscribes, answering with its own session and who else is there', async () => {
    const { repo, subscriptions } = memoryRepository();
    subscriptions.set('c0', {
      connectionId: 'c0',
      userId: 'bob',
      projectId: PROJECT,
      workspaceId: WS,
      session: sessionOf('c0'),
      viewing: TASK,
      editing: null,
      subscribedAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    const service = new LiveService(repo, readable(['alice']), () => NOW);
    const reply = await service.handle('c1', { action: 'subscribe', projectId: PROJECT });
    expect(reply).toEqual({
      type: 'subscribed',
      projectId: PROJECT,
      session: sessionOf('c1'),
      presence: [
        {
          userId: 'bob',
          session: sessionOf('c0'),
          online: true,
          viewing: TASK,
          editing: null,
          at: NOW.toISOString(),
        },
      ],
    });
    expect(subscriptions.get('c1')).toEqual(
      expect.objectContaining({ userId: 'alice', projectId: PROJECT, workspaceId: WS, viewing: null }),
    );
  });

  it('records presence only for a subscribed project, and drops `editing` when nothing is open', async () => {
    const { repo, subscriptions } = memoryRepository();
    const service = new LiveService(repo, readable(['alice']), () => NOW);
    const early = await service.handle('c1', { action: 'presence', projectId: PROJECT, viewing: TASK });
    expect(early).toEqual(expect.objectContaining({ type: 'error', code: 'CONFLICT', projectId: PROJECT }));
    await service.handle('c1', { action: 'subscribe', projectId: PROJECT });
    expect(
      await service.handle('c1', { action: 'presence', projectId: PROJECT, viewing: TASK, editing: 'title' }),
    ).toBeUndefined();
    expect(subscriptions.get('c1')).toEqual(expect.objectContaining({ viewing: TASK, editing: 'title' }));
    await service.handle('c1', { action: 'presence', projectId: PROJECT, viewing: null, editing: 'title' });
    expect(subscriptions.get('c1')).toEqual(expect.objectContaining({ viewing: null, editing: null }));
  });

  it('tells a connection the server no longer knows to reconnect', async () => {
    const { repo, connections } = memoryRepository();
    connections.clear();
    const reply = await new LiveService(repo, readable(['alice'])).handle('c1', {
      action: 'subscribe',
      projectId: PROJECT,
    });
    expect(reply).toEqual(expect.objectContaining({ type: 'error', code: 'UNAUTHORIZED' }));
  });

  it('gives each connection a stable session that does not reveal its id', () => {
    expect(sessionOf('abc=')).toBe(sessionOf('abc='));
    expect(sessionOf('abc=')).not.toBe(sessionOf('abd='));
    expect(sessionOf('abc=')).not.toContain('abc');
  });
});
