import { ulid } from 'ulid';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#functions/store/keys';
import { taskItem } from '#functions/store/task-repository';
import type { TaskRecord } from '#functions/domain/tasks';
import type { Activity, Task } from '#shared/schemas/tasks';
import type { Burndown, Sprint, Velocity } from '#shared/schemas/sprints';
import {
  addMember,
  addTeam,
  api,
  expectErrorShape,
  signUpUser,
  type Team,
  type TestUser,
} from './support.ts';
import {
  createProject,
  createSprint,
  createTask,
  createWorkspace,
  dayFromToday,
  db,
  errorOf,
  fieldsOf,
  getTask,
  putItem,
  storedItem,
  storedProject,
  table,
  takingTurns,
  updateTask,
  type ErrorBody,
  type Page,
} from './fixtures.ts';

/**
 * Sprints against the local stack: planning, one active sprint per project, completion with carry-over,
 * burndown and velocity. Every user may make 100 requests a minute, so each describe has its own people and
 * the busy one spreads its requests over a few members (`writer()` takes turns).
 */

/** A 409 CONFLICT for a second active sprint also names the active one. */
interface SprintErrorBody extends ErrorBody<Sprint> {
  activeSprintId?: string;
}

const patchSprint = (user: TestUser, sprint: Pick<Sprint, 'id'>, body: Record<string, unknown>) =>
  api<Sprint>(`/sprints/${sprint.id}`, { method: 'PATCH', token: user.idToken, body });

