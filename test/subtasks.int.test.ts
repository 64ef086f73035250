import type { Subtask } from '#shared/schemas/subtasks';
import type { Task } from '#shared/schemas/tasks';
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
  activityOf,
  created,
  createProject,
  createTask,
  createWorkspace,
  fieldsOf,
  getTask,
  read,
  takingTurns,
  ULID,
  UNKNOWN_ULID,
  type ErrorBody,
  type Page,
} from './fixtures.ts';

/**
 * Subtasks against the local stack. Every user may make 100 requests a minute, so each describe block has its
 * own workspace and people, and the heavier blocks spread their writes over several members.
 */

const counters = (task: Task) => [task.subtaskCount, task.subtasksDone];

const addSubtask = (user: TestUser, taskId: string, body: Record<string, unknown>) =>
  created<Subtask>(user, `/tasks/${taskId}/subtasks`, body);

const listSubtasks = (user: TestUser, taskId: string, query = '') =>
  read<Page<Subtask>>(user, `/tasks/${taskId}/subtasks${query}`);

describe('subtasks', () => {
  let owner: TestUser;
  let team: Team;
  let writers: TestUser[];
  let ws: string;
  let projectId: string;
  /** The next writer (owner, admin or one of the members), to spread requests over rate-limit budgets. */
  const writer = takingTurns(() => writers);

  beforeAll(async () => {
    owner = await signUpUser('Sia Owner');
    ws = await createWorkspace(owner, 'Subtask Co');
    const [members, t] = await Promise.all([
      Promise.all(Array.from({ length: 4 }, () => addMember(owner, ws, 'member'))),
      addTeam(owner, ws),
    ]);
    team = t;
    writers = [team.member, ...members];
    projectId = await createProject(owner, ws, 'SUB');
  }, 120_000);

  describe('create, list, check off, delete', () => {
    it('creates one subtask (201, its shape), lists in creation order and counts it on the task', async () => {
      const task = await createTask(writer(), projectId);
      const user = writer();
      const res = await api<Subtask>(`/tasks/${task.id}/subtasks`, {
        method: 'POST',
        token: user.idToken,
        body: { title: '  Write the spec  ' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(new RegExp(`^${task.id.replace('.', '\\.')}\\.${ULID}$`)),
        taskId: task.id,
        projectId,
        workspaceId: ws,
        title: 'Write the spec',
        done: false,
        estimatedHours: null,
        createdBy: user.userId,
        createdAt: expect.any(String),
        updatedAt: res.body.createdAt,
        completedAt: null,
        version: 1,
      });
      const second = await addSubtask(writer(), task.id, { title: 'Review it', estimatedHours: 1.5 });
      expect(second.estimatedHours).toBe(1.5);
      const list = await listSubtasks(team.viewer, task.id);
      expect(list).toEqual({ items: [res.body, second], nextCursor: null });
      const after = await getTask(team.viewer, task.id);
      expect(counters(after)).toEqual([2, 0]);
      // Counters never bump the task's version: an open edit of the task stays valid.
      expect(after.version).toBe(task.version);
      const activity = await activityOf(team.viewer, task.id);
      expect(activity.slice(0, 2).map((a) => [a.entityType, a.action, a.entityId])).toEqual([
        ['subtask', 'created', second.id],
        ['subtask', 'created', res.body.id],
      ]);
    });

    it('creates in bulk (AI suggestions): the items in order, counted, one activity each', async () => {
      const task = await createTask(writer(), projectId);
      const items = [
        { title: 'Design', estimatedHours: 3 },
        { title: 'Build', estimatedHours: 8 },
        { title: 'Test' },
        { title: 'Ship', estimatedHours: 0.5 },
      ];
      const res = await api<Page<Subtask>>(`/tasks/${task.id}/subtasks`, {
        method: 'POST',
        token: writer().idToken,
        body: { items },
      });
      expect(res.status).toBe(201);
      expect(res.body.items.map((s) => [s.title, s.estimatedHours, s.done, s.version])).toEqual([
        ['Design', 3, false, 1],
        ['Build', 8, false, 1],
        ['Test', null, false, 1],
        ['Ship', 0.5, false, 1],
      ]);
      expect((await listSubtasks(writer(), task.id)).items).toEqual(res.body.items);
      expect(counters(await getTask(writer(), task.id))).toEqual([4, 0]);
      const activity = (await activityOf(writer(), task.id)).filter((a) => a.entityType === 'subtask');
      expect(new Set(activity.map((a) => a.entityId))).toEqual(new Set(res.body.items.map((s) => s.id)));
      expect(activity.every((a) => a.action === 'created')).toBe(true);
    });

    it('takes the largest bulk (49) in one go and pages through it', async () => {
      const task = await createTask(writer(), projectId);
      const items = Array.from({ length: 49 }, (_, i) => ({ title: `Step ${i + 1}` }));
      const res = await api<Page<Subtask>>(`/tasks/${task.id}/subtasks`, {
        method: 'POST',
        token: writer().idToken,
        body: { items },
      });
      expect(res.status).toBe(201);
      expect(counters(await getTask(writer(), task.id))).toEqual([49, 0]);
      const first = await listSubtasks(writer(), task.id, '?limit=30');
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await listSubtasks(
        writer(),
        task.id,
        `?limit=30&cursor=${encodeURIComponent(first.nextCursor!)}`,
      );
      expect(second.nextCursor).toBeNull();
      expect([...first.items, ...second.items].map((s) => s.title)).toEqual(items.map((i) => i.title));
    });

    it('checks off and unchecks: completedAt, version, subtasksDone, activity changes; task version kept', async () => {
      const task = await createTask(writer(), projectId);
      const [a, b] = [
        await addSubtask(writer(), task.id, { title: 'A' }),
        await addSubtask(writer(), task.id, { title: 'B' }),
      ];
      const done = await api<Subtask>(`/subtasks/${a.id}`, {
        method: 'PATCH',
        token: writer().idToken,
        body: { version: 1, done: true },
      });
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ id: a.id, done: true, version: 2, completedAt: expect.any(String) });
      expect(done.body.updatedAt >= a.updatedAt).toBe(true);
      expect(counters(await getTask(writer(), task.id))).toEqual([2, 1]);

      const renamed = await api<Subtask>(`/subtasks/${b.id}`, {
        method: 'PATCH',
        token: writer().idToken,
        body: { version: 1, title: 'B, renamed', estimatedHours: 2 },
      });
      expect(renamed.body).toMatchObject({ title: 'B, renamed', estimatedHours: 2, done: false, version: 2 });
      expect(counters(await getTask(writer(), task.id))).toEqual([2, 1]);

      const undone = await api<Subtask>(`/subtasks/${a.id}`, {
        method: 'PATCH',
        token: writer().idToken,
        body: { version: 2, done: false },
      });
      expect(undone.body).toMatchObject({ done: false, completedAt: null, version: 3 });
      const after = await getTask(writer(), task.id);
      expect(counters(after)).toEqual([2, 0]);
      expect(after.version).toBe(task.version);

      const activity = await activityOf(writer(), task.id);
      expect(activity.slice(0, 3).map((a) => [a.entityType, a.action, a.entityId, a.changes])).toEqual([
        ['subtask', 'updated', a.id, { done: { from: true, to: false } }],
        [
          'subtask',
          'updated',
          b.id,
          { title: { from: 'B', to: 'B, renamed' }, estimatedHours: { from: null, to: 2 } },
        ],
        ['subtask', 'updated', a.id, { done: { from: false, to: true } }],
      ]);
    });

    it('a patch that changes nothing writes nothing: same version, no activity', async () => {
      const task = await createTask(writer(), projectId);
      const s = await addSubtask(writer(), task.id, { title: 'Same' });
      const res = await api<Subtask>(`/subtasks/${s.id}`, {
        method: 'PATCH',
        token: writer().idToken,
        body: { version: 1, title: 'Same', done: false },
      });
      expect([res.status, res.body]).toEqual([200, s]);
      expect((await activityOf(writer(), task.id)).filter((a) => a.entityType === 'subtask')).toHaveLength(1);
    });

    it('deletes (204): gone from the list, counters drop (done ones from subtasksDone too), activity recorded', async () => {
      const task = await createTask(writer(), projectId);
      const open = await addSubtask(writer(), task.id, { title: 'Open' });
      const closed = await addSubtask(writer(), task.id, { title: 'Closed' });
      await api(`/subtasks/${closed.id}`, {
        method: 'PATCH',
        token: writer().idToken,
        body: { version: 1, done: true },
      });
      expect(counters(await getTask(writer(), task.id))).toEqual([2, 1]);

      const del = await api(`/subtasks/${closed.id}?version=2`, {
        method: 'DELETE',
        token: writer().idToken,
      });
      expect(del.status).toBe(204);
      expect(counters(await getTask(writer(), task.id))).toEqual([1, 0]);
      // Without a version: deleted whatever its version is.
      await api(`/subtasks/${open.id}`, {
        method: 'PATCH',
        token: writer().idToken,
        body: { version: 1, title: 'x' },
      });
      expect((await api(`/subtasks/${open.id}`, { method: 'DELETE', token: writer().idToken })).status).toBe(
        204,
      );
      expect(counters(await getTask(writer(), task.id))).toEqual([0, 0]);
      expect((await listSubtasks(writer(), task.id)).items).toEqual([]);

      const again = await api(`/subtasks/${open.id}`, { method: 'DELETE', token: writer().idToken });
      expect(again.status).toBe(404);
      expectErrorShape(again.body, 'NOT_FOUND');
      expect(counters(await getTask(writer(), task.id))).toEqual([0, 0]);
      const activity = await activityOf(writer(), task.id);
      expect(activity.slice(0, 2).map((a) => [a.entityType, a.action, a.entityId])).toEqual([
        ['subtask', 'deleted', open.id],
        ['subtask', 'updated', open.id],
      ]);
    });
  });

  describe('versions and concurrency', () => {
    it('answers a stale version on patch and delete with 409 VERSION_CONFLICT and the current subtask', async () => {
      const task = await createTask(writer(), projectId);
      const s = await addSubtask(writer(), task.id, { title: 'V' });
      const first = await api<Subtask>(`/subtasks/${s.id}`, {
        method: 'PATCH',
        token: writer().idToken,
        body: { version: 1, title: 'V2' },
      });
      for (const [method, url, body] of [
        ['PATCH', `/subtasks/${s.id}`, { version: 1, done: true }],
        ['DELETE', `/subtasks/${s.id}?version=1`, undefined],
      ] as const) {
        const res = await api<ErrorBody<Subtask>>(url, { method, token: writer().idToken, body });
        expect(res.status).toBe(409);
        expectErrorShape(res.body, 'VERSION_CONFLICT');
        expect(res.body.error.details).toEqual([]);
        expect(res.body.current).toEqual(first.body);
      }
      expect(counters(await getTask(writer(), task.id))).toEqual([1, 0]);
    });

    it('10 racing check-offs of one subtask with one version: exactly one wins, subtasksDone is 1', async () => {
      const task = await createTask(writer(), projectId);
      const s = await addSubtask(writer(), task.id, { title: 'Race' });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          api<ErrorBody<Subtask>>(`/subtasks/${s.id}`, {
            method: 'PATCH',
            token: writer().idToken,
            body: { version: 1, done: true, title: `Race ${i}` },
          }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, ...Array<number>(9).fill(409)]);
      for (const loser of results.filter((r) => r.status === 409)) {
        expectErrorShape(loser.body, 'VERSION_CONFLICT');
        expect(loser.body.current).toMatchObject({ version: 2, done: true });
      }
      expect(counters(await getTask(writer(), task.id))).toEqual([1, 1]);
    });

    it('concurrent creates, check-offs and deletes on one task keep the counters exact', async () => {
      const task = await createTask(writer(), projectId);
      const created = await Promise.all(
        Array.from({ length: 12 }, (_, i) => addSubtask(writer(), task.id, { title: `C${i}` })),
      );
      expect(counters(await getTask(writer(), task.id))).toEqual([12, 0]);
      const results = await Promise.all([
        ...created.slice(0, 8).map((s) =>
          api(`/subtasks/${s.id}`, {
            method: 'PATCH',
            token: writer().idToken,
            body: { version: 1, done: true },
          }),
        ),
        ...created
          .slice(8)
          .map((s) => api(`/subtasks/${s.id}?version=1`, { method: 'DELETE', token: writer().idToken })),
      ]);
      expect(results.map((r) => r.status)).toEqual([
        ...Array<number>(8).fill(200),
        ...Array<number>(4).fill(204),
      ]);
      expect(counters(await getTask(writer(), task.id))).toEqual([8, 8]);
      expect((await listSubtasks(writer(), task.id)).items.every((s) => s.done)).toBe(true);
    });
  });

  describe('bad input: 400 naming the field, nothing written', () => {
    let task: Task;
    let subtask: Subtask;
    beforeAll(async () => {
      task = await createTask(writer(), projectId, { title: 'Validation target' });
      subtask = await addSubtask(writer(), task.id, { title: 'Target' });
    });
    const unchanged = async () => {
      expect(counters(await getTask(writer(), task.id))).toEqual([1, 0]);
      expect((await listSubtasks(writer(), task.id)).items).toEqual([subtask]);
    };

    const badCreates: Array<[string, unknown, string[]]> = [
      ['a missing title', {}, ['title']],
      ['a blank title', { title: '  ' }, ['title']],
      ['a title of the wrong type', { title: 7 }, ['title']],
      ['an oversize title', { title: 'x'.repeat(201) }, ['title']],
      ['negative hours', { title: 'a', estimatedHours: -1 }, ['estimatedHours']],
      ['hours as text', { title: 'a', estimatedHours: '2' }, ['estimatedHours']],
      ['an unknown field', { title: 'a', done: true }, ['done']],
      ['a body that is a list', [{ title: 'a' }], ['body']],
      ['no items', { items: [] }, ['items']],
      ['items not in a list', { items: { title: 'a' } }, ['items']],
      [
        'one more item than fits a transaction',
        { items: Array.from({ length: 50 }, () => ({ title: 'a' })) },
        ['items'],
      ],
      [
        'a bad item among good ones',
        { items: [{ title: 'a' }, { title: '' }, { title: 'c', estimatedHours: 'x' }] },
        ['items.1.title', 'items.2.estimatedHours'],
      ],
      ['items and a title', { items: [{ title: 'a' }], title: 'b' }, ['title']],
    ];

    it.each(badCreates)('create refuses %s', async (_, body, fields) => {
      const res = await api(`/tasks/${task.id}/subtasks`, { method: 'POST', token: writer().idToken, body });
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 'VALIDATION_ERROR');
      expect(fieldsOf(res)).toEqual(fields);
      await unchanged();
    });

    const badPatches: Array<[string, unknown, string]> = [
      ['no version', { done: true }, 'version'],
      ['a version as text', { version: '1', done: true }, 'version'],
      ['only a version', { version: 1 }, 'body'],
      ['done as text', { version: 1, done: 'yes' }, 'done'],
      ['a blank title', { version: 1, title: '' }, 'title'],
      ['an oversize title', { version: 1, title: 'y'.repeat(201) }, 'title'],
      ['too many hours', { version: 1, estimatedHours: 1001 }, 'estimatedHours'],
      ['an unknown field', { version: 1, taskId: 'x' }, 'taskId'],
    ];

    it.each(badPatches)('patch refuses %s', async (_, body, field) => {
      const res = await api(`/subtasks/${subtask.id}`, { method: 'PATCH', token: writer().idToken, body });
      expect([res.status, fieldsOf(res)]).toEqual([400, [field]]);
      await unchanged();
    });

    it('refuses malformed JSON, invalid ids, bad versions and bad list queries', async () => {
      const cases: Array<[string, string, string | undefined, string[]]> = [
        ['POST', `/tasks/${task.id}/subtasks`, '{"title": "a"', ['body']],
        ['PATCH', `/subtasks/${subtask.id}`, 'version=1', ['body']],
        ['POST', '/tasks/nope/subtasks', '{"title": "a"}', ['taskId']],
        ['GET', '/tasks/nope/subtasks', undefined, ['taskId']],
        // A task id is not a subtask id: the subtask id names its task.
        ['PATCH', `/subtasks/${task.id}`, '{"version": 1, "done": true}', ['subtaskId']],
        ['DELETE', '/subtasks/nope', undefined, ['subtaskId']],
        ['DELETE', `/subtasks/${subtask.id}?version=one`, undefined, ['version']],
        ['DELETE', `/subtasks/${subtask.id}?version=0`, undefined, ['version']],
        ['GET', `/tasks/${task.id}/subtasks?limit=0`, undefined, ['limit']],
        ['GET', `/tasks/${task.id}/subtasks?limit=101`, undefined, ['limit']],
        ['GET', `/tasks/${task.id}/subtasks?cursor=garbage`, undefined, ['cursor']],
        ['GET', `/tasks/${task.id}/subtasks?sort=title`, undefined, ['sort']],
      ];
      for (const [method, url, rawBody, fields] of cases) {
        const res = await api(url, {
          method,
          token: writer().idToken,
          rawBody,
          headers: rawBody ? { 'content-type': 'application/json' } : {},
        });
        expect([method, url, res.status, fieldsOf(res)]).toEqual([method, url, 400, fields]);
        expectErrorShape(res.body, 'VALIDATION_ERROR');
      }
      // A cursor of another task's list is refused too.
      const other = await createTask(writer(), projectId);
      await addSubtask(writer(), other.id, { title: '1' });
      await addSubtask(writer(), other.id, { title: '2' });
      const page = await listSubtasks(writer(), other.id, '?limit=1');
      const foreign = await api(`/tasks/${task.id}/subtasks?cursor=${encodeURIComponent(page.nextCursor!)}`, {
        token: writer().idToken,
      });
      expect([foreign.status, fieldsOf(foreign)]).toEqual([400, ['cursor']]);
      await unchanged();
    });
  });

  describe('roles and state', () => {
    it('viewers read but may not write (403); non-members get 404 for everything; nothing written', async () => {
      const task = await createTask(writer(), projectId);
      const s = await addSubtask(writer(), task.id, { title: 'Guarded' });
      expect((await listSubtasks(team.viewer, task.id)).items).toEqual([s]);
      const writes: Array<[string, string, unknown]> = [
        ['POST', `/tasks/${task.id}/subtasks`, { title: 'x' }],
        ['POST', `/tasks/${task.id}/subtasks`, { items: [{ title: 'x' }] }],
        ['PATCH', `/subtasks/${s.id}`, { version: 1, done: true }],
        ['DELETE', `/subtasks/${s.id}?version=1`, undefined],
      ];
      for (const [method, url, body] of writes) {
        const res = await api(url, { method, token: team.viewer.idToken, body });
        expect([method, res.status]).toEqual([method, 403]);
        expectErrorShape(res.body, 'FORBIDDEN');
      }
      for (const [method, url, body] of [
        ...writes,
        ['GET', `/tasks/${task.id}/subtasks`, undefined] as const,
      ]) {
        const res = await api(url, { method, token: team.outsider.idToken, body });
        expect([method, res.status]).toEqual([method, 404]);
        expectErrorShape(res.body, 'NOT_FOUND');
      }
      expect((await listSubtasks(writer(), task.id)).items).toEqual([s]);
      expect(counters(await getTask(writer(), task.id))).toEqual([1, 0]);
    });

    it('owners, admins and members all write subtasks, also ones others created', async () => {
      const task = await createTask(owner, projectId);
      const s = await addSubtask(team.member, task.id, { title: 'Shared' });
      const byAdmin = await api<Subtask>(`/subtasks/${s.id}`, {
        method: 'PATCH',
        token: team.admin.idToken,
        body: { version: 1, done: true },
      });
      expect(byAdmin.status).toBe(200);
      await addSubtask(owner, task.id, { title: 'Owner one' });
      expect(
        (await api(`/subtasks/${s.id}?version=2`, { method: 'DELETE', token: owner.idToken })).status,
      ).toBe(204);
      expect(counters(await getTask(owner, task.id))).toEqual([1, 0]);
    });

    it('unknown tasks and subtasks are 404 (also in a workspace one is a member of)', async () => {
      const task = await createTask(writer(), projectId);
      const cases: Array<[string, string, unknown]> = [
        ['GET', `/tasks/${ws}.${UNKNOWN_ULID}/subtasks`, undefined],
        ['POST', `/tasks/${ws}.${UNKNOWN_ULID}/subtasks`, { title: 'x' }],
        ['PATCH', `/subtasks/${task.id}.${UNKNOWN_ULID}`, { version: 1, done: true }],
        ['DELETE', `/subtasks/${task.id}.${UNKNOWN_ULID}`, undefined],
        ['GET', `/tasks/${UNKNOWN_ULID}.${UNKNOWN_ULID}/subtasks`, undefined],
      ];
      for (const [method, url, body] of cases) {
        const res = await api(url, { method, token: writer().idToken, body });
        expect([method, url, res.status]).toEqual([method, url, 404]);
      }
      expect(counters(await getTask(writer(), task.id))).toEqual([0, 0]);
    });

    it('a deleted task refuses subtask writes (409 CONFLICT) but its subtasks can be read; restore allows again', async () => {
      const task = await createTask(owner, projectId);
      const s = await addSubtask(owner, task.id, { title: 'Before deletion' });
      const del = await api<Task>(`/tasks/${task.id}?version=${task.version}`, {
        method: 'DELETE',
        token: owner.idToken,
      });
      expect(del.status).toBe(200);
      const writes: Array<[string, string, unknown]> = [
        ['POST', `/tasks/${task.id}/subtasks`, { title: 'x' }],
        ['POST', `/tasks/${task.id}/subtasks`, { items: [{ title: 'x' }] }],
        ['PATCH', `/subtasks/${s.id}`, { version: 1, done: true }],
        ['DELETE', `/subtasks/${s.id}`, undefined],
      ];
      for (const [method, url, body] of writes) {
        const res = await api(url, { method, token: owner.idToken, body });
        expect([method, res.status]).toEqual([method, 409]);
        expectErrorShape(res.body, 'CONFLICT');
      }
      expect((await listSubtasks(owner, task.id)).items).toEqual([s]);
      const restored = await api<Task>(`/tasks/${task.id}/restore`, { method: 'POST', token: owner.idToken });
      expect(restored.status).toBe(200);
      expect(counters(restored.body)).toEqual([1, 0]);
      await addSubtask(owner, task.id, { title: 'After restore' });
      expect(counters(await getTask(owner, task.id))).toEqual([2, 0]);
    });

    it("an archived project's tasks refuse subtask writes (409 CONFLICT)", async () => {
      const project = await createProject(owner, ws, 'ARCS');
      const task = await createTask(owner, project);
      const s = await addSubtask(owner, task.id, { title: 'Frozen' });
      const archived = await api(`/projects/${project}`, {
        method: 'PATCH',
        token: owner.idToken,
        body: { version: 1, archived: true },
      });
      expect(archived.status).toBe(200);
      for (const [method, url, body] of [
        ['POST', `/tasks/${task.id}/subtasks`, { title: 'x' }],
        ['PATCH', `/subtasks/${s.id}`, { version: 1, done: true }],
        ['DELETE', `/subtasks/${s.id}?version=1`, undefined],
      ] as const) {
        const res = await api(url, { method, token: owner.idToken, body });
        expect([method, res.status]).toEqual([method, 409]);
        expectErrorShape(res.body, 'CONFLICT');
      }
      expect(counters(await getTask(owner, task.id))).toEqual([1, 0]);
    });
  });
});
