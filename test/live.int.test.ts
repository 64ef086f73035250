import { randomBytes } from 'node:crypto';
import { api, addMember, eventually, outputs, signUpUser, type TestUser } from './support.ts';
import {
  createProject,
  createSprint,
  createTask,
  createWorkspace,
  created,
  putItem,
  storedItem,
  updateTask,
  type Versioned,
} from './fixtures.ts';
import { isEvent, LiveClient, type Frame } from './live-client.ts';

const connect = (user?: TestUser) => LiveClient.connect(outputs().wsUrl, user?.idToken);

describe('live board: subscriptions, events and presence', () => {
  let owner: TestUser;
  let member: TestUser;
  let stranger: TestUser;
  let workspaceId: string;
  let projectId: string;
  const clients: LiveClient[] = [];
  const open = async (user: TestUser) => {
    const client = await connect(user);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    [owner, stranger] = await Promise.all([signUpUser('Olive Owner'), signUpUser('Stan Stranger')]);
    workspaceId = await createWorkspace(owner, 'Live');
    projectId = await createProject(owner, workspaceId);
    member = await addMember(owner, workspaceId, 'member');
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  it('refuses a subscription to a project the caller cannot read, and names a malformed field', async () => {
    const client = await open(stranger);
    expect(await client.subscribe(projectId)).toEqual({
      type: 'error',
      code: 'NOT_FOUND',
      message: expect.any(String),
      projectId,
    });
    client.send({ action: 'subscribe', projectId: 'nope' });
    expect(await client.waitFor((f) => f.type === 'error' && f.code === 'VALIDATION_ERROR')).toEqual(
      expect.objectContaining({ message: expect.stringContaining('projectId') }),
    );
    client.send({ action: 'presence', projectId, viewing: null });
    expect(await client.waitFor((f) => f.type === 'error' && f.code === 'CONFLICT')).toEqual(
      expect.objectContaining({ projectId }),
    );
    // The stranger's refused subscription must not get them the board's events.
    await createTask(owner, projectId, { title: 'Not for strangers' });
    await new Promise((r) => setTimeout(r, 500));
    expect(client.frames.filter((f) => f.type === 'TASK_CREATED')).toEqual([]);
  });

  it('sends every kind of change to subscribers once, in order per entity', async () => {
    const client = await open(member);
    expect(await client.subscribe(projectId)).toEqual(
      expect.objectContaining({ type: 'subscribed', projectId, session: expect.any(String) }),
    );
    const from = client.received.length;
    const task = await createTask(owner, projectId, { title: 'Live one' });
    const other = await createTask(owner, projectId, { title: 'Live two' });
    const renamed = await updateTask(owner, task, { title: 'Live one, renamed' });
    const moved = await api<Versioned>(`/tasks/${task.id}/move`, {
      method: 'POST',
      token: owner.idToken,
      body: { version: renamed.version, status: 'in_progress' },
    });
    const comment = await created(owner, `/tasks/${task.id}/comments`, { body: 'First!' });
    const editedComment = await api<Versioned>(`/comments/${comment.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: comment.version, body: 'First, edited' },
    });
    await api(`/comments/${comment.id}?version=${editedComment.body.version}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    await created(owner, `/tasks/${task.id}/subtasks`, { title: 'Step' });
    await api(`/tasks/${other.id}?version=${other.version}`, { method: 'DELETE', token: owner.idToken });
    await api(`/tasks/${other.id}/restore`, { method: 'POST', token: owner.idToken });
    const project = (await api<Versioned>(`/projects/${projectId}`, { token: owner.idToken })).body;
    await api(`/projects/${projectId}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: project.version, description: 'Now live' },
    });
    const sprint = await createSprint(owner, projectId, { name: 'Live sprint' });

    const expected: Array<[string, string]> = [
      ['TASK_CREATED', task.id],
      ['TASK_CREATED', other.id],
      ['TASK_UPDATED', task.id],
      ['TASK_MOVED', task.id],
      ['COMMENT_CREATED', comment.id],
      ['COMMENT_UPDATED', comment.id],
      ['COMMENT_DELETED', comment.id],
      ['SUBTASK_CHANGED', expect.any(String)],
      ['TASK_DELETED', other.id],
      ['TASK_RESTORED', other.id],
      ['PROJECT_UPDATED', projectId],
      ['SPRINT_UPDATED', sprint.id],
    ];
    await client.waitFor(isEvent('SPRINT_UPDATED', sprint.id), 10_000, from);
    await eventually(async () =>
      client.frames.slice(from).filter((f) => f.type !== 'PRESENCE').length >= expected.length
        ? true
        : undefined,
    );
    const events = client.frames.slice(from).filter((f) => f.type !== 'PRESENCE');
    // DynamoDB streams keep order per item key, not across items (records of two tasks may sit in two shards):
    // every event arrives once, and each entity's events arrive in the order they happened.
    expect(events).toHaveLength(expected.length);
    expect(events.map((f) => [f.type, f.entityId])).toEqual(expect.arrayContaining(expected));
    const orderOf = (list: Array<[string, unknown]>, entity: string) =>
      list.filter(([, id]) => id === entity).map(([type]) => type);
    const received = events.map((f) => [f.type, f.entityId] as [string, unknown]);
    for (const entity of [task.id, other.id, comment.id]) {
      expect(orderOf(received, entity)).toEqual(orderOf(expected, entity));
    }
    const byType = (type: string) => events.find((f) => f.type === type)!;
    expect(new Set(events.map((f) => f.id)).size).toBe(events.length);
    const update = byType('TASK_UPDATED');
    expect(update).toEqual(
      expect.objectContaining({
        projectId,
        actorId: owner.userId,
        at: expect.any(String),
        version: renamed.version,
        changes: { title: { from: 'Live one', to: 'Live one, renamed' } },
        data: expect.objectContaining({ id: task.id, title: 'Live one, renamed', version: renamed.version }),
      }),
    );
    expect(byType('TASK_MOVED').data).toEqual(
      expect.objectContaining({ status: 'in_progress', version: moved.body.version }),
    );
    expect(byType('TASK_DELETED').data).toBeNull();

    // The live events are the change feed's: the same ids, so a client that catches up applies each once.
    const feed = await api<{ items: Array<{ id: string }> }>(
      `/projects/${projectId}/changes?since=${encodeURIComponent(events.map((e) => String(e.at)).sort()[0]!)}&limit=500`,
      { token: member.idToken },
    );
    const feedIds = new Set(feed.body.items.map((e) => e.id));
    expect(events.every((e) => feedIds.has(String(e.id)))).toBe(true);
  });

  it('sends a change too large for one frame as a partial event', async () => {
    const client = await open(member);
    await client.subscribe(projectId);
    const task = await createTask(owner, projectId, { title: 'Big' });
    const description = 'ü'.repeat(40_000);
    await updateTask(owner, task, { description });
    const event = await client.waitFor(isEvent('TASK_UPDATED', task.id), 10_000);
    expect(event.partial).toBe(true);
    expect(event.data).toBeNull();
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(32 * 1024);
    expect(event.changes).toEqual({ description: expect.objectContaining({ truncated: true }) });
  });

  it('shows who is on the board and what they have open, and clears a closed tab at once', async () => {
    const watcher = await open(owner);
    await watcher.subscribe(projectId);
    const from = watcher.received.length;
    const visitor = await connect(member);
    const subscribed = await visitor.subscribe(projectId);
    expect(subscribed.presence).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId: owner.userId, online: true })]),
    );
    const session = subscribed.session;
    const arrived = await watcher.waitFor(
      (f) => f.type === 'PRESENCE' && (f.data as { session: string }).session === session,
      5000,
      from,
    );
    expect(arrived).toEqual(
      expect.objectContaining({
        projectId,
        entityId: member.userId,
        data: expect.objectContaining({ userId: member.userId, online: true, viewing: null }),
      }),
    );
    const task = await createTask(owner, projectId, { title: 'Open me' });
    visitor.send({ action: 'presence', projectId, viewing: task.id, editing: 'title' });
    const viewing = await watcher.waitFor(
      (f) => f.type === 'PRESENCE' && (f.data as { viewing: string | null }).viewing === task.id,
      5000,
      from,
    );
    expect(viewing.data).toEqual(expect.objectContaining({ editing: 'title', online: true, session }));

    await visitor.close();
    const left = await watcher.waitFor(
      (f) =>
        f.type === 'PRESENCE' &&
        (f.data as { session: string; online: boolean }).session === session &&
        !(f.data as { online: boolean }).online,
      5000,
      from,
    );
    expect(left.data).toEqual(expect.objectContaining({ userId: member.userId, online: false }));
  });

  it('stops sending to a member removed from the workspace with the very next event', async () => {
    const leaver = await addMember(owner, workspaceId, 'member');
    const stays = await open(owner);
    const leaving = await open(leaver);
    await stays.subscribe(projectId);
    await leaving.subscribe(projectId);
    const before = await createTask(owner, projectId, { title: 'Before removal' });
    await leaving.waitFor(isEvent('TASK_CREATED', before.id), 10_000);

    const removed = await api(`/workspaces/${workspaceId}/members/${leaver.userId}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(removed.status).toBe(204);
    const after = await createTask(owner, projectId, { title: 'After removal' });
    await stays.waitFor(isEvent('TASK_CREATED', after.id), 10_000);
    expect(await leaving.waitFor((f) => f.type === 'unsubscribed', 5000)).toEqual({
      type: 'unsubscribed',
      projectId,
      reason: 'FORBIDDEN',
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(leaving.frames.some(isEvent('TASK_CREATED', after.id))).toBe(false);
    // And they cannot subscribe again.
    expect(await leaving.subscribe(projectId)).toEqual(
      expect.objectContaining({ type: 'error', code: 'NOT_FOUND' }),
    );
  });

  it('forgets a connection that is gone (410) and its subscriptions', async () => {
    const client = await open(owner);
    await client.subscribe(projectId);
    // A connection the table still lists but API Gateway no longer has (its $disconnect never ran).
    const ghost = randomBytes(10).toString('base64').replace(/[+/=]/g, 'A');
    const connectedAt = new Date().toISOString();
    await putItem({
      PK: `CONN#${ghost}`,
      SK: 'CONN',
      type: 'CONNECTION',
      connectionId: ghost,
      userId: owner.userId,
      email: owner.email,
      connectedAt,
      projectIds: new Set([projectId]),
    });
    await putItem({
      PK: `PROJECT#${projectId}#SUBS`,
      SK: `CONN#${ghost}`,
      type: 'SUBSCRIPTION',
      connectionId: ghost,
      userId: owner.userId,
      projectId,
      workspaceId,
      session: 'ghost',
      subscribedAt: connectedAt,
      updatedAt: connectedAt,
    });
    const task = await createTask(owner, projectId, { title: 'Wakes the ghost' });
    await client.waitFor(isEvent('TASK_CREATED', task.id), 10_000);
    const gone = async () =>
      !(await storedItem({ PK: `CONN#${ghost}`, SK: 'CONN' })) &&
      !(await storedItem({ PK: `PROJECT#${projectId}#SUBS`, SK: `CONN#${ghost}` }));
    for (let i = 0; i < 50 && !(await gone()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await gone()).toBe(true);
  });

  it('removes the subscriptions of a closed connection, and unsubscribe stops the events', async () => {
    const client = await open(member);
    const { session } = await client.subscribe(projectId);
    expect(session).toEqual(expect.any(String));
    client.send({ action: 'unsubscribe', projectId });
    expect(await client.waitFor((f) => f.type === 'unsubscribed')).toEqual({
      type: 'unsubscribed',
      projectId,
      reason: 'UNSUBSCRIBED',
    });
    const task = await createTask(owner, projectId, { title: 'After unsubscribe' });
    const watcher = await open(owner);
    await watcher.subscribe(projectId);
    const probe = await createTask(owner, projectId, { title: 'Probe' });
    await watcher.waitFor(isEvent('TASK_CREATED', probe.id), 10_000);
    expect(client.frames.some((f: Frame) => f.entityId === task.id || f.entityId === probe.id)).toBe(false);
  });
});