async function transition(user: TestUser, sprint: Sprint, body: Record<string, unknown>): Promise<Sprint> {
  const res = await patchSprint(user, sprint, { version: sprint.version, ...body });
  if (res.status !== 200) throw new Error(`sprint patch failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const markDone = (user: TestUser, task: Task) => updateTask(user, task, { status: 'done' });

describe('sprints', () => {
  let owner: TestUser;
  let pool: TestUser[];
  let ws: string;
  /** The next of the owner and the members, to spread requests over rate-limit budgets. */
  const writer = takingTurns(() => pool);

  beforeAll(async () => {
    owner = await signUpUser('Sally Sprints');
    ws = await createWorkspace(owner, 'Sprint Co');
    const members = await Promise.all([1, 2, 3, 4].map(() => addMember(owner, ws, 'member')));
    pool = [owner, ...members];
  }, 120_000);

  it('creates a planned sprint, reads it back, lists in creation order (and by status), and edits it', async () => {
    const project = await createProject(writer(), ws);
    const user = writer();
    const res = await api<Sprint>(`/projects/${project}/sprints`, {
      method: 'POST',
      token: user.idToken,
      body: { name: '  Sprint 1 ', goal: 'Ship the board', startDate: '2026-05-04', endDate: '2026-05-15' },
    });
    expect(res.status).toBe(201);
    const first = res.body;
    expect(first).toEqual({
      id: expect.stringMatching(new RegExp(`^${project.replace('.', '\\.')}\\.[0-9A-Z]{26}$`)),
      projectId: project,
      workspaceId: ws,
      name: 'Sprint 1',
      goal: 'Ship the board',
      startDate: '2026-05-04',
      endDate: '2026-05-15',
      status: 'planned',
      committedPoints: null,
      completedPoints: null,
      startedAt: null,
      completedAt: null,
      carryOverTo: null,
      carryOverPending: false,
      createdBy: user.userId,
      createdAt: expect.any(String),
      updatedAt: first.createdAt,
      version: 1,
    });
    expect((await api<Sprint>(`/sprints/${first.id}`, { token: writer().idToken })).body).toEqual(first);

    const second = await createSprint(writer(), project, { name: 'Sprint 2' });
    const third = await createSprint(writer(), project, { name: 'Sprint 3' });
    await transition(writer(), second, { status: 'active' });

    const all = await api<Page<Sprint>>(`/projects/${project}/sprints`, { token: writer().idToken });
    expect(all.status).toBe(200);
    expect(all.body.items.map((s) => s.name)).toEqual(['Sprint 1', 'Sprint 2', 'Sprint 3']);
    expect(all.body.nextCursor).toBeNull();

    const page1 = await api<Page<Sprint>>(`/projects/${project}/sprints?limit=2`, {
      token: writer().idToken,
    });
    expect(page1.body.items.map((s) => s.id)).toEqual([first.id, second.id]);
    const page2 = await api<Page<Sprint>>(
      `/projects/${project}/sprints?limit=2&cursor=${encodeURIComponent(page1.body.nextCursor!)}`,
      { token: writer().idToken },
    );
    expect(page2.body.items.map((s) => s.id)).toEqual([third.id]);
    expect(page2.body.nextCursor).toBeNull();

    const planned = await api<Page<Sprint>>(`/projects/${project}/sprints?status=planned`, {
      token: writer().idToken,
    });
    expect(planned.body.items.map((s) => s.id)).toEqual([first.id, third.id]);
    const active = await api<Page<Sprint>>(`/projects/${project}/sprints?status=active`, {
      token: writer().idToken,
    });
    expect(active.body.items.map((s) => [s.id, s.status])).toEqual([[second.id, 'active']]);

    const edited = await patchSprint(writer(), first, {
      version: 1,
      name: 'Sprint one',
      goal: null,
      endDate: '2026-05-18',
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ name: 'Sprint one', goal: null, endDate: '2026-05-18', version: 2 });
    expect(edited.body.updatedAt > first.updatedAt).toBe(true);

    // Each change is in the project's history, as a sprint's.
    const history = await api<Page<Activity>>(`/projects/${project}/activity`, {
      token: writer().idToken,
    });
    const ofFirst = history.body.items.filter((a) => a.entityId === first.id);
    expect(ofFirst.map((a) => [a.entityType, a.action])).toEqual([
      ['sprint', 'updated'],
      ['sprint', 'created'],
    ]);
    expect(ofFirst[0]!.changes).toEqual({
      name: { from: 'Sprint 1', to: 'Sprint one' },
      goal: { from: 'Ship the board', to: null },
      endDate: { from: '2026-05-15', to: '2026-05-18' },
    });
    // And in the change feed, with the sprint as it is after the change.
    const feed = await api<{ items: Array<{ type: string; entityId: string; data: Sprint | null }> }>(
      `/projects/${project}/changes?since=${encodeURIComponent(first.createdAt)}`,
      { token: writer().idToken },
    );
    const events = feed.body.items.filter((e) => e.entityId === first.id);
    expect(events.map((e) => e.type)).toEqual(['SPRINT_UPDATED', 'SPRINT_UPDATED']);
    expect(events[1]!.data).toEqual(edited.body);
  });

  it('lets exactly one of concurrent starts win; the others get 409 CONFLICT', async () => {
    const project = await createProject(writer(), ws);
    const sprints = await Promise.all(
      [1, 2, 3].map((n) => createSprint(writer(), project, { name: `Race ${n}` })),
    );
    const results = await Promise.all(
      sprints.map((s) => patchSprint(writer(), s, { version: 1, status: 'active' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const winner = results.find((r) => r.status === 200)!.body;
    for (const loser of results.filter((r) => r.status === 409)) expectErrorShape(loser.body, 'CONFLICT');
    expect((await storedProject(ws, project))!.activeSprintId).toBe(winner.id);
    const active = await api<Page<Sprint>>(`/projects/${project}/sprints?status=active`, {
      token: writer().idToken,
    });
    expect(active.body.items.map((s) => s.id)).toEqual([winner.id]);
  });

  it('keeps one active sprint per project: a second start is 409 CONFLICT naming the active one', async () => {
    const project = await createProject(writer(), ws);
    const a = await createSprint(writer(), project, { name: 'Alpha' });
    const b = await createSprint(writer(), project, { name: 'Beta' });
    const task = await createTask(writer(), project, {
      title: 'Estimate me',
      storyPoints: 5,
      sprintId: a.id,
    });
    const startedA = await transition(writer(), a, { status: 'active' });
    expect(startedA).toMatchObject({
      status: 'active',
      committedPoints: 5,
      startedAt: expect.any(String),
      version: 2,
    });

    const second = await patchSprint(writer(), b, { version: 1, status: 'active' });
    expect(second.status).toBe(409);
    expectErrorShape(second.body, 'CONFLICT');
    expect(errorOf(second).error.message).toContain(a.id);
    expect(errorOf(second).error.message).toContain('Alpha');
    expect(errorOf<SprintErrorBody>(second).activeSprintId).toBe(a.id);
    expect((await api<Sprint>(`/sprints/${b.id}`, { token: writer().idToken })).body).toMatchObject({
      status: 'planned',
      version: 1,
    });

    // Starting again what is active changes nothing; going back is not a step sprints take.
    expect((await patchSprint(writer(), startedA, { version: 2, status: 'active' })).body.version).toBe(2);
    const back = await patchSprint(writer(), startedA, { version: 2, status: 'planned' });
    expect(back.status).toBe(409);
    expectErrorShape(back.body, 'CONFLICT');
    const skip = await patchSprint(writer(), b, { version: 1, status: 'completed' });
    expect(skip.status).toBe(409);

    // Once Alpha is completed, Beta may start.
    const completedA = await transition(writer(), startedA, { status: 'completed' });
    expect(completedA.status).toBe('completed');
    expect((await getTask(writer(), task.id)).sprintId).toBeNull();
    await transition(writer(), b, { status: 'active' });
  });

  it('completes with carry-over to the backlog: unfinished tasks leave with a new version and an activity', async () => {
    const project = await createProject(writer(), ws);
    const sprint = await createSprint(writer(), project);
    const [finished, todo, doing, dropped, elsewhere] = await Promise.all([
      createTask(writer(), project, { title: 'Finished', storyPoints: 3, sprintId: sprint.id }),
      createTask(writer(), project, { title: 'Todo', storyPoints: 5, sprintId: sprint.id }),
      createTask(writer(), project, {
        title: 'Doing',
        storyPoints: 2,
        status: 'in_progress',
        sprintId: sprint.id,
      }),
      createTask(writer(), project, {
        title: 'Dropped',
        storyPoints: 1,
        status: 'archived',
        sprintId: sprint.id,
      }),
      createTask(writer(), project, { title: 'Backlog', storyPoints: 8 }),
    ]);
    const started = await transition(writer(), sprint, { status: 'active' });
    // Archived work is out of scope: 3 + 5 + 2.
    expect(started.committedPoints).toBe(10);
    await markDone(writer(), finished);

    const completer = writer();
    const completed = await transition(completer, started, { status: 'completed' });
    expect(completed).toMatchObject({
      status: 'completed',
      committedPoints: 10,
      completedPoints: 3,
      completedAt: expect.any(String),
      carryOverTo: null,
      carryOverPending: false,
      version: 3,
    });

    const user = writer();
    const [f, t, d, x, e] = await Promise.all([
      getTask(user, finished.id),
      getTask(user, todo.id),
      getTask(user, doing.id),
      getTask(user, dropped.id),
      getTask(user, elsewhere.id),
    ]);
    expect([f.sprintId, x.sprintId]).toEqual([sprint.id, sprint.id]);
    expect(f.version).toBe(finished.version + 1); // marked done only
    expect([t.sprintId, d.sprintId]).toEqual([null, null]);
    expect(t.version).toBe(todo.version + 1);
    expect(d.version).toBe(doing.version + 1);
    expect(t.status).toBe('todo');
    expect(e).toMatchObject({ sprintId: null, version: elsewhere.version });

    const history = await api<Page<Activity>>(`/tasks/${todo.id}/activity`, { token: writer().idToken });
    expect(history.body.items[0]).toMatchObject({
      action: 'updated',
      entityType: 'task',
      entityId: todo.id,
      actorId: completer.userId,
      changes: { sprintId: { from: sprint.id, to: null } },
    });

    // The backlog filter shows them; the sprint's own history has its three steps.
    const backlog = await api<Page<Task>>(`/projects/${project}/tasks?sprintId=none`, {
      token: writer().idToken,
    });
    expect(backlog.body.items.map((i) => i.id).sort()).toEqual([todo.id, doing.id, elsewhere.id].sort());
    const projectHistory = await api<Page<Activity>>(`/projects/${project}/activity`, {
      token: writer().idToken,
    });
    expect(projectHistory.body.items.filter((a) => a.entityId === sprint.id).map((a) => a.action)).toEqual([
      'completed',
      'started',
      'created',
    ]);

    // A completed sprint takes no tasks any more.
    const assign = await api(`/tasks/${todo.id}`, {
      method: 'PATCH',
      token: writer().idToken,
      body: { version: t.version, sprintId: sprint.id },
    });
    expect(assign.status).toBe(400);
    expect(fieldsOf(assign)).toEqual(['sprintId']);
  });

  it('completes with carry-over to a planned next sprint, whose burndown then counts the tasks', async () => {
    const project = await createProject(writer(), ws);
    const current = await createSprint(writer(), project, { name: 'Current' });
    const next = await createSprint(writer(), project, {
      name: 'Next',
      startDate: dayFromToday(4),
      endDate: dayFromToday(10),
    });
    const closed = await createSprint(writer(), project, { name: 'Closed' });
    const [open, done] = await Promise.all([
      createTask(writer(), project, { title: 'Open', storyPoints: 8, sprintId: current.id }),
      createTask(writer(), project, {
        title: 'Done',
        storyPoints: 3,
        sprintId: current.id,
        status: 'done',
      }),
    ]);
    const started = await transition(writer(), current, { status: 'active' });

    // The target must be another planned sprint of this project.
    const self = await patchSprint(writer(), started, {
      version: started.version,
      status: 'completed',
      carryOverTo: started.id,
    });
    expect(self.status).toBe(400);
    expect(fieldsOf(self)).toEqual(['carryOverTo']);
    const foreign = `${ws}.${ulid()}.${ulid()}`;
    const other = await patchSprint(writer(), started, {
      version: started.version,
      status: 'completed',
      carryOverTo: foreign,
    });
    expect(other.status).toBe(400);
    expect(fieldsOf(other)).toEqual(['carryOverTo']);

    const completed = await transition(writer(), started, { status: 'completed', carryOverTo: next.id });
    expect(completed).toMatchObject({ carryOverTo: next.id, completedPoints: 3, carryOverPending: false });
    const moved = await getTask(writer(), open.id);
    expect(moved).toMatchObject({ sprintId: next.id, version: open.version + 1 });
    expect((await getTask(writer(), done.id)).sprintId).toBe(current.id);
    const history = await api<Page<Activity>>(`/tasks/${open.id}/activity`, { token: writer().idToken });
    expect(history.body.items[0]).toMatchObject({
      action: 'updated',
      changes: { sprintId: { from: current.id, to: next.id } },
    });

    const chart = await api<Burndown>(`/sprints/${next.id}/burndown`, { token: writer().idToken });
    expect(chart.status).toBe(200);
    expect(chart.body).toMatchObject({
      sprintId: next.id,
      status: 'planned',
      committedPoints: 8,
      completedPoints: 0,
    });
    expect(chart.body.days).toHaveLength(7);
    expect(chart.body.days[0]).toEqual({ date: next.startDate, remainingPoints: null, idealPoints: 8 });
    expect(chart.body.days[6]).toEqual({ date: next.endDate, remainingPoints: null, idealPoints: 0 });

    // Completing again finishes nothing new and keeps the target; another target is refused.
    const again = await patchSprint(writer(), completed, { version: completed.version, status: 'completed' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ version: completed.version, carryOverTo: next.id });
    const elsewhere = await patchSprint(writer(), completed, {
      version: completed.version,
      status: 'completed',
      carryOverTo: closed.id,
    });
    expect(elsewhere.status).toBe(409);
  });

  it('moves more unfinished tasks than one transaction holds', async () => {
    const project = await createProject(writer(), ws);
    const sprint = await transition(writer(), await createSprint(writer(), project), { status: 'active' });
    // Put straight into the table, shaped as the task code writes them (60 creates would cost a minute of budget).
    const now = new Date().toISOString();
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const id = `${ws}.${ulid()}`;
        ids.push(id);
        const task: TaskRecord = {
          id,
          number: 1000 + i,
          projectId: project,
          workspaceId: ws,
          title: `Bulk ${i}`,
          description: 'x'.repeat(2000),
          status: i % 10 === 0 ? 'done' : 'todo',
          priority: 'medium',
          storyPoints: 1,
          dueDate: null,
          assigneeIds: [],
          labelIds: [],
          sprintId: sprint.id,
          goalId: null,
          parentId: null,
          rank: `V${String(i).padStart(3, '0')}`,
          subtaskCount: 0,
          subtasksDone: 0,
          commentCount: 0,
          attachmentCount: 0,
          createdBy: owner.userId,
          createdAt: now,
          updatedAt: now,
          completedAt: i % 10 === 0 ? now : null,
          deletedAt: null,
          version: 1,
        };
        return putItem(taskItem(task));
      }),
    );
    const completed = await transition(writer(), sprint, { status: 'completed' });
    expect(completed).toMatchObject({ completedPoints: 6, carryOverPending: false });
    const stored = await Promise.all(ids.map(async (id) => (await storedItem(keys.task(id)))!));
    const left = stored.filter((item) => item.sprintId === sprint.id);
    expect(left).toHaveLength(6);
    expect(left.every((item) => item.status === 'done' && item.version === 1)).toBe(true);
    const moved = stored.filter((item) => item.sprintId === undefined);
    expect(moved).toHaveLength(54);
    expect(moved.every((item) => item.version === 2 && item.GSI2PK === undefined)).toBe(true);
    const history = await api<Page<Activity>>(`/tasks/${moved[0]!.id as string}/activity`, {
      token: writer().idToken,
    });
    expect(history.body.items).toHaveLength(1);
    expect(history.body.items[0]!.changes).toEqual({ sprintId: { from: sprint.id, to: null } });
  });

  it('answers a stale version with 409 VERSION_CONFLICT and the stored sprint, changing nothing', async () => {
    const project = await createProject(writer(), ws);
    const sprint = await createSprint(writer(), project, { name: 'Original' });
    const renamed = await transition(writer(), sprint, { name: 'Renamed' });
    for (const body of [{ name: 'Mine' }, { status: 'active' }]) {
      const stale = await patchSprint(writer(), sprint, { version: 1, ...body });
      expect(stale.status).toBe(409);
      expectErrorShape(stale.body, 'VERSION_CONFLICT');
      expect(errorOf(stale).error.details).toEqual([]);
      expect(errorOf(stale).current).toEqual(renamed);
    }
    const staleDelete = await api(`/sprints/${sprint.id}?version=1`, {
      method: 'DELETE',
      token: writer().idToken,
    });
    expect(staleDelete.status).toBe(409);
    expectErrorShape(staleDelete.body, 'VERSION_CONFLICT');
    expect((await api<Sprint>(`/sprints/${sprint.id}`, { token: writer().idToken })).body).toEqual(renamed);
    // The failed start left the project without an active sprint: another one can start.
    const other = await createSprint(writer(), project);
    await transition(writer(), other, { status: 'active' });
  });

  it('draws the burndown of an active sprint from its done and undone tasks', async () => {
    const project = await createProject(writer(), ws);
    const sprint = await createSprint(writer(), project, {
      startDate: dayFromToday(-3),
      endDate: dayFromToday(3),
    });
    const [a, , c] = await Promise.all([
      createTask(writer(), project, { title: 'A', storyPoints: 3, sprintId: sprint.id }),
      createTask(writer(), project, { title: 'B', storyPoints: 5, sprintId: sprint.id }),
      createTask(writer(), project, { title: 'C', storyPoints: 2, sprintId: sprint.id }),
      createTask(writer(), project, { title: 'Unestimated', sprintId: sprint.id }),
    ]);
    const started = await transition(writer(), sprint, { status: 'active' });
    expect(started.committedPoints).toBe(10);
    const doneA = await markDone(writer(), a!);
    const doneC = await markDone(writer(), c!);
    // Added after the start: in the remaining work, not in the committed points.
    await createTask(writer(), project, { title: 'Late', storyPoints: 1, sprintId: sprint.id });

    const res = await api<Burndown>(`/sprints/${sprint.id}/burndown`, { token: writer().idToken });
    expect(res.status).toBe(200);
    const chart = res.body;
    expect(chart).toMatchObject({
      sprintId: sprint.id,
      status: 'active',
      committedPoints: 10,
      completedPoints: 5,
    });
    expect(chart.days.map((d) => d.date)).toEqual(
      Array.from({ length: 7 }, (_, i) =>
        new Date(Date.parse(`${sprint.startDate}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10),
      ),
    );
    expect(chart.days.map((d) => d.idealPoints)).toEqual([10, 8.33, 6.67, 5, 3.33, 1.67, 0]);
    // The server's completion days decide the figures (11 in scope: 3 + 5 + 2 + 1).
    const dayA = doneA.completedAt!.slice(0, 10);
    const dayC = doneC.completedAt!.slice(0, 10);
    const lastDone = dayA > dayC ? dayA : dayC;
    for (const day of chart.days) {
      const expected = 11 - (dayA <= day.date ? 3 : 0) - (dayC <= day.date ? 2 : 0);
      if (day.date <= lastDone) expect(day.remainingPoints).toBe(expected);
      else expect([null, 6]).toContain(day.remainingPoints);
    }
    expect(chart.days[6]!.remainingPoints).toBeNull();
  });

  it('reports velocity over the completed sprints, oldest first, with their mean', async () => {
    const project = await createProject(writer(), ws);
    const empty = await api<Velocity>(`/projects/${project}/velocity`, { token: writer().idToken });
    expect(empty.body).toEqual({ sprints: [], averageCompletedPoints: null });

    const first = await createSprint(writer(), project, { name: 'First' });
    const second = await createSprint(writer(), project, { name: 'Second' });
    const [small, big] = await Promise.all([
      createTask(writer(), project, { title: 'Small', storyPoints: 3, sprintId: first.id }),
      createTask(writer(), project, { title: 'Big', storyPoints: 5, sprintId: first.id }),
    ]);
    let s1 = await transition(writer(), first, { status: 'active' });
    await markDone(writer(), small!);
    s1 = await transition(writer(), s1, { status: 'completed', carryOverTo: second.id });
    const extra = await createTask(writer(), project, {
      title: 'Extra',
      storyPoints: 2,
      sprintId: second.id,
    });
    let s2 = await transition(writer(), second, { status: 'active' });
    expect(s2.committedPoints).toBe(7);
    await markDone(writer(), await getTask(writer(), big!.id));
    await markDone(writer(), extra);
    s2 = await transition(writer(), s2, { status: 'completed' });
    // Still planned: not in the velocity.
    await createSprint(writer(), project, { name: 'Third' });

    const res = await api<Velocity>(`/projects/${project}/velocity`, { token: writer().idToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      sprints: [
        {
          id: first.id,
          name: 'First',
          startDate: first.startDate,
          endDate: first.endDate,
          committedPoints: 8,
          completedPoints: 3,
          completedAt: s1.completedAt,
        },
        {
          id: second.id,
          name: 'Second',
          startDate: second.startDate,
          endDate: second.endDate,
          committedPoints: 7,
          completedPoints: 7,
          completedAt: s2.completedAt,
        },
      ],
      averageCompletedPoints: 5,
    });
    // A completed sprint's burndown is what it was at completion.
    const chart = await api<Burndown>(`/sprints/${first.id}/burndown`, { token: writer().idToken });
    expect(chart.body).toMatchObject({ status: 'completed', committedPoints: 8, completedPoints: 3 });
    expect(chart.body.days.filter((d) => d.remainingPoints !== null).at(-1)!.remainingPoints).toBe(5);
  });

  it('finishes an interrupted completion when the sprint is completed again', async () => {
    const project = await createProject(writer(), ws);
    const started = await transition(writer(), await createSprint(writer(), project), {
      status: 'active',
    });
    const completed = await transition(writer(), started, { status: 'completed' });
    // As if the function had stopped mid carry-over: the flag still set, an unfinished task still in the sprint.
    await db().send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.sprint(project, completed.id),
        UpdateExpression: 'SET carryOverPending = :true',
        ExpressionAttributeValues: { ':true': true },
      }),
    );
    const now = new Date().toISOString();
    const left: TaskRecord = {
      ...(await createTask(writer(), project, { title: 'Left behind', storyPoints: 3 })),
      sprintId: completed.id,
      updatedAt: now,
    };
    await putItem(taskItem(left));
    const pending = await api<Sprint>(`/sprints/${completed.id}`, { token: writer().idToken });
    expect(pending.body).toMatchObject({ carryOverPending: true, version: completed.version });

    const finished = await patchSprint(writer(), completed, {
      version: completed.version,
      status: 'completed',
    });
    expect(finished.status).toBe(200);
    expect(finished.body).toEqual({ ...completed, carryOverPending: false });
    expect(await getTask(writer(), left.id)).toMatchObject({ sprintId: null, version: left.version + 1 });
    expect((await api<Sprint>(`/sprints/${completed.id}`, { token: writer().idToken })).body).toEqual(
      finished.body,
    );
  });

  it('deletes only a planned sprint: its tasks go back to the backlog, the sprint is gone', async () => {
    const project = await createProject(writer(), ws);
    const sprint = await createSprint(writer(), project);
    const task = await createTask(writer(), project, { title: 'Planned work', sprintId: sprint.id });
    const missingVersion = await api(`/sprints/${sprint.id}`, { method: 'DELETE', token: writer().idToken });
    expect(missingVersion.status).toBe(400);
    expect(fieldsOf(missingVersion)).toEqual(['version']);

    const res = await api(`/sprints/${sprint.id}?version=1`, { method: 'DELETE', token: writer().idToken });
    expect(res.status).toBe(204);
    const gone = await api(`/sprints/${sprint.id}`, { token: writer().idToken });
    expect(gone.status).toBe(404);
    expectErrorShape(gone.body, 'NOT_FOUND');
    expect(await getTask(writer(), task.id)).toMatchObject({ sprintId: null, version: task.version + 1 });
    const history = await api<Page<Activity>>(`/projects/${project}/activity`, {
      token: writer().idToken,
    });
    expect(history.body.items.filter((a) => a.entityId === sprint.id).map((a) => a.action)).toEqual([
      'deleted',
      'created',
    ]);

    const active = await transition(writer(), await createSprint(writer(), project), { status: 'active' });
    const refused = await api(`/sprints/${active.id}?version=${active.version}`, {
      method: 'DELETE',
      token: writer().idToken,
    });
    expect(refused.status).toBe(409);
    expectErrorShape(refused.body, 'CONFLICT');
  });
});

