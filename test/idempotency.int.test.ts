import { randomUUID } from 'node:crypto';
import type { Task } from '#shared/schemas/tasks';
import { api, signUpUser, type TestUser } from './support.ts';
import { createProject, createTask, createWorkspace, expect400, listAll } from './fixtures.ts';

describe('Idempotency-Key', () => {
  let owner: TestUser;
  let other: TestUser;
  let projectId: string;
  const post = (user: TestUser, key: string, body: unknown, path = `/projects/${projectId}/tasks`) =>
    api<Task>(path, { method: 'POST', token: user.idToken, body, headers: { 'idempotency-key': key } });
  const titles = async () =>
    (await listAll<Task>(owner, `/projects/${projectId}/tasks`)).items.map((t) => t.title).sort();

  beforeAll(async () => {
    [owner, other] = await Promise.all([signUpUser('Ida Empotent'), signUpUser('Otto Other')]);
    const workspaceId = await createWorkspace(owner, 'Replays');
    projectId = await createProject(owner, workspaceId);
  });

  it('answers a repeated create with the first answer and creates once', async () => {
    const key = randomUUID();
    const first = await post(owner, key, { title: 'Exactly once' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await post(owner, key, { title: 'Exactly once' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    expect((await titles()).filter((t) => t === 'Exactly once')).toHaveLength(1);
  });

  it('treats the same JSON in another key order as the same request', async () => {
    const key = randomUUID();
    const first = await api(`/projects/${projectId}/tasks`, {
      method: 'POST',
      token: owner.idToken,
      rawBody: '{"title":"Ordered","priority":"high"}',
      headers: { 'idempotency-key': key, 'content-type': 'application/json' },
    });
    const again = await api(`/projects/${projectId}/tasks`, {
      method: 'POST',
      token: owner.idToken,
      rawBody: '{ "priority": "high", "title": "Ordered" }',
      headers: { 'idempotency-key': key, 'content-type': 'application/json' },
    });
    expect(again.body).toEqual(first.body);
  });

  it('refuses the same key with a different body, changing nothing', async () => {
    const key = randomUUID();
    expect((await post(owner, key, { title: 'Original' })).status).toBe(201);
    const reused = await post(owner, key, { title: 'Something else' });
    expect(reused.status).toBe(409);
    expect(reused.body).toEqual({
      error: expect.objectContaining({
        code: 'CONFLICT',
        message: expect.stringContaining('Idempotency-Key'),
      }),
    });
    expect(await titles()).not.toContain('Something else');
  });

  it('replays an update made on a version that has moved on since, instead of a version conflict', async () => {
    const task = await createTask(owner, projectId, { title: 'Patch me' });
    const key = randomUUID();
    const patch = () =>
      api<Task>(`/tasks/${task.id}`, {
        method: 'PATCH',
        token: owner.idToken,
        body: { version: task.version, priority: 'critical' },
        headers: { 'idempotency-key': key },
      });
    const first = await patch();
    expect(first.status).toBe(200);
    const again = await patch();
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(first.body.version);
    const stored = await api<Task>(`/tasks/${task.id}`, { token: owner.idToken });
    expect(stored.body.version).toBe(task.version + 1);
  });

  it('keeps keys per user: another person may use the same key for their own request', async () => {
    const key = randomUUID();
    expect((await post(owner, key, { title: 'Mine' }, '/workspaces')).status).toBe(400);
    const theirs = await post(other, key, { name: 'Their workspace' }, '/workspaces');
    expect(theirs.status).toBe(201);
  });

  it('runs concurrent repeats once: the others replay or are told it is still running', async () => {
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => post(owner, key, { title: 'Raced once' })),
    );
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    for (const busy of answers.filter((a) => a.status === 409))
      expect(busy.headers.get('retry-after')).toBe('1');
    expect((await titles()).filter((t) => t === 'Raced once')).toHaveLength(1);
  });

  it('refuses a key that is not a UUID, naming the header', async () => {
    const res = await post(owner, 'not-a-uuid', { title: 'Nope' });
    expect400(res, 'Idempotency-Key');
    expect(await titles()).not.toContain('Nope');
  });

  it('replays a delete', async () => {
    const task = await createTask(owner, projectId, { title: 'Delete me' });
    const key = randomUUID();
    const del = () =>
      api<Task>(`/tasks/${task.id}?version=${task.version}`, {
        method: 'DELETE',
        token: owner.idToken,
        headers: { 'idempotency-key': key },
      });
    const first = await del();
    expect(first.status).toBe(200);
    const again = await del();
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });
});
