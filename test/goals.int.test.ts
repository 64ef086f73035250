import { keys } from '#functions/store/keys';
import type { Goal } from '#shared/schemas/goals';
import { addTeam, api, expectErrorShape, signUpUser, type Team, type TestUser } from './support.ts';
import {
  created,
  createWorkspace,
  expect400,
  storedItem,
  ULID,
  UNKNOWN_ULID,
  type Answer,
  type ErrorBody,
  type Page,
} from './fixtures.ts';

const expectStatus = (res: Answer, status: number, code?: string) => {
  expect({ status: res.status, body: res.body }).toEqual(expect.objectContaining({ status }));
  if (code) expectErrorShape(res.body, code);
};

const createGoal = (user: TestUser, body: Record<string, unknown>) => created<Goal>(user, '/goals', body);

const getGoal = (user: TestUser, goalId: string) => api<Goal>(`/goals/${goalId}`, { token: user.idToken });
const patchGoal = (user: TestUser, goalId: string, body: unknown) =>
  api<Goal>(`/goals/${goalId}`, { method: 'PATCH', token: user.idToken, body });
const deleteGoal = (user: TestUser, goalId: string, version: number | string) =>
  api(`/goals/${goalId}?version=${version}`, { method: 'DELETE', token: user.idToken });
const listGoals = (user: TestUser, query = '') => api<Page<Goal>>(`/goals${query}`, { token: user.idToken });