describe('sprint input', () => {
  let owner: TestUser;
  let projectId: string;
  let sprint: Sprint;

  beforeAll(async () => {
    owner = await signUpUser('Ivan Input');
    const ws = await createWorkspace(owner, 'Input Co');
    projectId = await createProject(owner, ws);
    sprint = await createSprint(owner, projectId, { name: 'Kept' });
  }, 60_000);

  const post = (body: unknown) =>
    api(`/projects/${projectId}/sprints`, { method: 'POST', token: owner.idToken, body });

  it('refuses bad create bodies with 400 naming each field, creating nothing', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ name: ' ', startDate: '2026-13-01', endDate: 'soon' }, ['endDate', 'name', 'startDate']],
      [{ name: 'x'.repeat(101), startDate: '2026-05-04', endDate: '2026-05-01' }, ['endDate', 'name']],
      [{ name: 'S', startDate: '2026-05-04', endDate: '2026-05-08', goal: 'g'.repeat(501) }, ['goal']],
      [{ name: 'S', startDate: '2026-05-04', endDate: '2028-05-08' }, ['endDate']],
      [{ name: 'S', startDate: '2026-05-04', endDate: '2026-05-08', status: 'active' }, ['status']],
      [{ startDate: '2026-05-04' }, ['endDate', 'name']],
    ];
    for (const [body, fields] of cases) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 'VALIDATION_ERROR');
      expect(fieldsOf(res).sort()).toEqual(fields);
    }
    const malformed = await api(`/projects/${projectId}/sprints`, {
      method: 'POST',
      token: owner.idToken,
      rawBody: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(fieldsOf(malformed)).toEqual(['body']);
    const badProject = await api('/projects/not-an-id/sprints', {
      method: 'POST',
      token: owner.idToken,
      body: {},
    });
    expect(badProject.status).toBe(400);
    expect(fieldsOf(badProject)).toContain('projectId');

    const list = await api<Page<Sprint>>(`/projects/${projectId}/sprints`, { token: owner.idToken });
    expect(list.body.items.map((s) => s.id)).toEqual([sprint.id]);
  });

  it('refuses bad changes with 400 naming each field, changing nothing', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ version: 1 }, ['body']],
      [{ name: 'No version' }, ['version']],
      [{ version: 1, status: 'done' }, ['status']],
      [{ version: 1, carryOverTo: null }, ['carryOverTo']],
      [{ version: 1, status: 'completed', carryOverTo: 'next' }, ['carryOverTo']],
      [{ version: 1, startDate: '2026-05-10', endDate: '2026-05-09' }, ['endDate']],
      [{ version: 1, colour: 'red' }, ['colour']],
    ];
    for (const [body, fields] of cases) {
      const res = await patchSprint(owner, sprint, body as Record<string, unknown>);
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 'VALIDATION_ERROR');
      expect(fieldsOf(res).sort()).toEqual(fields);
    }
    // Only one date sent, out of order with the stored other one: named too.
    const late = await patchSprint(owner, sprint, { version: 1, startDate: '2027-01-01' });
    expect(late.status).toBe(400);
    expect(fieldsOf(late)).toEqual(['startDate']);

    for (const path of ['/sprints/nope', `/sprints/${projectId}`]) {
      const res = await api(path, { token: owner.idToken });
      expect(res.status).toBe(400);
      expect(fieldsOf(res)).toEqual(['sprintId']);
    }
    const badList = await api(`/projects/${projectId}/sprints?status=done&limit=0`, { token: owner.idToken });
    expect(badList.status).toBe(400);
    expect(fieldsOf(badList).sort()).toEqual(['limit', 'status']);
    const badBurndown = await api(`/sprints/${sprint.id}/burndown?days=3`, { token: owner.idToken });
    expect(badBurndown.status).toBe(400);

    expect((await api<Sprint>(`/sprints/${sprint.id}`, { token: owner.idToken })).body).toEqual(sprint);
  });

  it('answers a well-formed id that names nothing with 404', async () => {
    const unknown = `${projectId}.${ulid()}`;
    for (const [method, path] of [
      ['GET', `/sprints/${unknown}`],
      ['GET', `/sprints/${unknown}/burndown`],
      ['DELETE', `/sprints/${unknown}?version=1`],
    ] as const) {
      const res = await api(path, { method, token: owner.idToken });
      expect(res.status).toBe(404);
      expectErrorShape(res.body, 'NOT_FOUND');
    }
    const patch = await patchSprint(owner, { id: unknown }, { version: 1, name: 'X' });
    expect(patch.status).toBe(404);
  });
});

