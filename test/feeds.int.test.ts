import type { ChangesPage, Task } from '#shared/schemas/tasks';
import {
  addMember,
  api,
  expectErrorShape,
  invitationToken,
  mailTo,
  signUpUser,
  uniqueIp,
  type TestUser,
} from './support.ts';
import {
  createProject,
  createTask,
  createWorkspace,
  dayFromToday,
  fieldsOf,
  updateTask,
  type Page,
} from './fixtures.ts';

/**
 * The cross-cutting reads over tasks: "My day" (`GET /api/me/tasks`), workspace search and a project's change
 * feed. Each describe has its own people (100 requests a minute per user).
 */

describe('GET /api/me/tasks', () => {
  let owner: TestUser;
  let me: TestUser;
  let wsA: string;
  let wsB: string;
  let pA: string;
  let pB: string;
  const made: Record<string, Task> = {};

  beforeAll(async () => {
    owner = await signUpUser('Owner');
    [wsA, wsB] = await Promise.all([createWorkspace(owner, 'A'), createWorkspace(owner, 'B')]);
    me = await addMember(owner, wsA, 'member');
    // The same person in a second workspace (invited there too).
    const invite = await api(`/workspaces/${wsB}/invitations`, {
      method: 'POST',
      token: owner.idToken,
      body: { email: me.email, role: 'member' },
    });
    expect(invite.status).toBe(201);
    const token = invitationToken(await mailTo(me.email, /^Join .*B/));
    expect(
      (await api(`/invitations/${token}/accept`, { method: 'POST', token: me.idToken, fromIp: uniqueIp() }))
        .status,
    ).toBe(200);
    [pA, pB] = await Promise.all([createProject(owner, wsA, 'MDA'), createProject(owner, wsB, 'MDB')]);
    const mine = { assigneeIds: [me.userId] };
    made.overdue = await createTask(owner, pA, { title: 'Overdue', dueDate: dayFromToday(-3), ...mine });
    made.today = await createTask(owner, pA, { title: 'Today', dueDate: dayFromToday(0), ...mine });
    made.soon = await createTask(owner, pB, { title: 'In three days', dueDate: dayFromToday(3), ...mine });
    made.later = await createTask(owner, pB, { title: 'In a month', dueDate: dayFromToday(30), ...mine });
    made.undated = await createTask(owner, pA, { title: 'Undated', ...mine });
    made.doneOverdue = await createTask(owner, pA, {
      title: 'Done',
      dueDate: dayFromToday(-2),
      status: 'done',
      ...mine,
    });
    made.notMine = await createTask(owner, pA, { title: 'Not mine', dueDate: dayFromToday(0) });
  }, 120_000);

  const titles = async (query: string) => {
    const res = await api<Page<Task>>(`/me/tasks${query}`, { token: me.idToken });
    expect(res.status).toBe(200);
    return res.body.items.map((t) => t.title);
  };

  it('lists my open tasks across workspaces by due date, undated last, with their keys', async () => {
    expect(await titles('')).toEqual(['Overdue', 'Today', 'In three days', 'In a month', 'Undated']);
    const res = await api<Page<Task>>('/me/tasks?due=today', { token: me.idToken });
    expect(res.body.items[0]).toMatchObject({ id: made.today!.id, key: 'MDA-2', workspaceId: wsA });
  });

  it('selects today, overdue and this week; done tasks only when asked for by status', async () => {
    expect(await titles('?due=today')).toEqual(['Today']);
    expect(await titles('?due=overdue')).toEqual(['Overdue']);
    expect(await titles('?due=week')).toEqual(['Today', 'In three days']);
    expect(await titles('?due=overdue&status=done')).toEqual(['Done']);
  });

  it('follows changes: a new due date, unassignment, completion and deletion', async () => {
    let later = made.later!;
    later = await updateTask(owner, later, { dueDate: dayFromToday(1) });
    expect(await titles('?due=week')).toEqual(['Today', 'In a month', 'In three days']);
    later = await updateTask(owner, later, { assigneeIds: [] });
    expect(await titles('?due=week')).toEqual(['Today', 'In three days']);
    made.later = later;

    const today = await updateTask(owner, made.today!, { status: 'done' });
    expect(await titles('?due=today')).toEqual([]);
    expect(await titles('?due=today&status=done')).toEqual(['Today']);
    made.today = await updateTask(owner, today, { status: 'todo' });

    const deleted = await api<Task>(`/tasks/${made.undated!.id}?version=${made.undated!.version}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(deleted.status).toBe(200);
    expect(await titles('')).not.toContain('Undated');
    const restored = await api<Task>(`/tasks/${made.undated!.id}/restore`, {
      method: 'POST',
      token: owner.idToken,
    });
    expect(restored.status).toBe(200);
    expect(await titles('')).toContain('Undated');
  });

  it('pages every task exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res: { status: number; body: Page<Task> } = await api<Page<Task>>(`/me/tasks${query}`, {
        token: me.idToken,
      });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((t) => t.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(new Set(seen).size);
    expect(seen).toHaveLength(4);
  });

  it('drops the tasks of a workspace I was removed from, at once', async () => {
    const removed = await api(`/workspaces/${wsB}/members/${me.userId}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(removed.status).toBe(204);
    expect(await titles('')).toEqual(['Overdue', 'Today', 'Undated']);
  });

  it('refuses unknown values with 400 naming the field', async () => {
    for (const [query, field] of [
      ['?due=tomorrow', 'due'],
      ['?status=finished', 'status'],
      ['?limit=0', 'limit'],
      ['?cursor=nonsense', 'cursor'],
      ['?colour=red', 'colour'],
    ] as const) {
      const res = await api(`/me/tasks${query}`, { token: me.idToken });
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 'VALIDATION_ERROR');
      expect(fieldsOf(res).join()).toContain(field);
    }
    expect((await api('/me/tasks')).status).toBe(401);
  });
});