describe('personal goals', () => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([signUpUser('Alice Goals'), signUpUser('Bob Goals')]);
  });

  it('create, read, list, update and delete a personal goal', async () => {
    const res = await api<Goal>('/goals', {
      method: 'POST',
      token: alice.idToken,
      body: { title: '  Run a marathon  ', targetDate: '2026-10-04', description: 'Train **weekly**' },
    });
    expect(res.status).toBe(201);
    const goal = res.body;
    expect(goal).toEqual({
      id: expect.stringMatching(new RegExp(`^${ULID}$`)),
      title: 'Run a marathon',
      description: 'Train **weekly**',
      targetDate: '2026-10-04',
      workspaceId: null,
      ownerId: alice.userId,
      taskCount: 0,
      doneCount: 0,
      progress: 0,
      createdAt: expect.any(String),
      updatedAt: goal.createdAt,
      version: 1,
    });

    expect((await getGoal(alice, goal.id)).body).toEqual(goal);
    const list = await listGoals(alice);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [goal], nextCursor: null });

    const patched = await patchGoal(alice, goal.id, {
      version: 1,
      title: 'Run a half marathon',
      targetDate: null,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({
      ...goal,
      title: 'Run a half marathon',
      targetDate: null,
      updatedAt: expect.any(String),
      version: 2,
    });
    expect((await getGoal(alice, goal.id)).body).toEqual(patched.body);

    const deleted = await deleteGoal(alice, goal.id, 2);
    expect(deleted.status).toBe(204);
    expectStatus(await getGoal(alice, goal.id), 404, 'NOT_FOUND');
    expect((await listGoals(alice)).body.items.map((g) => g.id)).not.toContain(goal.id);
    expectStatus(await patchGoal(alice, goal.id, { version: 3, title: 'Back?' }), 404, 'NOT_FOUND');
    expectStatus(await deleteGoal(alice, goal.id, 3), 404, 'NOT_FOUND');
    // A tombstone stays (task transactions add to its counters by id), out of every list.
    expect(await storedItem(keys.goal(goal.id))).toEqual(
      expect.objectContaining({ deletedAt: expect.any(String), version: 3 }),
    );
    expect(await storedItem(keys.goal(goal.id))).not.toHaveProperty('GSI1PK');
  });

  it("someone else's personal goal does not exist for them (404 on every route)", async () => {
    const goal = await createGoal(alice, { title: 'Private' });
    expectStatus(await getGoal(bob, goal.id), 404, 'NOT_FOUND');
    expectStatus(await patchGoal(bob, goal.id, { version: 1, title: 'Mine now' }), 404, 'NOT_FOUND');
    expectStatus(await deleteGoal(bob, goal.id, 1), 404, 'NOT_FOUND');
    expect((await listGoals(bob)).body.items.map((g) => g.id)).not.toContain(goal.id);
    expect((await getGoal(alice, goal.id)).body).toEqual(goal);
  });

  it('a stale version is 409 VERSION_CONFLICT with the stored goal as current', async () => {
    const goal = await createGoal(alice, { title: 'Versioned' });
    expect((await patchGoal(alice, goal.id, { version: 1, description: 'first' })).status).toBe(200);
    const stale = await patchGoal(alice, goal.id, { version: 1, description: 'second' });
    expectStatus(stale, 409, 'VERSION_CONFLICT');
    const body = stale.body as unknown as ErrorBody<Goal>;
    expect(body.error.details).toEqual([]);
    expect(body.current).toEqual(expect.objectContaining({ id: goal.id, description: 'first', version: 2 }));
    const staleDelete = await deleteGoal(alice, goal.id, 1);
    expectStatus(staleDelete, 409, 'VERSION_CONFLICT');
    expect((staleDelete.body as unknown as ErrorBody<Goal>).current?.version).toBe(2);
    expect((await getGoal(alice, goal.id)).status).toBe(200);
  });

  it('lists in creation order, a page at a time', async () => {
    const carol = await signUpUser('Carol Pages');
    const made: string[] = [];
    for (const title of ['One', 'Two', 'Three']) made.push((await createGoal(carol, { title })).id);
    const first = await listGoals(carol, '?limit=2');
    expect(first.body.items.map((g) => g.id)).toEqual(made.slice(0, 2));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await listGoals(carol, `?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((g) => g.id)).toEqual(made.slice(2));
    expect(second.body.nextCursor).toBeNull();
  });

  it('validation errors name each field', async () => {
    const post = (body: unknown) => api('/goals', { method: 'POST', token: alice.idToken, body });
    expect400(await post({}), 'title');
    expect400(await post({ title: '   ' }), 'title');
    expect400(await post({ title: 'x'.repeat(201) }), 'title');
    expect400(await post({ title: 'ok', description: 'd'.repeat(5001) }), 'description');
    expect400(await post({ title: 'ok', targetDate: '2026-02-30' }), 'targetDate');
    expect400(await post({ title: 'ok', targetDate: '04/10/2026' }), 'targetDate');
    expect400(await post({ title: 'ok', workspaceId: 'not-a-workspace' }), 'workspaceId');
    expect400(await post({ title: 'ok', colour: 'red' }), 'colour');
    expect400(await post({ title: 7, targetDate: 1 }), 'title', 'targetDate');
    expect((await post({ title: 'x'.repeat(200), description: 'd'.repeat(5000) })).status).toBe(201);

    const goal = await createGoal(alice, { title: 'Valid' });
    expect400(await patchGoal(alice, goal.id, { title: 'no version' }), 'version');
    expect400(await patchGoal(alice, goal.id, { version: 1 }), 'body');
    expect400(await patchGoal(alice, goal.id, { version: 1, title: '' }), 'title');
    expect400(await patchGoal(alice, goal.id, { version: 1, workspaceId: UNKNOWN_ULID }), 'workspaceId');
    expect400(await deleteGoal(alice, goal.id, 'x'), 'version');
    expect400(await api(`/goals/${goal.id}`, { method: 'DELETE', token: alice.idToken }), 'version');
    expect400(await getGoal(alice, 'not-a-goal'), 'goalId');
    expect400(await listGoals(alice, '?limit=0'), 'limit');
    expect400(await listGoals(alice, '?workspaceId=nope'), 'workspaceId');
    expect((await getGoal(alice, goal.id)).body.version).toBe(1);
  });

  it('a workspace the caller is not a member of is 404, for create and list alike', async () => {
    const ws = await createWorkspace(bob, 'Bob Co');
    expectStatus(
      await api('/goals', { method: 'POST', token: alice.idToken, body: { title: 'x', workspaceId: ws } }),
      404,
      'NOT_FOUND',
    );
    expectStatus(await listGoals(alice, `?workspaceId=${ws}`), 404, 'NOT_FOUND');
    expectStatus(await listGoals(alice, `?workspaceId=${UNKNOWN_ULID}`), 404, 'NOT_FOUND');
    expectStatus(await getGoal(alice, `${ws}.${UNKNOWN_ULID}`), 404, 'NOT_FOUND');
  });
});

describe('workspace goals: roles', () => {
  let owner: TestUser;
  let team: Team;
  let ws: string;
  beforeAll(async () => {
    owner = await signUpUser('Owner Goals');
    ws = await createWorkspace(owner, 'Goals Co');
    team = await addTeam(owner, ws);
  }, 120_000);

  it('owner, admin and member create; viewers 403; non-members 404; the id names the workspace', async () => {
    for (const user of [owner, team.admin, team.member]) {
      const goal = await createGoal(user, { title: `By ${user.name}`, workspaceId: ws });
      expect(goal).toEqual(
        expect.objectContaining({
          workspaceId: ws,
          ownerId: user.userId,
          taskCount: 0,
          doneCount: 0,
          progress: 0,
        }),
      );
      expect(goal.id).toMatch(new RegExp(`^${ws}\\.${ULID}$`));
    }
    const body = { title: 'Nope', workspaceId: ws };
    expectStatus(await api('/goals', { method: 'POST', token: team.viewer.idToken, body }), 403, 'FORBIDDEN');
    expectStatus(
      await api('/goals', { method: 'POST', token: team.outsider.idToken, body }),
      404,
      'NOT_FOUND',
    );
    // Input is checked before roles: a bad body is a 400 for a viewer too.
    expect400(
      await api('/goals', { method: 'POST', token: team.viewer.idToken, body: { workspaceId: ws } }),
      'title',
    );
  });

  it('every member reads them (GET and the workspace list); non-members get 404', async () => {
    const goal = await createGoal(team.member, { title: 'Readable', workspaceId: ws });
    for (const user of [owner, team.admin, team.member, team.viewer]) {
      expect((await getGoal(user, goal.id)).body).toEqual(goal);
      const list = await listGoals(user, `?workspaceId=${ws}`);
      expect(list.status).toBe(200);
      expect(list.body.items).toContainEqual(goal);
    }
    expectStatus(await getGoal(team.outsider, goal.id), 404, 'NOT_FOUND');
    expectStatus(await listGoals(team.outsider, `?workspaceId=${ws}`), 404, 'NOT_FOUND');
    // Workspace goals are not personal ones.
    expect((await listGoals(team.member)).body.items.map((g) => g.id)).not.toContain(goal.id);
  });

  it('only its creator and owners/admins change or delete it; viewers read only', async () => {
    const byAdmin = await createGoal(team.admin, { title: "Admin's", workspaceId: ws });
    expectStatus(await patchGoal(team.member, byAdmin.id, { version: 1, title: 'x' }), 403, 'FORBIDDEN');
    expectStatus(await deleteGoal(team.member, byAdmin.id, 1), 403, 'FORBIDDEN');
    expectStatus(await patchGoal(team.viewer, byAdmin.id, { version: 1, title: 'x' }), 403, 'FORBIDDEN');
    expectStatus(await deleteGoal(team.viewer, byAdmin.id, 1), 403, 'FORBIDDEN');
    expectStatus(await patchGoal(team.outsider, byAdmin.id, { version: 1, title: 'x' }), 404, 'NOT_FOUND');
    expectStatus(await deleteGoal(team.outsider, byAdmin.id, 1), 404, 'NOT_FOUND');
    expect((await getGoal(owner, byAdmin.id)).body.version).toBe(1);

    const byMember = await createGoal(team.member, { title: "Member's", workspaceId: ws });
    const own = await patchGoal(team.member, byMember.id, { version: 1, description: 'mine' });
    expect(own.status).toBe(200);
    const byOwner = await patchGoal(owner, byMember.id, { version: 2, title: 'Renamed by owner' });
    expect(byOwner.status).toBe(200);
    expect(byOwner.body).toEqual(
      expect.objectContaining({ title: 'Renamed by owner', description: 'mine', version: 3 }),
    );
    expect((await patchGoal(team.admin, byMember.id, { version: 3, targetDate: '2027-01-01' })).status).toBe(
      200,
    );
    expect((await deleteGoal(team.admin, byMember.id, 4)).status).toBe(204);
    expectStatus(await getGoal(team.member, byMember.id), 404, 'NOT_FOUND');
    expect((await listGoals(owner, `?workspaceId=${ws}`)).body.items.map((g) => g.id)).not.toContain(
      byMember.id,
    );

    expect(
      (
        await deleteGoal(
          team.member,
          (await createGoal(team.member, { title: 'Own', workspaceId: ws })).id,
          1,
        )
      ).status,
    ).toBe(204);
  });
});

describe('goal progress from linked tasks', () => {
  let owner: TestUser;
  let ws: string;
  let projectId: string;
  beforeAll(async () => {
    owner = await signUpUser('Progress Owner');
    ws = await createWorkspace(owner, 'Progress Co');
    const project = await api<{ id: string }>(`/workspaces/${ws}/projects`, {
      method: 'POST',
      token: owner.idToken,
      body: { name: 'Launch', key: 'GOAL' },
    });
    if (project.status !== 201) throw new Error(`project create failed: ${project.status}`);
    projectId = project.body.id;
  });

  const createTask = async (title: string, goalId: string | null) => {
    const res = await api<{ id: string; version: number }>(`/projects/${projectId}/tasks`, {
      method: 'POST',
      token: owner.idToken,
      body: { title, goalId },
    });
    if (res.status !== 201) throw new Error(`task create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const patchTask = (taskId: string, body: unknown) =>
    api<{ id: string; version: number }>(`/tasks/${taskId}`, { method: 'PATCH', token: owner.idToken, body });

  it('counts exactly the linked tasks and the done ones: 3 linked, 1 done → 1/3', async () => {
    const goal = await createGoal(owner, { title: 'Launch v1', workspaceId: ws });
    const tasks = [];
    for (const title of ['Design', 'Build', 'Ship']) tasks.push(await createTask(title, goal.id));
    await createTask('Unrelated', null);
    expect((await patchTask(tasks[0]!.id, { version: tasks[0]!.version, status: 'done' })).status).toBe(200);

    const read = await getGoal(owner, goal.id);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(expect.objectContaining({ taskCount: 3, doneCount: 1, version: 1 }));
    expect(read.body.progress).toBeCloseTo(1 / 3, 10);
    // The counters are kept by the tasks' own writes: the goal's version (an open edit) is untouched.
    expect((await listGoals(owner, `?workspaceId=${ws}`)).body.items).toContainEqual(read.body);
  });

  it('a personal goal counts its owner’s tasks too; deleting and unlinking count down', async () => {
    const goal = await createGoal(owner, { title: 'My part' });
    const a = await createTask('Mine A', goal.id);
    const b = await createTask('Mine B', goal.id);
    const done = await patchTask(b.id, { version: b.version, status: 'done' });
    expect((await getGoal(owner, goal.id)).body).toEqual(
      expect.objectContaining({ taskCount: 2, doneCount: 1, progress: 0.5 }),
    );
    expect(
      (await api(`/tasks/${b.id}?version=${done.body.version}`, { method: 'DELETE', token: owner.idToken }))
        .status,
    ).toBe(200);
    expect((await getGoal(owner, goal.id)).body).toEqual(
      expect.objectContaining({ taskCount: 1, doneCount: 0, progress: 0 }),
    );
    expect((await patchTask(a.id, { version: a.version, goalId: null })).status).toBe(200);
    expect((await getGoal(owner, goal.id)).body).toEqual(
      expect.objectContaining({ taskCount: 0, doneCount: 0, progress: 0 }),
    );
  });

  it('a deleted goal stays deleted when a linked task is unlinked later, and takes no new links', async () => {
    const goal = await createGoal(owner, { title: 'Doomed', workspaceId: ws });
    const task = await createTask('Linked', goal.id);
    expect((await deleteGoal(owner, goal.id, 1)).status).toBe(204);
    expect((await patchTask(task.id, { version: task.version, goalId: null })).status).toBe(200);
    expectStatus(await getGoal(owner, goal.id), 404, 'NOT_FOUND');
    expect((await listGoals(owner, `?workspaceId=${ws}`)).body.items.map((g) => g.id)).not.toContain(goal.id);
    expect(await storedItem(keys.goal(goal.id))).toEqual(
      expect.objectContaining({ deletedAt: expect.any(String), taskCount: 0 }),
    );
    const relink = await api(`/projects/${projectId}/tasks`, {
      method: 'POST',
      token: owner.idToken,
      body: { title: 'Late', goalId: goal.id },
    });
    expect400(relink, 'goalId');
  });
});
