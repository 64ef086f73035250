import fs from 'node:fs';
import path from 'node:path';
import { ulid } from 'ulid';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TaskService } from '#functions/domain/tasks';
import { ValidationError } from '#functions/lib/errors';
import { keys } from '#functions/store/keys';
import { DynamoTaskRepository } from '#functions/store/task-repository';
import type { Activity, Task, TaskStatus } from '#shared/schemas/tasks';
import { createTaskSchema, TASK_STATUSES } from '#shared/schemas/tasks';
import { addMember, api, expectErrorShape, outputs, signUpUser, type TestUser } from './support.ts';
import {
  createLabel,
  createProject,
  createSprint,
  createTask,
  createWorkspace,
  db,
  fieldsOf,
  listAll,
  read,
  storedItem,
  storedProject,
  table,
  takingTurns,
  type ErrorBody,
  type Page,
} from './fixtures.ts';

/**
 * Tasks against the local stack. The stack limits every user to 100 requests a minute, so the heavy tests
 * spread their requests over a pool of members (`writer()` takes turns); each test names the user whose role
 * matters where one does.
 */

const POOL_SIZE = 12;

describe('tasks', () => {
  let owner: TestUser;
  let viewer: TestUser;
  let stranger: TestUser;
  let pool: TestUser[];
  let ws: string;
  let projectId: string;
  let labelId: string;
  let foreignLabelId: string;
  /** The next member of the pool (all with role member), to spread requests over rate-limit budgets. */
  const writer = takingTurns(() => pool);

  /** Every task of a board list (`query`: `&name=value...`), following cursors; as `user` or the writers. */
  const listTasks = (project: string, query = '', limit = 100, user?: TestUser) =>
    listAll<Task>(user ?? writer, `/projects/${project}/tasks`, { limit, query });

  beforeAll(async () => {
    owner = await signUpUser('Olga Owner');
    ws = await createWorkspace(owner, 'Task Co');
    [viewer, stranger, ...pool] = await Promise.all([
      addMember(owner, ws, 'viewer'),
      signUpUser('Sam Stranger'),
      ...Array.from({ length: POOL_SIZE }, () => addMember(owner, ws, 'member')),
    ]);
    projectId = await createProject(owner, ws, 'WEB');
    labelId = await createLabel(owner, ws, 'bug');
    const otherWs = await createWorkspace(stranger, 'Elsewhere');
    foreignLabelId = await createLabel(stranger, otherWs, 'bug');
  }, 120_000);

  describe('create and read', () => {
    it('creates with defaults, numbers from the project key, and reads it back', async () => {
      const user = writer();
      const res = await api<Task>(`/projects/${projectId}/tasks`, {
        method: 'POST',
        token: user.idToken,
        body: { title: '  Set up CI  ' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(new RegExp(`^${ws}\\.[0-9A-Z]{26}$`)),
        number: expect.any(Number),
        key: `WEB-${res.body.number}`,
        projectId,
        workspaceId: ws,
        title: 'Set up CI',
        description: null,
        status: 'todo',
        priority: 'medium',
        storyPoints: null,
        dueDate: null,
        assigneeIds: [],
        labelIds: [],
        sprintId: null,
        goalId: null,
        parentId: null,
        rank: expect.any(String),
        subtaskCount: 0,
        subtasksDone: 0,
        commentCount: 0,
        attachmentCount: 0,
        coverAttachmentId: null,
        createdBy: user.userId,
        createdAt: expect.any(String),
        updatedAt: res.body.createdAt,
        completedAt: null,
        deletedAt: null,
        version: 1,
      });
      const read = await api<Task>(`/tasks/${res.body.id}`, { token: viewer.idToken });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(res.body);
    });

    it('takes every field, and appends to the bottom of the column', async () => {
      const parent = await createTask(writer(), projectId, { title: 'Epic', status: 'in_review' });
      const assignee = pool[1]!;
      const sprint = (await createSprint(writer(), projectId)).id;
      const goal = await api<{ id: string }>('/goals', {
        method: 'POST',
        token: owner.idToken,
        body: { title: 'Ship', workspaceId: ws },
      });
      const res = await api<Task>(`/projects/${projectId}/tasks`, {
        method: 'POST',
        token: writer().idToken,
        body: {
          title: 'Full',
          description: '# Heading\n\nBody',
          status: 'in_review',
          priority: 'critical',
          storyPoints: 8,
          dueDate: '2026-02-28',
          assigneeIds: [assignee.userId, owner.userId],
          labelIds: [labelId],
          sprintId: sprint,
          goalId: goal.body.id,
          parentId: parent.id,
        },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        description: '# Heading\n\nBody',
        status: 'in_review',
        priority: 'critical',
        storyPoints: 8,
        dueDate: '2026-02-28',
        assigneeIds: [assignee.userId, owner.userId],
        labelIds: [labelId],
        sprintId: sprint,
        goalId: goal.body.id,
        parentId: parent.id,
        number: parent.number + 1,
      });
      expect(res.body.rank > parent.rank).toBe(true);
      const done = await createTask(writer(), projectId, { title: 'Already done', status: 'done' });
      expect(done.completedAt).toBe(done.createdAt);
    });

    it('derives the key from the project key as it is now', async () => {
      const project = await createProject(owner, ws, 'KEYS');
      const task = await createTask(writer(), project, { title: 'x' });
      expect(task.key).toBe('KEYS-1');
      await db().send(
        new UpdateCommand({
          TableName: table(),
          Key: keys.project(ws, project),
          UpdateExpression: 'SET #key = :key',
          ExpressionAttributeNames: { '#key': 'key' },
          ExpressionAttributeValues: { ':key': 'RENAMED' },
        }),
      );
      expect((await api<Task>(`/tasks/${task.id}`, { token: writer().idToken })).body.key).toBe('RENAMED-1');
    });

    it('refuses to add tasks to an archived project (409)', async () => {
      const project = await createProject(owner, ws, 'ARCH');
      await db().send(
        new UpdateCommand({
          TableName: table(),
          Key: keys.project(ws, project),
          UpdateExpression: 'SET archived = :true',
          ExpressionAttributeValues: { ':true': true },
        }),
      );
      const res = await api(`/projects/${project}/tasks`, {
        method: 'POST',
        token: writer().idToken,
        body: { title: 'x' },
      });
      expect(res.status).toBe(409);
      expectErrorShape(res.body, 'CONFLICT');
      expect((await storedProject(ws, project))?.taskSeq).toBe(0);
    });
  });

  describe('bad input: 400 naming the field, nothing written', () => {
    let target: Task;
    beforeAll(async () => {
      target = await createTask(writer(), projectId, { title: 'Target' });
    });

    const badBodies: Array<[string, unknown, string]> = [
      ['a missing title', {}, 'title'],
      ['a blank title', { title: '   ' }, 'title'],
      ['a title of the wrong type', { title: 42 }, 'title'],
      ['an oversize title', { title: 'x'.repeat(201) }, 'title'],
      ['an oversize description', { title: 'a', description: 'x'.repeat(50_001) }, 'description'],
      ['an unknown status', { title: 'a', status: 'doing' }, 'status'],
      ['an unknown priority', { title: 'a', priority: 'urgent' }, 'priority'],
      ['0 story points', { title: 'a', storyPoints: 0 }, 'storyPoints'],
      ['22 story points', { title: 'a', storyPoints: 22 }, 'storyPoints'],
      ['1.5 story points', { title: 'a', storyPoints: 1.5 }, 'storyPoints'],
      ['story points as text', { title: 'a', storyPoints: '3' }, 'storyPoints'],
      ['a day that does not exist', { title: 'a', dueDate: '2026-02-30' }, 'dueDate'],
      ['assignees not in a list', { title: 'a', assigneeIds: 'someone' }, 'assigneeIds'],
      ['a malformed label id', { title: 'a', labelIds: ['not-an-id'] }, 'labelIds.0'],
      ['a malformed parent id', { title: 'a', parentId: 'nope' }, 'parentId'],
      ['a malformed sprint id', { title: 'a', sprintId: 123 }, 'sprintId'],
      ['an unknown field', { title: 'a', color: 'red' }, 'color'],
    ];

    it.each(badBodies)('create refuses %s', async (_, body, field) => {
      const before = await storedProject(ws, projectId);
      const res = await api(`/projects/${projectId}/tasks`, {
        method: 'POST',
        token: writer().idToken,
        body,
      });
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 'VALIDATION_ERROR');
      expect(fieldsOf(res)).toEqual([field]);
      expect((await storedProject(ws, projectId))?.taskSeq).toBe(before?.taskSeq);
    });

    it('create refuses references that do not hold: non-member assignee, foreign label, unknown parent', async () => {
      const before = await storedProject(ws, projectId);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ assigneeIds: [stranger.userId] }, 'assigneeIds'],
        [{ labelIds: [foreignLabelId] }, 'labelIds'],
        [{ labelIds: [`${ws}.${ulid()}`] }, 'labelIds'],
        [{ parentId: `${ws}.${ulid()}` }, 'parentId'],
        [{ sprintId: `${ulid()}.${ulid()}.${ulid()}` }, 'sprintId'],
        [{ sprintId: `${projectId}.${ulid()}` }, 'sprintId'],
        [{ sprintId: (await createSprint(owner, await createProject(owner, ws, 'OTHR'))).id }, 'sprintId'],
        [{ goalId: `${ulid()}.${ulid()}` }, 'goalId'],
        [{ goalId: ulid() }, 'goalId'],
      ];
      for (const [extra, field] of cases) {
        const res = await api(`/projects/${projectId}/tasks`, {
          method: 'POST',
          token: writer().idToken,
          body: { title: 'a', ...extra },
        });
        expect([res.status, fieldsOf(res)]).toEqual([400, [field]]);
      }
      const after = await storedProject(ws, projectId);
      expect([after?.taskSeq, after?.taskCount]).toEqual([before?.taskSeq, before?.taskCount]);
    });

    it('create refuses malformed JSON and a malformed project id', async () => {
      const res = await api(`/projects/${projectId}/tasks`, {
        method: 'POST',
        token: writer().idToken,
        rawBody: '{"title": "a",',
        headers: { 'content-type': 'application/json' },
      });
      expect([res.status, fieldsOf(res)]).toEqual([400, ['body']]);
      const badPath = await api('/projects/nope/tasks', {
        method: 'POST',
        token: writer().idToken,
        body: { title: 'a' },
      });
      expect([badPath.status, fieldsOf(badPath)]).toEqual([400, ['projectId']]);
    });

    const badPatches: Array<[string, unknown, string]> = [
      ['no version', { title: 'x' }, 'version'],
      ['a version as text', { version: '1', title: 'x' }, 'version'],
      ['only a version', { version: 1 }, 'body'],
      ['a blank title', { version: 1, title: ' ' }, 'title'],
      ['an unknown status', { version: 1, status: 'later' }, 'status'],
      ['22 story points', { version: 1, storyPoints: 22 }, 'storyPoints'],
      ['February 30th', { version: 1, dueDate: '2026-02-30' }, 'dueDate'],
      ['an unknown field', { version: 1, key: 'WEB-9' }, 'key'],
      [
        'a repeated label',
        {
          version: 1,
          labelIds: [`${'0'.repeat(26)}.${'0'.repeat(26)}`, `${'0'.repeat(26)}.${'0'.repeat(26)}`],
        },
        'labelIds',
      ],
    ];

    it.each(badPatches)('patch refuses %s', async (_, body, field) => {
      const res = await api(`/tasks/${target.id}`, { method: 'PATCH', token: writer().idToken, body });
      expect([res.status, fieldsOf(res)]).toEqual([400, [field]]);
      expect((await api<Task>(`/tasks/${target.id}`, { token: writer().idToken })).body.version).toBe(1);
    });

    it('patch refuses references that do not hold, the task as its own parent, and malformed JSON', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ assigneeIds: [stranger.userId] }, 'assigneeIds'],
        [{ labelIds: [foreignLabelId] }, 'labelIds'],
        [{ parentId: target.id }, 'parentId'],
      ];
      for (const [extra, field] of cases) {
        const res = await api(`/tasks/${target.id}`, {
          method: 'PATCH',
          token: writer().idToken,
          body: { version: 1, ...extra },
        });
        expect([res.status, fieldsOf(res)]).toEqual([400, [field]]);
      }
      const json = await api(`/tasks/${target.id}`, {
        method: 'PATCH',
        token: writer().idToken,
        rawBody: 'version=1',
      });
      expect([json.status, fieldsOf(json)]).toEqual([400, ['body']]);
      expect((await api<Task>(`/tasks/${target.id}`, { token: writer().idToken })).body.version).toBe(1);
    });

    it('move refuses bad bodies and neighbours that are not in the target column', async () => {
      const done = await createTask(writer(), projectId, { title: 'Done one', status: 'done' });
      const cases: Array<[unknown, string[]]> = [
        [{ status: 'todo' }, ['version']],
        [{ version: 1 }, ['status']],
        [{ version: 1, status: 'nowhere' }, ['status']],
        [{ version: 1, status: 'todo', beforeId: 'x' }, ['beforeId']],
        [{ version: 1, status: 'todo', afterId: `${ws}.${ulid()}` }, ['afterId']],
        [{ version: 1, status: 'todo', beforeId: done.id }, ['beforeId']],
        [{ version: 1, status: 'todo', afterId: target.id }, ['afterId']],
        [{ version: 1, status: 'todo', rank: 'V' }, ['rank']],
      ];
      for (const [body, fields] of cases) {
        const res = await api(`/tasks/${target.id}/move`, { method: 'POST', token: writer().idToken, body });
        expect([res.status, fieldsOf(res), JSON.stringify(body)]).toEqual([
          400,
          fields,
          JSON.stringify(body),
        ]);
      }
      expect((await api<Task>(`/tasks/${target.id}`, { token: writer().idToken })).body.version).toBe(1);
    });

    it('delete, restore, get, list and activity refuse bad input', async () => {
      const token = owner.idToken;
      const cases: Array<[string, string, unknown, string[]]> = [
        ['DELETE', `/tasks/${target.id}`, undefined, ['version']],
        ['DELETE', `/tasks/${target.id}?version=abc`, undefined, ['version']],
        ['DELETE', `/tasks/${target.id}?version=0`, undefined, ['version']],
        ['DELETE', `/tasks/not-an-id?version=1`, undefined, ['taskId']],
        ['POST', `/tasks/${target.id}/restore`, { version: 'one' }, ['version']],
        ['POST', `/tasks/${target.id}/restore`, { force: true }, ['force']],
        ['GET', `/tasks/not-an-id`, undefined, ['taskId']],
        ['GET', `/projects/${projectId}/tasks?limit=0`, undefined, ['limit']],
        ['GET', `/projects/${projectId}/tasks?limit=101`, undefined, ['limit']],
        ['GET', `/projects/${projectId}/tasks?status=later`, undefined, ['status']],
        ['GET', `/projects/${projectId}/tasks?includeDeleted=yes`, undefined, ['includeDeleted']],
        ['GET', `/projects/${projectId}/tasks?dueBefore=2026-13-01`, undefined, ['dueBefore']],
        ['GET', `/projects/${projectId}/tasks?labelId=bug`, undefined, ['labelId']],
        ['GET', `/projects/${projectId}/tasks?sort=title`, undefined, ['sort']],
        ['GET', `/projects/${projectId}/tasks?cursor=garbage`, undefined, ['cursor']],
        ['GET', `/projects/x/tasks`, undefined, ['projectId']],
        ['GET', `/tasks/${target.id}/activity?limit=500`, undefined, ['limit']],
        ['GET', `/projects/${projectId}/activity?cursor=garbage`, undefined, ['cursor']],
      ];
      for (const [method, url, body, fields] of cases) {
        const res = await api(url, { method, token, body });
        expect([method, url, res.status, fieldsOf(res)]).toEqual([method, url, 400, fields]);
      }
      const read = (await api<Task>(`/tasks/${target.id}`, { token })).body;
      expect([read.version, read.deletedAt]).toEqual([1, null]);
    });

    it('refuses a cursor of another list', async () => {
      const other = await createProject(owner, ws, 'CURS');
      await createTask(writer(), other, { title: 'a' });
      await createTask(writer(), other, { title: 'b' });
      const { nextCursor } = (
        await api<Page<Task>>(`/projects/${other}/tasks?limit=1`, { token: owner.idToken })
      ).body;
      expect(nextCursor).not.toBeNull();
      const stolen = await api(`/projects/${projectId}/tasks?cursor=${encodeURIComponent(nextCursor!)}`, {
        token: owner.idToken,
      });
      expect([stolen.status, fieldsOf(stolen)]).toEqual([400, ['cursor']]);
      const otherColumn = await api(
        `/projects/${other}/tasks?status=done&cursor=${encodeURIComponent(nextCursor!)}`,
        {
          token: owner.idToken,
        },
      );
      expect([otherColumn.status, fieldsOf(otherColumn)]).toEqual([400, ['cursor']]);
    });
  });

  describe('patch', () => {
    it('changes the fields sent, bumps the version, and records from/to in the activity, newest first', async () => {
      const user = writer();
      const task = await createTask(user, projectId, { title: 'Draft', priority: 'low' });
      const first = await api<Task>(`/tasks/${task.id}`, {
        method: 'PATCH',
        token: user.idToken,
        body: { version: 1, title: 'Final', priority: 'high', assigneeIds: [user.userId] },
      });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        title: 'Final',
        priority: 'high',
        assigneeIds: [user.userId],
        version: 2,
      });
      expect(first.body.updatedAt > task.updatedAt).toBe(true);
      const second = await api<Task>(`/tasks/${task.id}`, {
        method: 'PATCH',
        token: user.idToken,
        body: { version: 2, status: 'done', storyPoints: 3 },
      });
      expect(second.body).toMatchObject({ status: 'done', storyPoints: 3, version: 3 });
      expect(second.body.completedAt).toBe(second.body.updatedAt);
      const reopened = await api<Task>(`/tasks/${task.id}`, {
        method: 'PATCH',
        token: user.idToken,
        body: { version: 3, status: 'in_progress' },
      });
      expect(reopened.body.completedAt).toBeNull();

      const activity = await api<Page<Activity & { data?: unknown }>>(`/tasks/${task.id}/activity`, {
        token: viewer.idToken,
      });
      expect(activity.status).toBe(200);
      const items = activity.body.items;
      expect(items.map((a) => a.action)).toEqual(['updated', 'updated', 'updated', 'created']);
      expect(items.map((a) => a.id)).toEqual([...items.map((a) => a.id)].sort().reverse());
      expect(items[2]).toEqual({
        id: expect.any(String),
        at: first.body.updatedAt,
        actorId: user.userId,
        action: 'updated',
        entityType: 'task',
        entityId: task.id,
        changes: {
          title: { from: 'Draft', to: 'Final' },
          priority: { from: 'low', to: 'high' },
          assigneeIds: { from: [], to: [user.userId] },
        },
      });
      expect(items[1]!.changes).toMatchObject({
        status: { from: 'todo', to: 'done' },
        storyPoints: { from: null, to: 3 },
        completedAt: { from: null, to: second.body.completedAt },
      });
      expect(items[0]!.changes.completedAt).toEqual({ from: second.body.completedAt, to: null });
      for (const item of items) expect(item).not.toHaveProperty('data');

      const stale = await api<ErrorBody<Task>>(`/tasks/${task.id}`, {
        method: 'PATCH',
        token: user.idToken,
        body: { version: 1, title: 'Lost' },
      });
      expect(stale.status).toBe(409);
      expectErrorShape(stale.body, 'VERSION_CONFLICT');
      expect(stale.body.current).toMatchObject({ title: 'Final', version: 4 });
      expect(stale.body.error.details).toEqual([]);
    });

    it('answers a change to the same values with the task, unchanged', async () => {
      const task = await createTask(writer(), projectId, { title: 'Same' });
      const res = await api<Task>(`/tasks/${task.id}`, {
        method: 'PATCH',
        token: writer().idToken,
        body: { version: 1, title: 'Same', status: 'todo' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(task);
    });

    it('20 concurrent patches with one version: exactly one wins, 19 get 409 with the winner', async () => {
      const task = await createTask(writer(), projectId, { title: 'Contested' });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api<Task & ErrorBody<Task>>(`/tasks/${task.id}`, {
            method: 'PATCH',
            token: writer().idToken,
            body: { version: 1, title: `Edit ${i}` },
          }),
        ),
      );
      const winners = results.filter((r) => r.status === 200);
      const losers = results.filter((r) => r.status === 409);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(19);
      const winner = winners[0]!.body;
      expect(winner.version).toBe(2);
      for (const loser of losers) {
        expectErrorShape(loser.body, 'VERSION_CONFLICT');
        expect(loser.body.current).toMatchObject({ id: task.id, title: winner.title, version: 2 });
      }
      const stored = (await api<Task>(`/tasks/${task.id}`, { token: owner.idToken })).body;
      expect([stored.title, stored.version]).toEqual([winner.title, 2]);
      const activity = (await api<Page<Activity>>(`/tasks/${task.id}/activity`, { token: owner.idToken }))
        .body;
      expect(activity.items.map((a) => a.action)).toEqual(['updated', 'created']);
    });
  });

  describe('concurrent creation', () => {
    it('200 creations at once in one project: all made, numbers 1..200 exactly, ranks in number order', async () => {
      const project = await createProject(owner, ws, 'RACE');
      const logFile = path.join(outputs().local.dataDir, 'stack.log');
      const logStart = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const sent = Date.now();
          const res = await api<Task>(`/projects/${project}/tasks`, {
            method: 'POST',
            token: writer().idToken,
            body: { title: `Race ${i}` },
          });
          return { ...res, ms: Date.now() - sent };
        }),
      );
      const elapsed = Date.now() - started;
      const failures = results.filter((r) => r.status !== 201);
      expect(failures.map((r) => [r.status, r.body])).toEqual([]);
      const numbers = results.map((r) => r.body.number).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(new Set(results.map((r) => r.body.key)).size).toBe(200);
      const stored = await storedProject(ws, project);
      expect([stored?.taskSeq, stored?.taskCount]).toEqual([200, 200]);

      // Creations commit in parallel, in any order; the board still lists them in number order.
      const { items } = await listTasks(project);
      expect(items).toHaveLength(200);
      expect(new Set(items.map((t) => t.rank)).size).toBe(200);
      const ranks = items.map((t) => t.rank);
      expect(ranks).toEqual([...ranks].sort());
      expect(items.map((t) => t.number)).toEqual(numbers);

      // How many transaction attempts the creations took, from the stack's per-request log lines (only this
      // burst calls the tasks function meanwhile; the lines' routeKey is not reliable when requests overlap).
      const logged = fs
        .readFileSync(logFile)
        .subarray(logStart)
        .toString('utf8')
        .split('\n')
        .filter(
          (line) => line.includes('"function_name":"teamflow-local-tasks"') && line.includes('"request"'),
        )
        .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as { dynamodbCalls: Record<string, number> })
        .filter((entry) => (entry.dynamodbCalls.TransactWriteItems ?? 0) > 0);
      const attempts = logged.map((entry) => entry.dynamodbCalls.TransactWriteItems ?? 0);
      // DynamoDB calls per creation by operation.
      const perCreate = new Map<string, number>();
      for (const entry of logged)
        for (const [op, n] of Object.entries(entry.dynamodbCalls))
          perCreate.set(op, (perCreate.get(op) ?? 0) + n);
      const total = attempts.reduce((a, b) => a + b, 0);
      const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
      console.log(
        `200 concurrent creates: ${elapsed} ms (p50 ${latencies[100]} ms, max ${latencies[199]} ms); ` +
          `${total} transaction attempts over ${attempts.length} requests logged ` +
          `(${total - attempts.length} retries, at most ${Math.max(0, ...attempts)} attempts for one request); ` +
          `DynamoDB calls per create: ${[...perCreate]
            .map(([op, n]) => `${op} ${(n / Math.max(1, logged.length)).toFixed(2)}`)
            .join(', ')}`,
      );
    }, 90_000);

    it('goes on from the numbers a project took before its counter had an item of its own', async () => {
      const project = await createProject(owner, ws, 'OLDN');
      // A project numbered the old way: its item counted 41 tasks, and there is no counter item yet.
      await db().send(
        new UpdateCommand({
          TableName: table(),
          Key: keys.project(ws, project),
          UpdateExpression: 'SET taskSeq = :n',
          ExpressionAttributeValues: { ':n': 41 },
        }),
      );
      const [a, b] = await Promise.all([
        createTask(writer(), project, { title: 'Forty-two or three' }),
        createTask(writer(), project, { title: 'Forty-three or two' }),
      ]);
      expect([a.number, b.number].sort()).toEqual([42, 43]);
      expect(await storedItem(keys.projectCounter(ws, project))).toMatchObject({ taskSeq: 43 });
      // Deleting the project takes its counter with it.
      const { version } = await read<{ version: number }>(owner, `/projects/${project}`);
      expect(
        (await api(`/projects/${project}?version=${version}`, { method: 'DELETE', token: owner.idToken }))
          .status,
      ).toBe(204);
      expect(await storedItem(keys.projectCounter(ws, project))).toBeUndefined();
    });

    it('skips the number of a creation refused after taking it (a label removed meanwhile), never reuses it', async () => {
      const project = await createProject(owner, ws, 'SKIP');
      const first = await createTask(writer(), project, { title: 'First' });
      const doomed = await createLabel(owner, ws, 'doomed');
      // The store itself, with the label deleted between the creation's read (which finds it) and its
      // transaction (which must refuse it): the number taken meanwhile is given to no task.
      class LabelGoneMeanwhile extends DynamoTaskRepository {
        override async insert(...args: Parameters<DynamoTaskRepository['insert']>) {
          await db().send(new DeleteCommand({ TableName: table(), Key: keys.label(ws, doomed) }));
          return super.insert(...args);
        }
      }
      const service = new TaskService(new LabelGoneMeanwhile(db(), table()));
      const refused = await service
        .create(writer(), project, createTaskSchema.parse({ title: 'Doomed', labelIds: [doomed] }))
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ValidationError);
      expect((refused as ValidationError).details).toEqual([
        { field: 'labelIds', message: 'names something that was removed meanwhile' },
      ]);
      // Through the API the same refusal is a 400 naming the field before any number is taken.
      const late = await api(`/projects/${project}/tasks`, {
        method: 'POST',
        token: writer().idToken,
        body: { title: 'Late', labelIds: [doomed] },
      });
      expect([late.status, fieldsOf(late)]).toEqual([400, ['labelIds']]);

      const next = await createTask(writer(), project, { title: 'Next' });
      expect([first.number, next.number]).toEqual([1, 3]);
      const stored = await storedProject(ws, project);
      expect([stored?.taskSeq, stored?.taskCount]).toEqual([3, 2]);
      const { items } = await listTasks(project, '&includeDeleted=true');
      expect(items.map((t) => [t.number, t.title])).toEqual([
        [1, 'First'],
        [3, 'Next'],
      ]);
    });

    it('racing a label deletion: refusals may skip numbers, no number is ever given twice', async () => {
      const project = await createProject(owner, ws, 'GAPS');
      const doomed = await createLabel(owner, ws, 'short-lived');
      const results = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          if (i === 20) {
            const res = await api(`/labels/${doomed}`, { method: 'DELETE', token: owner.idToken });
            expect(res.status).toBe(204);
          }
          return api<Task>(`/projects/${project}/tasks`, {
            method: 'POST',
            token: writer().idToken,
            body: { title: `Racer ${i}`, labelIds: [doomed] },
          });
        }),
      );
      const made = results.filter((r) => r.status === 201);
      for (const res of results.filter((r) => r.status !== 201))
        expect([res.status, fieldsOf(res)]).toEqual([400, ['labelIds']]);
      const numbers = made.map((r) => r.body.number);
      expect(new Set(numbers).size).toBe(made.length);
      const { taskSeq } = (await storedProject(ws, project))!;
      // Numbers skipped are at most the refusals; every number given is at most the counter.
      expect(taskSeq - made.length).toBeGreaterThanOrEqual(0);
      expect(taskSeq - made.length).toBeLessThanOrEqual(results.length - made.length);
      expect(Math.max(0, ...numbers)).toBeLessThanOrEqual(taskSeq);
      // The next creation takes a number after every one taken so far, skipped ones included.
      expect((await createTask(writer(), project, { title: 'After' })).number).toBe(taskSeq + 1);
    });
  });

  describe('moves', () => {
    it('keeps a total order over 150 random moves (30 tasks, random columns and neighbours)', async () => {
      const project = await createProject(owner, ws, 'MOVE');
      let seed = Number(process.env.TASKS_MOVE_SEED ?? Date.now() % 100_000);
      const seedUsed = seed;
      const random = () => {
        seed = (seed * 16807) % 2147483647;
        return (seed - 1) / 2147483646;
      };
      const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
      const columns = Object.fromEntries(TASK_STATUSES.map((s) => [s, [] as string[]])) as Record<
        TaskStatus,
        string[]
      >;
      const versions = new Map<string, number>();
      const statusOf = new Map<string, TaskStatus>();
      for (let i = 0; i < 30; i++) {
        const status = pick(TASK_STATUSES);
        const task = await createTask(writer(), project, { title: `Card ${i}`, status });
        columns[status].push(task.id);
        versions.set(task.id, 1);
        statusOf.set(task.id, status);
      }
      const expected = () => TASK_STATUSES.flatMap((s) => columns[s]);
      const board = async () =>
        (await api<Page<Task>>(`/projects/${project}/tasks?limit=100`, { token: writer().idToken })).body
          .items;
      expect((await board()).map((t) => t.id)).toEqual(expected());

      for (let move = 0; move < 150; move++) {
        const taskId = pick(expected());
        const from = statusOf.get(taskId)!;
        columns[from].splice(columns[from].indexOf(taskId), 1);
        const status = pick(TASK_STATUSES);
        const target = columns[status];
        const at = Math.floor(random() * (target.length + 1));
        const above = target[at - 1];
        const below = target[at];
        // Which neighbours to name: any combination that pins the place down (none only for the bottom).
        const options: Array<Record<string, string>> = [];
        if (above && below) options.push({ beforeId: above, afterId: below });
        if (above) options.push({ beforeId: above });
        if (below) options.push({ afterId: below });
        if (!below) options.push({});
        const neighbours = pick(options);
        const res = await api<Task>(`/tasks/${taskId}/move`, {
          method: 'POST',
          token: writer().idToken,
          body: { version: versions.get(taskId), status, ...neighbours },
        });
        if (res.status !== 200) {
          throw new Error(
            `move ${move} (seed ${seedUsed}) failed: ${res.status} ${JSON.stringify(res.body)}`,
          );
        }
        target.splice(at, 0, taskId);
        statusOf.set(taskId, status);
        versions.set(taskId, res.body.version);
        expect(res.body.status).toBe(status);
        const order = (await board()).map((t) => t.id);
        if (JSON.stringify(order) !== JSON.stringify(expected())) {
          throw new Error(`board order differs after move ${move} (seed ${seedUsed})`);
        }
      }
      const final = await board();
      expect(final.map((t) => t.id)).toEqual(expected());
      expect(new Set(final.map((t) => `${t.status}#${t.rank}`)).size).toBe(30);
      expect(Math.max(...final.map((t) => t.rank.length))).toBeLessThan(40);
    }, 120_000);

    it('writes only the moved task, records a moved activity, and checks the version', async () => {
      const project = await createProject(owner, ws, 'MOVEONE');
      const [a, b, c] = [
        await createTask(writer(), project, { title: 'A' }),
        await createTask(writer(), project, { title: 'B' }),
        await createTask(writer(), project, { title: 'C' }),
      ];
      const res = await api<Task>(`/tasks/${c.id}/move`, {
        method: 'POST',
        token: writer().idToken,
        body: { version: 1, status: 'todo', beforeId: a.id, afterId: b.id },
      });
      expect(res.status).toBe(200);
      expect(res.body.rank > a.rank && res.body.rank < b.rank).toBe(true);
      const { items } = await listTasks(project);
      expect(items.map((t) => t.title)).toEqual(['A', 'C', 'B']);
      expect(items.find((t) => t.id === a.id)).toEqual(a);
      expect(items.find((t) => t.id === b.id)).toEqual(b);

      const toDone = await api<Task>(`/tasks/${a.id}/move`, {
        method: 'POST',
        token: writer().idToken,
        body: { version: 1, status: 'done' },
      });
      expect(toDone.body).toMatchObject({ status: 'done', version: 2, completedAt: toDone.body.updatedAt });
      const activity = (await api<Page<Activity>>(`/tasks/${a.id}/activity`, { token: viewer.idToken })).body;
      expect(activity.items[0]).toMatchObject({
        action: 'moved',
        changes: { status: { from: 'todo', to: 'done' } },
      });

      const stale = await api<ErrorBody<Task>>(`/tasks/${c.id}/move`, {
        method: 'POST',
        token: writer().idToken,
        body: { version: 1, status: 'todo' },
      });
      expect(stale.status).toBe(409);
      expectErrorShape(stale.body, 'VERSION_CONFLICT');
      expect(stale.body.current).toMatchObject({ id: c.id, version: 2 });
    });
  });

  describe('lists', () => {
    let project: string;
    let listSprint: string;
    let all: Task[];
    beforeAll(async () => {
      project = await createProject(owner, ws, 'LIST');
      listSprint = (await createSprint(owner, project)).id;
      const assignee = pool[0]!;
      for (let i = 0; i < 30; i++) {
        await createTask(writer(), project, {
          title: i % 5 === 0 ? `Fix the Login page ${i}` : `Task ${i}`,
          description: i % 7 === 0 ? 'Mentions LOGIN in the body' : null,
          status: TASK_STATUSES[i % 4],
          assigneeIds: i % 2 === 0 ? [assignee.userId] : [],
          labelIds: i % 3 === 0 ? [labelId] : [],
          dueDate: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`,
          sprintId: i % 4 === 0 ? listSprint : null,
        });
      }
      all = (await listTasks(project)).items;
    }, 60_000);

    it('returns the board in status order, rank within', () => {
      expect(all).toHaveLength(30);
      const order = all.map((t) => `${TASK_STATUSES.indexOf(t.status)}#${t.rank}`);
      expect(order).toEqual([...order].sort());
      expect(all[0]).not.toHaveProperty('titleLower');
      expect(all[0]).not.toHaveProperty('descriptionLower');
    });

    it('pages with limit 7: every task exactly once, full pages', async () => {
      const { items, pages } = await listTasks(project, '', 7);
      expect(items.map((t) => t.id)).toEqual(all.map((t) => t.id));
      expect(pages).toEqual([7, 7, 7, 7, 2]);
    });

    const filters = [
      'assigneeId',
      'labelId',
      'status',
      'q',
      'dueBefore',
      'sprintId',
      'sprintId=none',
    ] as const;

    it.each(filters)(
      'pages a filter (%s) with limit 7: every match exactly once, full pages',
      async (name) => {
        const assignee = pool[0]!.userId;
        const sprint = listSprint;
        const cases: Record<(typeof filters)[number], [string, (t: Task) => boolean]> = {
          assigneeId: [`&assigneeId=${assignee}`, (t) => t.assigneeIds.includes(assignee)],
          labelId: [`&labelId=${labelId}`, (t) => t.labelIds.includes(labelId)],
          status: ['&status=in_progress', (t) => t.status === 'in_progress'],
          q: ['&q=LoGiN', (t) => /login/i.test(t.title) || /login/i.test(t.description ?? '')],
          dueBefore: ['&dueBefore=2026-03-10', (t) => t.dueDate! < '2026-03-10'],
          sprintId: [`&sprintId=${sprint}`, (t) => t.sprintId === sprint],
          'sprintId=none': ['&sprintId=none', (t) => t.sprintId === null],
        };
        const [query, keep] = cases[name];
        const { items, pages } = await listTasks(project, query, 7);
        const expected = all.filter(keep);
        expect(expected.length).toBeGreaterThan(0);
        expect(items.map((t) => t.id)).toEqual(expected.map((t) => t.id));
        const sizes: number[] = [];
        for (let left = expected.length; left > 0; left -= 7) sizes.push(Math.min(7, left));
        expect(pages).toEqual(sizes);
      },
    );

    it('combines filters', async () => {
      const { items } = await listTasks(
        project,
        `&status=todo&labelId=${labelId}&assigneeId=${pool[0]!.userId}`,
        7,
      );
      expect(items.map((t) => t.id)).toEqual(
        all
          .filter(
            (t) =>
              t.status === 'todo' && t.labelIds.includes(labelId) && t.assigneeIds.includes(pool[0]!.userId),
          )
          .map((t) => t.id),
      );
    });
  });

  describe('delete and restore', () => {
    it('hides a deleted task from the board, keeps it readable, and restores it at the bottom', async () => {
      const project = await createProject(owner, ws, 'DEL');
      const creator = writer();
      const [a, b, c] = [
        await createTask(creator, project, { title: 'A' }),
        await createTask(creator, project, { title: 'B' }),
        await createTask(creator, project, { title: 'C' }),
      ];
      expect((await storedProject(ws, project))?.taskCount).toBe(3);

      const stale = await api(`/tasks/${a.id}?version=7`, { method: 'DELETE', token: creator.idToken });
      expect(stale.status).toBe(409);
      expectErrorShape(stale.body, 'VERSION_CONFLICT');

      const deleted = await api<Task>(`/tasks/${a.id}?version=1`, {
        method: 'DELETE',
        token: creator.idToken,
      });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toMatchObject({ id: a.id, version: 2, deletedAt: expect.any(String) });
      expect((await listTasks(project)).items.map((t) => t.title)).toEqual(['B', 'C']);
      expect((await storedProject(ws, project))?.taskCount).toBe(2);
      const read = await api<Task>(`/tasks/${a.id}`, { token: viewer.idToken });
      expect([read.status, read.body.deletedAt]).toEqual([200, deleted.body.deletedAt]);

      // With includeDeleted the deleted tasks follow the live ones (oldest deletion first), paged alike.
      await api(`/tasks/${b.id}?version=1`, { method: 'DELETE', token: owner.idToken });
      const withDeleted = await listTasks(project, '&includeDeleted=true', 1);
      expect(withDeleted.items.map((t) => t.title)).toEqual(['C', 'A', 'B']);
      expect(withDeleted.pages).toEqual([1, 1, 1]);
      expect(
        (await listTasks(project, '&includeDeleted=true&status=todo', 2)).items.map((t) => t.title),
      ).toEqual(['C', 'A', 'B']);

      // A deleted task cannot change, nor be deleted again.
      const patch = await api(`/tasks/${a.id}`, {
        method: 'PATCH',
        token: creator.idToken,
        body: { version: 2, title: 'x' },
      });
      expect(patch.status).toBe(409);
      expectErrorShape(patch.body, 'CONFLICT');
      const again = await api(`/tasks/${a.id}?version=2`, { method: 'DELETE', token: creator.idToken });
      expect(again.status).toBe(409);
      const onDeleted = await api(`/tasks/${c.id}/move`, {
        method: 'POST',
        token: creator.idToken,
        body: { version: 1, status: 'todo', beforeId: a.id },
      });
      expect([onDeleted.status, fieldsOf(onDeleted)]).toEqual([400, ['beforeId']]);

      const restored = await api<Task>(`/tasks/${a.id}/restore`, { method: 'POST', token: creator.idToken });
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({ deletedAt: null, version: 3, status: 'todo' });
      expect((await listTasks(project)).items.map((t) => t.title)).toEqual(['C', 'A']);
      expect((await storedProject(ws, project))?.taskCount).toBe(2);
      const notDeleted = await api(`/tasks/${a.id}/restore`, { method: 'POST', token: creator.idToken });
      expect(notDeleted.status).toBe(409);
      expectErrorShape(notDeleted.body, 'CONFLICT');

      const activity = (
        await api<Page<Activity>>(`/projects/${project}/activity?limit=100`, { token: viewer.idToken })
      ).body.items;
      expect(activity.slice(0, 3).map((x) => [x.action, x.entityId])).toEqual([
        ['restored', a.id],
        ['deleted', b.id],
        ['deleted', a.id],
      ]);
      expect(activity[2]!.changes).toEqual({ deletedAt: { from: null, to: deleted.body.deletedAt } });
      expect(activity.map((x) => x.id)).toEqual([...activity.map((x) => x.id)].sort().reverse());
      expect(activity).toHaveLength(3 + 3);
    });

    it('refuses to restore more than 30 days after the deletion (409)', async () => {
      const creator = writer();
      const task = await createTask(creator, projectId, { title: 'Old' });
      await api(`/tasks/${task.id}?version=1`, { method: 'DELETE', token: creator.idToken });
      const longAgo = new Date(Date.now() - 31 * 86_400_000).toISOString();
      await db().send(
        new UpdateCommand({
          TableName: table(),
          Key: keys.task(task.id),
          UpdateExpression: 'SET deletedAt = :at, GSI1SK = :at',
          ExpressionAttributeValues: { ':at': longAgo },
        }),
      );
      const res = await api(`/tasks/${task.id}/restore`, { method: 'POST', token: creator.idToken });
      expect(res.status).toBe(409);
      expectErrorShape(res.body, 'CONFLICT');
      expect((await api<Task>(`/tasks/${task.id}`, { token: creator.idToken })).body.deletedAt).toBe(longAgo);
    });
  });

  describe('roles', () => {
    let task: Task;
    let creator: TestUser;
    beforeAll(async () => {
      creator = pool[2]!;
      task = await createTask(creator, projectId, { title: 'Owned by a member' });
    });

    it('lets viewers read but not create, patch or move (403)', async () => {
      expect((await api(`/tasks/${task.id}`, { token: viewer.idToken })).status).toBe(200);
      expect((await api(`/projects/${projectId}/tasks`, { token: viewer.idToken })).status).toBe(200);
      const calls: Array<[string, string, unknown]> = [
        ['POST', `/projects/${projectId}/tasks`, { title: 'x' }],
        ['PATCH', `/tasks/${task.id}`, { version: 1, title: 'x' }],
        ['POST', `/tasks/${task.id}/move`, { version: 1, status: 'done' }],
        ['DELETE', `/tasks/${task.id}?version=1`, undefined],
        ['POST', `/tasks/${task.id}/restore`, undefined],
      ];
      for (const [method, url, body] of calls) {
        const res = await api(url, { method, token: viewer.idToken, body });
        expect([method, url, res.status]).toEqual([method, url, 403]);
        expectErrorShape(res.body, 'FORBIDDEN');
      }
    });

    it('answers non-members 404 everywhere, and members 404 for a task that does not exist', async () => {
      const missing = `${ws}.${ulid()}`;
      const calls: Array<[string, string, unknown]> = [
        ['POST', `/projects/${projectId}/tasks`, { title: 'x' }],
        ['GET', `/projects/${projectId}/tasks`, undefined],
        ['GET', `/projects/${projectId}/activity`, undefined],
        ['GET', `/tasks/${task.id}`, undefined],
        ['PATCH', `/tasks/${task.id}`, { version: 1, title: 'x' }],
        ['POST', `/tasks/${task.id}/move`, { version: 1, status: 'done' }],
        ['DELETE', `/tasks/${task.id}?version=1`, undefined],
        ['POST', `/tasks/${task.id}/restore`, undefined],
        ['GET', `/tasks/${task.id}/activity`, undefined],
      ];
      for (const [method, url, body] of calls) {
        const res = await api(url, { method, token: stranger.idToken, body });
        expect([method, url, res.status]).toEqual([method, url, 404]);
        expectErrorShape(res.body, 'NOT_FOUND');
      }
      for (const [method, url, body] of calls) {
        const res = await api(url.replace(task.id, missing).replace(projectId, `${ws}.${ulid()}`), {
          method,
          token: creator.idToken,
          body,
        });
        expect([method, url, res.status]).toEqual([method, url, 404]);
      }
      expect((await api<Task>(`/tasks/${task.id}`, { token: creator.idToken })).body.version).toBe(1);
    });

    it('lets a member delete only the tasks they created; owners any', async () => {
      const other = pool.find((u) => u !== creator)!;
      const denied = await api(`/tasks/${task.id}?version=1`, { method: 'DELETE', token: other.idToken });
      expect(denied.status).toBe(403);
      const deniedRestore = await api(`/tasks/${task.id}/restore`, { method: 'POST', token: other.idToken });
      expect(deniedRestore.status).toBe(403);
      const ok = await api(`/tasks/${task.id}?version=1`, { method: 'DELETE', token: creator.idToken });
      expect(ok.status).toBe(200);
      const restored = await api(`/tasks/${task.id}/restore`, {
        method: 'POST',
        token: owner.idToken,
        body: { version: 2 },
      });
      expect(restored.status).toBe(200);
      const byOwner = await api(`/tasks/${task.id}?version=3`, { method: 'DELETE', token: owner.idToken });
      expect(byOwner.status).toBe(200);
    });
  });
});
