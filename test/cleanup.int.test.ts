import { ulid } from 'ulid';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ItemType, keys } from '#functions/store/keys';
import type { Activity, Task } from '#shared/schemas/tasks';
import { api, eventually, signUpUser, type TestUser } from './support.ts';
import {
  created,
  createLabel,
  createProject,
  createTask,
  createWorkspace,
  db,
  putItem,
  storedItem,
  table,
  type Item,
} from './fixtures.ts';

/**
 * The `cleanup` stream consumer end to end: a DELETE through the API, the REMOVE record through the local
 * stream poller, and the table read back directly (what no route can show any more). Subtasks, comments,
 * assignments, sprints and goals are put in the table directly, in the shape their keys give them, so these
 * tests do not depend on those routes.
 */

/** The clean-up runs from the stream; a workspace's runs in two steps (the workspace, then its projects). */
const CLEANUP_TIMEOUT_MS = 30_000;

async function partition(pk: string): Promise<Item[]> {
  const { Items } = await db().send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

async function index(indexName: 'GSI1' | 'GSI2' | 'GSI3', pk: string): Promise<Item[]> {
  const { Items } = await db().send(
    new QueryCommand({
      TableName: table(),
      IndexName: indexName,
      KeyConditionExpression: `${indexName}PK = :pk`,
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return Items ?? [];
}

/** Resolves once every probe finds nothing; fails with what is still there. */
async function eventuallyEmpty(probes: Record<string, () => Promise<Item[]>>): Promise<void> {
  let left: Record<string, number> = {};
  try {
    await eventually(async () => {
      left = {};
      for (const [name, probe] of Object.entries(probes)) {
        const items = await probe();
        if (items.length) left[name] = items.length;
      }
      return Object.keys(left).length === 0 ? true : undefined;
    }, CLEANUP_TIMEOUT_MS);
  } catch {
    throw new Error(`still there: ${JSON.stringify(left)}`);
  }
}

async function deleteTask(user: TestUser, task: Task) {
  const res = await api(`/tasks/${task.id}?version=${task.version}`, {
    method: 'DELETE',
    token: user.idToken,
  });
  if (res.status !== 200 && res.status !== 204) throw new Error(`task delete: ${res.status}`);
}

const getTask = (user: TestUser, taskId: string) => api<Task>(`/tasks/${taskId}`, { token: user.idToken });

/** Things a task partition holds besides the task, put directly (their routes are not needed here). */
async function fillTaskPartition(task: Task, userId: string) {
  const now = new Date().toISOString();
  const base = { workspaceId: task.workspaceId, projectId: task.projectId, taskId: task.id, createdAt: now };
  const subtaskId = `${task.id}.${ulid()}`;
  const commentId = `${task.id}.${ulid()}`;
  await Promise.all([
    putItem({
      ...keys.subtask(task.id, subtaskId),
      type: ItemType.Subtask,
      id: subtaskId,
      title: 's',
      ...base,
    }),
    putItem({
      ...keys.comment(task.id, commentId),
      type: ItemType.Comment,
      id: commentId,
      body: 'c',
      ...base,
    }),
    putItem({
      ...keys.assignment(task.id, userId),
      ...keys.assignedTo(userId, null, task.id),
      type: ItemType.Assignment,
      userId,
      ...base,
    }),
  ]);
}

describe('cleanup after a deleted project', () => {
  let owner: TestUser;
  let ws: string;

  beforeAll(async () => {
    owner = await signUpUser('Pia Project');
    ws = await createWorkspace(owner, 'Cleanup Projects Co');
  }, 60_000);

  it('deletes its tasks (live and deleted) with everything stored with them, and its own partition', async () => {
    const projectId = await createProject(owner, ws, 'GONE');
    const keptProjectId = await createProject(owner, ws, 'KEPT');
    const labelId = await createLabel(owner, ws, 'cleanup-project');
    const goal = await created(owner, '/goals', { title: 'Counts only live projects' });
    const tasks = [
      await createTask(owner, projectId, {
        title: 'One',
        labelIds: [labelId],
        assigneeIds: [owner.userId],
        goalId: goal.id,
      }),
      await createTask(owner, projectId, { title: 'Two', status: 'done', goalId: goal.id }),
      await createTask(owner, projectId, { title: 'Three' }),
    ];
    const patched = await api<Task>(`/tasks/${tasks[1]!.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: tasks[1]!.version, title: 'Two, renamed' },
    });
    expect(patched.status).toBe(200);
    await deleteTask(owner, tasks[2]!); // in the project's deleted index now
    await fillTaskPartition(tasks[0]!, owner.userId);
    const sprintId = `${projectId}.${ulid()}`;
    await putItem({ ...keys.sprint(projectId, sprintId), type: ItemType.Sprint, id: sprintId, projectId });
    const activityId = ulid();
    await putItem({
      ...keys.projectOwnActivity(projectId, activityId),
      ...keys.projectActivity(projectId, activityId),
      type: ItemType.Activity,
    });
    const kept = await createTask(owner, keptProjectId, { title: 'Elsewhere' });

    // What the clean-up must remove really is there before it runs.
    const sortKeys = (await partition(keys.task(tasks[0]!.id).PK)).map((i) =>
      String(i.SK).replace(/#.*/, '#'),
    );
    expect(sortKeys).toEqual(expect.arrayContaining(['#', 'ACT#', 'SUBTASK#', 'COMMENT#', 'ASSIGNEE#']));
    expect(await index('GSI1', keys.deletedOf(projectId))).toHaveLength(1);
    expect(await partition(keys.sprint(projectId, '').PK)).toHaveLength(2);
    const goalNow = () =>
      api<{ taskCount: number; doneCount: number }>(`/goals/${goal.id}`, { token: owner.idToken });
    expect((await goalNow()).body).toMatchObject({ taskCount: 2, doneCount: 1 });

    const project = await api<{ version: number }>(`/projects/${projectId}`, { token: owner.idToken });
    const res = await api(`/projects/${projectId}?version=${project.body.version}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(res.status).toBe(204);

    await eventuallyEmpty({
      ...Object.fromEntries(tasks.map((t) => [`task ${t.title}`, () => partition(keys.task(t.id).PK)])),
      board: () => index('GSI1', keys.boardOf(projectId)),
      deleted: () => index('GSI1', keys.deletedOf(projectId)),
      activity: () => index('GSI1', keys.activityOf(projectId)),
      'project partition': () => partition(keys.sprint(projectId, '').PK),
      "owner's assignments": async () =>
        (await index('GSI2', keys.assignedOf(owner.userId))).filter((i) => i.projectId === projectId),
    });
    // The other project of the workspace, its task and the label are untouched.
    const stillThere = await getTask(owner, kept.id);
    expect(stillThere.status).toBe(200);
    expect(stillThere.body.version).toBe(kept.version);
    expect(await partition(keys.task(kept.id).PK)).not.toHaveLength(0);
    expect(await storedItem(keys.label(ws, labelId))).toBeDefined();
    // The goal no longer counts the tasks of the deleted project.
    expect((await goalNow()).body).toMatchObject({ taskCount: 0, doneCount: 0 });
  }, 90_000);
});

describe('cleanup after a deleted workspace', () => {
  let owner: TestUser;
  let other: string;
  let otherOwner: TestUser;

  beforeAll(async () => {
    [owner, otherOwner] = await Promise.all([signUpUser('Wanda Workspace'), signUpUser('Olly Other')]);
    other = await createWorkspace(otherOwner, 'Stays Co');
  }, 60_000);

  it('deletes everything it held: members, invitations and their tokens, labels, projects and their tasks, goals', async () => {
    const ws = await createWorkspace(owner, 'Cleanup Workspace Co');
    const projectId = await createProject(owner, ws, 'WSP');
    const labelId = await createLabel(owner, ws, 'cleanup-workspace');
    const task = await createTask(owner, projectId, { title: 'In a doomed workspace', labelIds: [labelId] });
    await fillTaskPartition(task, owner.userId);
    const invite = await api(`/workspaces/${ws}/invitations`, {
      method: 'POST',
      token: owner.idToken,
      body: { email: `invitee-${ulid().toLowerCase()}@example.com`, role: 'member' },
    });
    expect(invite.status).toBe(201);
    const goalId = `${ws}.${ulid()}`;
    await putItem({
      ...keys.goal(goalId),
      ...keys.workspaceGoal(ws, goalId),
      type: ItemType.Goal,
      id: goalId,
    });
    const otherGoalId = `${other}.${ulid()}`;
    await putItem({
      ...keys.goal(otherGoalId),
      ...keys.workspaceGoal(other, otherGoalId),
      type: ItemType.Goal,
      id: otherGoalId,
    });

    const held = await partition(keys.workspace(ws).PK);
    const types = held.map((i) => i.type);
    for (const type of [
      ItemType.Workspace,
      ItemType.Member,
      ItemType.Invitation,
      ItemType.InvitationEmail,
      ItemType.Label,
      ItemType.LabelName,
      ItemType.Project,
      ItemType.ProjectKey,
    ]) {
      expect(types).toContain(type);
    }
    const tokenHash = held.find((i) => i.type === ItemType.Invitation)!.tokenHash as string;
    expect(await storedItem(keys.invitationToken(tokenHash))).toBeDefined();

    const res = await api(`/workspaces/${ws}`, { method: 'DELETE', token: owner.idToken });
    expect(res.status).toBe(204);

    await eventuallyEmpty({
      'workspace partition': () => partition(keys.workspace(ws).PK),
      'invitation token': async () => {
        const token = await storedItem(keys.invitationToken(tokenHash));
        return token ? [token] : [];
      },
      goals: () => index('GSI1', keys.workspaceGoalsOf(ws)),
      goal: async () => {
        const goal = await storedItem(keys.goal(goalId));
        return goal ? [goal] : [];
      },
      // Its project went with it, and that project's own clean-up removed the tasks.
      task: () => partition(keys.task(task.id).PK),
      board: () => index('GSI1', keys.boardOf(projectId)),
      search: () => index('GSI3', keys.tasksOfWorkspace(ws)),
    });
    // Nothing of another workspace.
    expect(await storedItem(keys.goal(otherGoalId))).toBeDefined();
    expect(await storedItem(keys.workspace(other))).toBeDefined();
    expect(await storedItem(keys.member(other, otherOwner.userId))).toBeDefined();
  }, 90_000);
});

describe('cleanup after a deleted label', () => {
  let owner: TestUser;
  let ws: string;
  let projectId: string;

  beforeAll(async () => {
    owner = await signUpUser('Lena Label');
    ws = await createWorkspace(owner, 'Cleanup Labels Co');
    projectId = await createProject(owner, ws, 'LBL');
  }, 60_000);

  const activityOf = async (taskId: string) => {
    const res = await api<{ items: Activity[] }>(`/tasks/${taskId}/activity`, { token: owner.idToken });
    expect(res.status).toBe(200);
    return res.body.items;
  };

  it('takes it out of every task that carries it, live or deleted, as a change with an activity', async () => {
    const gone = await createLabel(owner, ws, 'gone');
    const kept = await createLabel(owner, ws, 'kept');
    const both = await createTask(owner, projectId, { title: 'Both', labelIds: [kept, gone] });
    const onlyGone = await createTask(owner, projectId, { title: 'Only gone', labelIds: [gone] });
    const onlyKept = await createTask(owner, projectId, { title: 'Only kept', labelIds: [kept] });
    const deleted = await createTask(owner, projectId, { title: 'Deleted', labelIds: [gone, kept] });
    await deleteTask(owner, deleted);
    const deletedBefore = (await storedItem(keys.task(deleted.id)))!;

    const res = await api(`/labels/${gone}`, { method: 'DELETE', token: owner.idToken });
    expect(res.status).toBe(204);

    // Waited for in the table (polling the API would spend the owner's rate limit), then read through the API.
    const stored = await eventually(async () => {
      const items = await Promise.all([both, onlyGone, deleted].map((t) => storedItem(keys.task(t.id))));
      return items.every((t) => !(t!.labelIds as string[]).includes(gone)) ? items : undefined;
    }, CLEANUP_TIMEOUT_MS);
    const cleaned = {
      both: (await getTask(owner, both.id)).body,
      onlyGone: (await getTask(owner, onlyGone.id)).body,
      deleted: stored[2]!,
    };
    expect(cleaned.both).toMatchObject({ labelIds: [kept], version: both.version + 1, title: 'Both' });
    expect(cleaned.onlyGone).toMatchObject({ labelIds: [], version: onlyGone.version + 1 });
    expect(cleaned.deleted).toMatchObject({
      labelIds: [kept],
      version: (deletedBefore.version as number) + 1,
      deletedAt: deletedBefore.deletedAt,
    });
    // Still out of the board and the search (a deleted task stays deleted).
    expect(cleaned.deleted.GSI1PK).toBe(keys.deletedOf(projectId));
    expect(cleaned.deleted.GSI3PK).toBeUndefined();
    // The search index follows the change (its sort key carries updatedAt).
    const searchEntry = (await index('GSI3', keys.tasksOfWorkspace(ws))).find((i) => i.id === both.id);
    expect(searchEntry?.GSI3SK).toBe(`${cleaned.both.updatedAt}#${both.id}`);

    const [latest] = await activityOf(both.id);
    expect(latest).toMatchObject({
      actorId: 'system',
      action: 'updated',
      entityType: 'task',
      entityId: both.id,
      changes: { labelIds: { from: [kept, gone], to: [kept] } },
    });
    // A task without the label is not touched.
    const untouched = await getTask(owner, onlyKept.id);
    expect(untouched.body).toMatchObject({ labelIds: [kept], version: onlyKept.version });
    expect((await activityOf(onlyKept.id)).some((a) => a.actorId === 'system')).toBe(false);
  }, 90_000);

  it('never overwrites a change made to the task at the same time', async () => {
    // Tasks are renamed while the clean-up rewrites them: every change must survive.
    const gone = await createLabel(owner, ws, 'gone too');
    const tasks = await Promise.all(
      Array.from({ length: 6 }, (_, n) =>
        createTask(owner, projectId, { title: `Race ${n}`, labelIds: [gone] }),
      ),
    );
    const res = await api(`/labels/${gone}`, { method: 'DELETE', token: owner.idToken });
    expect(res.status).toBe(204);
    // Rename each task right away, from the version seen before the clean-up; a 409 means the clean-up got
    // there first, and then the rename is made again on top of it, as a client would.
    await Promise.all(
      tasks.map(async (task) => {
        let version = task.version;
        for (let attempt = 0; attempt < 3; attempt++) {
          const patch = await api<Task & { current?: Task }>(`/tasks/${task.id}`, {
            method: 'PATCH',
            token: owner.idToken,
            body: { version, title: `${task.title}, renamed` },
          });
          if (patch.status === 200) return;
          expect(patch.status).toBe(409);
          version = (patch.body as { current: Task }).current.version;
        }
        throw new Error('rename kept conflicting');
      }),
    );

    for (const task of tasks) {
      await eventually(async () => {
        const stored = await storedItem(keys.task(task.id));
        return (stored!.labelIds as string[]).includes(gone) ? undefined : stored;
      }, CLEANUP_TIMEOUT_MS);
      const final = (await getTask(owner, task.id)).body;
      // Both changes are there, each exactly once: the rename and the label's removal.
      expect(final).toMatchObject({
        title: `${task.title}, renamed`,
        labelIds: [],
        version: task.version + 2,
      });
      const history = await activityOf(task.id);
      expect(history.filter((a) => a.actorId === 'system')).toHaveLength(1);
      expect(history.filter((a) => a.changes.title)).toHaveLength(1);
    }
  }, 90_000);
});