describe('GET /api/workspaces/{workspaceId}/search', () => {
  let owner: TestUser;
  let viewer: TestUser;
  let outsider: TestUser;
  let ws: string;
  let p1: string;
  let p2: string;

  beforeAll(async () => {
    owner = await signUpUser('Searcher');
    ws = await createWorkspace(owner, 'Search');
    [viewer, outsider] = await Promise.all([addMember(owner, ws, 'viewer'), signUpUser('Outsider')]);
    [p1, p2] = await Promise.all([createProject(owner, ws, 'SEA'), createProject(owner, ws, 'SEB')]);
    await createTask(owner, p1, { title: 'Fix the LOGIN page' });
    await createTask(owner, p2, { title: 'Billing', description: 'The login cookie expires too soon' });
    await createTask(owner, p2, { title: 'Unrelated' });
    for (let i = 0; i < 5; i++) await createTask(owner, p1, { title: `Login flow step ${i}` });
  }, 120_000);

  const search = (user: TestUser, query: string) =>
    api<Page<Task>>(`/workspaces/${ws}/search${query}`, { token: user.idToken });

  it('finds tasks by title or description across projects, case-insensitively, newest change first', async () => {
    const res = await search(viewer, '?q=LoGiN');
    expect(res.status).toBe(200);
    const titles = res.body.items.map((t) => t.title);
    expect(titles).toHaveLength(7);
    expect(titles[0]).toBe('Login flow step 4');
    expect(titles).toContain('Billing');
    expect(titles).not.toContain('Unrelated');
    expect(res.body.items.find((t) => t.title === 'Billing')?.key).toBe('SEB-1');
  });

  it('pages every match exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: Page<Task> } = await search(
        owner,
        `?q=login&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((t) => t.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it('leaves out deleted tasks and the tasks of a deleted project', async () => {
    const page = await search(owner, '?q=billing');
    const billing = page.body.items[0]!;
    await api(`/tasks/${billing.id}?version=${billing.version}`, { method: 'DELETE', token: owner.idToken });
    expect((await search(owner, '?q=billing')).body.items).toEqual([]);

    const projectNow = await api<{ version: number }>(`/projects/${p1}`, { token: owner.idToken });
    const gone = await api(`/projects/${p1}?version=${projectNow.body.version}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(gone.status).toBe(204);
    expect((await search(owner, '?q=login')).body.items.map((t) => t.title)).toEqual([]);
  });

  it('answers a non-member 404 and refuses a blank or missing q', async () => {
    const res = await search(outsider, '?q=login');
    expect(res.status).toBe(404);
    expectErrorShape(res.body, 'NOT_FOUND');
    for (const query of ['', '?q=', '?q=%20%20', `?q=${'x'.repeat(201)}`]) {
      const bad = await search(owner, query);
      expect(bad.status).toBe(400);
      expect(fieldsOf(bad)).toContain('q');
    }
  });
});