describe('sprint roles', () => {
  let owner: TestUser;
  let team: Team;
  let ws: string;
  let projectId: string;
  let sprint: Sprint;

  beforeAll(async () => {
    owner = await signUpUser('Rita Roles');
    ws = await createWorkspace(owner, 'Roles Co');
    team = await addTeam(owner, ws);
    projectId = await createProject(owner, ws);
    sprint = await createSprint(owner, projectId, { name: 'Shared' });
  }, 120_000);

  it('lets viewers read sprints, burndown and velocity but change nothing (403)', async () => {
    const token = team.viewer.idToken;
    expect((await api(`/sprints/${sprint.id}`, { token })).status).toBe(200);
    expect((await api(`/projects/${projectId}/sprints`, { token })).status).toBe(200);
    expect((await api(`/sprints/${sprint.id}/burndown`, { token })).status).toBe(200);
    expect((await api(`/projects/${projectId}/velocity`, { token })).status).toBe(200);
    const writes = [
      api(`/projects/${projectId}/sprints`, {
        method: 'POST',
        token,
        body: { name: 'Viewer sprint', startDate: '2026-05-04', endDate: '2026-05-08' },
      }),
      patchSprint(team.viewer, sprint, { version: 1, name: 'Viewer was here' }),
      patchSprint(team.viewer, sprint, { version: 1, status: 'active' }),
      api(`/sprints/${sprint.id}?version=1`, { method: 'DELETE', token }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.status).toBe(403);
      expectErrorShape(res.body, 'FORBIDDEN');
    }
    const list = await api<Page<Sprint>>(`/projects/${projectId}/sprints`, { token });
    expect(list.body.items).toEqual([sprint]);
  });

  it('answers a non-member 404 on every sprint route', async () => {
    const token = team.outsider.idToken;
    const calls = [
      api(`/sprints/${sprint.id}`, { token }),
      api(`/sprints/${sprint.id}/burndown`, { token }),
      api(`/projects/${projectId}/sprints`, { token }),
      api(`/projects/${projectId}/velocity`, { token }),
      api(`/projects/${projectId}/sprints`, {
        method: 'POST',
        token,
        body: { name: 'Outsider sprint', startDate: '2026-05-04', endDate: '2026-05-08' },
      }),
      patchSprint(team.outsider, sprint, { version: 1, name: 'Outsider was here' }),
      api(`/sprints/${sprint.id}?version=1`, { method: 'DELETE', token }),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(404);
      expectErrorShape(res.body, 'NOT_FOUND');
    }
  });

  it('lets members and admins plan, start and complete (planning is team work)', async () => {
    const mine = await createSprint(team.member, projectId, { name: 'Members sprint' });
    const started = await transition(team.member, mine, { status: 'active' });
    const renamed = await transition(team.admin, started, { name: 'Admins renamed it' });
    const completed = await transition(team.member, renamed, { status: 'completed' });
    expect(completed).toMatchObject({ status: 'completed', name: 'Admins renamed it', version: 4 });
  });

  it('keeps an archived project’s sprints read-only (409), still readable', async () => {
    const project = await createProject(owner, ws);
    const planned = await createSprint(owner, project, { name: 'Frozen' });
    const current = await api<{ version: number }>(`/projects/${project}`, { token: owner.idToken });
    const archive = await api(`/projects/${project}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: current.body.version, archived: true },
    });
    expect(archive.status).toBe(200);
    const refused = [
      api(`/projects/${project}/sprints`, {
        method: 'POST',
        token: owner.idToken,
        body: { name: 'Late', startDate: '2026-05-04', endDate: '2026-05-08' },
      }),
      patchSprint(owner, planned, { version: 1, status: 'active' }),
      api(`/sprints/${planned.id}?version=1`, { method: 'DELETE', token: owner.idToken }),
    ];
    for (const res of await Promise.all(refused)) {
      expect(res.status).toBe(409);
      expectErrorShape(res.body, 'CONFLICT');
    }
    expect((await api<Sprint>(`/sprints/${planned.id}`, { token: owner.idToken })).body).toEqual(planned);
  });
});