describe('GET /api/projects/{projectId}/changes', () => {
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let ws: string;
  let pid: string;

  beforeAll(async () => {
    owner = await signUpUser('Feed owner');
    ws = await createWorkspace(owner, 'Changes');
    [member, outsider] = await Promise.all([addMember(owner, ws, 'member'), signUpUser('Outsider')]);
    pid = await createProject(owner, ws, 'CHG');
  }, 120_000);

  const changes = (user: TestUser, since: string, extra = '') =>
    api<ChangesPage>(`/projects/${pid}/changes?since=${encodeURIComponent(since)}${extra}`, {
      token: user.idToken,
    });

  it('returns every change since a time, deletions and project changes included, oldest first', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const t = await createTask(member, pid, { title: 'Feed me' });
    const moved = await api<Task>(`/tasks/${t.id}/move`, {
      method: 'POST',
      token: member.idToken,
      body: { version: t.version, status: 'in_progress' },
    });
    expect(moved.status).toBe(200);
    const renamed = await updateTask(member, moved.body, { title: 'Fed' });
    const projectNow = await api<{ version: number }>(`/projects/${pid}`, { token: owner.idToken });
    const projectPatch = await api(`/projects/${pid}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: projectNow.body.version, description: 'Now with a feed' },
    });
    expect(projectPatch.status).toBe(200);
    const deleted = await api(`/tasks/${t.id}?version=${renamed.version}`, {
      method: 'DELETE',
      token: member.idToken,
    });
    expect(deleted.status).toBe(200);

    const res = await changes(member, since);
    expect(res.status).toBe(200);
    expect(res.body.hasMore).toBe(false);
    expect(res.body.items.map((e) => e.type)).toEqual([
      'TASK_CREATED',
      'TASK_MOVED',
      'TASK_UPDATED',
      'PROJECT_UPDATED',
      'TASK_DELETED',
    ]);
    const [created, , updated, project, gone] = res.body.items;
    expect(created).toMatchObject({ entityId: t.id, actorId: member.userId, version: 1 });
    expect(updated).toMatchObject({ changes: { title: { from: 'Feed me', to: 'Fed' } }, version: 3 });
    expect((updated!.data as Task).title).toBe('Fed');
    expect(project).toMatchObject({
      entityType: 'project',
      entityId: pid,
      changes: { description: { from: '', to: 'Now with a feed' } },
    });
    expect(gone).toMatchObject({ entityType: 'task', entityId: t.id, data: null });
    // `until` is no later than now and not before `since`: the next call from it repeats nothing lost.
    expect(Date.parse(res.body.until)).toBeGreaterThanOrEqual(Date.parse(since));
    expect(Date.parse(res.body.until)).toBeLessThanOrEqual(Date.now());
  });

  it('pages with limit: hasMore and until lead on, every event at least once, each id once per page', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 5; i++) await createTask(member, pid, { title: `Batch ${i}` });
    const seen = new Set<string>();
    let from = since;
    for (let call = 0; call < 10; call++) {
      const res = await changes(member, from, '&limit=2');
      expect(res.status).toBe(200);
      for (const event of res.body.items) seen.add(event.id);
      from = res.body.until;
      if (!res.body.hasMore) break;
    }
    const created = await changes(member, since);
    const batch = created.body.items.filter(
      (e) => e.entityType === 'task' && (e.data as Task | null)?.title.startsWith('Batch'),
    );
    expect(batch.map((e) => e.type)).toEqual(Array(5).fill('TASK_CREATED'));
    for (const event of created.body.items) expect(seen.has(event.id)).toBe(true);
  });

  it('is empty after the last change; 404 for a non-member; 400 for a bad since or limit', async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    const res = await changes(member, future);
    expect(res.body).toEqual({ items: [], until: future, hasMore: false });
    expect((await changes(outsider, future)).status).toBe(404);
    for (const [query, field] of [
      ['', 'since'],
      ['?since=yesterday', 'since'],
      [`?since=${encodeURIComponent(future)}&limit=501`, 'limit'],
      // Deleted tasks (and their events) are purged after the 30-day restore window: older is "reload".
      [`?since=${encodeURIComponent(new Date(Date.now() - 31 * 86_400_000).toISOString())}`, 'since'],
    ] as const) {
      const bad = await api(`/projects/${pid}/changes${query}`, { token: member.idToken });
      expect(bad.status).toBe(400);
      expect(fieldsOf(bad)).toContain(field);
    }
  });
});
