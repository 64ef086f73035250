import { ulid } from 'ulid';
import type { Goal } from '#shared/schemas/goals';
import type { Label, Project } from '#shared/schemas/projects';
import type { Activity, Task } from '#shared/schemas/tasks';
import type { Member } from '#shared/schemas/workspaces';
import { addTeam, api, expectErrorShape, signUpUser, type Team, type TestUser } from './support.ts';
import { created, read, type Page } from './fixtures.ts';

type Plain = Record<string, unknown>;
interface ExportedTask extends Task {
  subtasks: Plain[];
  comments: Plain[];
  activity: Activity[];
}
interface ExportedProject extends Project {
  sprints: Plain[];
  tasks: ExportedTask[];
  activity: Activity[];
}
interface WorkspaceExport {
  exportedAt: string;
  workspace: { id: string; name: string; createdAt: string; updatedAt: string; version: number };
  members: Member[];
  labels: Label[];
  projects: ExportedProject[];
  goals: Goal[];
}

describe('workspace export', () => {
  let owner: TestUser;
  let team: Team;
  let ws: string;
  let projectA: Project;
  let projectB: Project;
  let label: Label;
  let goal: Goal;
  let personalGoal: Goal;
  let tasks: { linked: Task; done: Task; deleted: Task; other: Task };
  let subtaskId: string;
  let commentId: string;
  const pendingInvitee = `pending-${ulid().toLowerCase()}@example.com`;

  beforeAll(async () => {
    owner = await signUpUser('Export Owner');
    ws = (await created<{ id: string }>(owner, '/workspaces', { name: 'Export Ça Co!' })).id;
    team = await addTeam(owner, ws);
    [projectA, projectB] = [
      await created<Project>(owner, `/workspaces/${ws}/projects`, { name: 'Alpha', key: 'EXA' }),
      await created<Project>(owner, `/workspaces/${ws}/projects`, { name: 'Beta', key: 'EXB' }),
    ];
    label = await created<Label>(owner, `/workspaces/${ws}/labels`, { name: 'Bug', color: '#ff0000' });
    goal = await created<Goal>(owner, '/goals', { title: 'Ship Alpha', workspaceId: ws });
    personalGoal = await created<Goal>(owner, '/goals', { title: 'Owner only' });

    const linked = await created<Task>(team.member, `/projects/${projectA.id}/tasks`, {
      title: 'Linked task',
      labelIds: [label.id],
      assigneeIds: [team.member.userId],
      goalId: goal.id,
    });
    const done = await created<Task>(owner, `/projects/${projectA.id}/tasks`, {
      title: 'Done task',
      status: 'done',
    });
    const deleted = await created<Task>(owner, `/projects/${projectA.id}/tasks`, { title: 'Deleted task' });
    const removal = await api(`/tasks/${deleted.id}?version=${deleted.version}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    if (removal.status !== 200) throw new Error(`task delete failed: ${removal.status}`);
    const other = await created<Task>(owner, `/projects/${projectB.id}/tasks`, { title: 'Beta task' });
    tasks = { linked, done, deleted, other };

    subtaskId = (await created(team.member, `/tasks/${linked.id}/subtasks`, { title: 'Write the Spec' })).id;
    commentId = (await created(team.member, `/tasks/${linked.id}/comments`, { body: 'Looks good' })).id;

    // A pending invitation: its email, token and hash must not leak into the export.
    await created(owner, `/workspaces/${ws}/invitations`, { email: pendingInvitee, role: 'member' });
  }, 180_000);

  const exportAs = (user: TestUser, workspaceId = ws) =>
    api<WorkspaceExport>(`/workspaces/${workspaceId}/export`, { token: user.idToken });

  it('owners get the whole workspace as one JSON attachment, every object in its API shape', async () => {
    const res = await exportAs(owner);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="teamflow-export-ca-co-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    const doc = res.body;
    expect(Date.parse(doc.exportedAt)).not.toBeNaN();
    expect(res.headers.get('content-disposition')).toContain(doc.exportedAt.slice(0, 10));

    const workspace = await read<Plain>(owner, `/workspaces/${ws}`);
    expect(doc.workspace).toEqual({
      id: ws,
      name: 'Export Ça Co!',
      createdAt: workspace.createdAt,
      updatedAt: workspace.updatedAt,
      version: workspace.version,
    });

    // Members exactly as the members route shows them.
    const members = await read<Page<Member>>(owner, `/workspaces/${ws}/members`);
    expect(doc.members).toHaveLength(4);
    expect([...doc.members].sort((a, b) => a.userId.localeCompare(b.userId))).toEqual(
      [...members.items].sort((a, b) => a.userId.localeCompare(b.userId)),
    );
    expect(doc.labels).toEqual([label]);

    // Projects in creation order, each as GET /projects/{id} shows it, with its sprints, tasks and history.
    expect(doc.projects.map((p) => p.id)).toEqual([projectA.id, projectB.id]);
    for (const exported of doc.projects) {
      const { sprints, tasks: exportedTasks, activity, ...project } = exported;
      expect(project).toEqual(await read<Project>(owner, `/projects/${exported.id}`));
      expect(sprints).toEqual([]);
      const history = await read<Page<Activity>>(owner, `/projects/${exported.id}/activity?limit=100`);
      // The project's own history (project and sprint changes), oldest first.
      expect(activity).toEqual(
        history.items.filter((a) => a.entityType === 'project' || a.entityType === 'sprint').reverse(),
      );
      for (const task of exportedTasks) {
        const { subtasks, comments, activity: taskHistory, ...view } = task;
        expect(view).toEqual(await read<Task>(owner, `/tasks/${task.id}`));
        const own = await read<Page<Activity>>(owner, `/tasks/${task.id}/activity?limit=100`);
        expect(taskHistory).toEqual([...own.items].reverse());
        expect(taskHistory[0]).toEqual(expect.objectContaining({ action: 'created', entityId: task.id }));
        if (task.id !== tasks.linked.id) {
          expect(subtasks).toEqual([]);
          expect(comments).toEqual([]);
        }
      }
    }

    // Live tasks in board order (todo before done), then the deleted one, with deletedAt.
    const [alpha, beta] = doc.projects;
    expect(alpha!.tasks.map((t) => t.id)).toEqual([tasks.linked.id, tasks.done.id, tasks.deleted.id]);
    expect(alpha!.tasks[2]!.deletedAt).toEqual(expect.any(String));
    expect(alpha!.tasks[0]).toEqual(
      expect.objectContaining({
        key: 'EXA-1',
        labelIds: [label.id],
        assigneeIds: [team.member.userId],
        goalId: goal.id,
      }),
    );
    expect(beta!.tasks.map((t) => t.id)).toEqual([tasks.other.id]);

    // Subtasks and comments of the task, without keys, type or search copies.
    const linked = alpha!.tasks[0]!;
    expect(linked.subtasks).toEqual([
      expect.objectContaining({
        id: subtaskId,
        taskId: tasks.linked.id,
        title: 'Write the Spec',
        done: false,
      }),
    ]);
    expect(linked.comments).toEqual([
      expect.objectContaining({ id: commentId, taskId: tasks.linked.id, body: 'Looks good' }),
    ]);
    for (const inner of [...linked.subtasks, ...linked.comments]) {
      for (const internal of ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'type', 'titleLower', 'bodyLower'])
        expect(inner).not.toHaveProperty(internal);
    }

    // Workspace goals only (a personal goal is its owner's, not the workspace's), with progress.
    expect(doc.goals).toEqual([await read<Goal>(owner, `/goals/${goal.id}`)]);
    expect(doc.goals[0]).toEqual(expect.objectContaining({ taskCount: 1, doneCount: 0, progress: 0 }));
    expect(JSON.stringify(doc)).not.toContain(personalGoal.id);
  });

  it('carries no secrets: no invitations, tokens or internal attributes', async () => {
    const res = await exportAs(owner);
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(pendingInvitee);
    for (const internal of [
      'tokenHash',
      'INVITE',
      '"PK"',
      '"SK"',
      'GSI1PK',
      'GSI2PK',
      'GSI3PK',
      'taskSeq',
      'titleLower',
    ])
      expect(text).not.toContain(internal);
  });

  it('admins may export; members and viewers get 403; non-members and unknown workspaces 404', async () => {
    const byAdmin = await exportAs(team.admin);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.projects.map((p) => p.id)).toEqual([projectA.id, projectB.id]);
    for (const user of [team.member, team.viewer]) {
      const res = await exportAs(user);
      expect(res.status).toBe(403);
      expectErrorShape(res.body, 'FORBIDDEN');
    }
    const outsider = await exportAs(team.outsider);
    expect(outsider.status).toBe(404);
    expectErrorShape(outsider.body, 'NOT_FOUND');
    const unknown = await exportAs(owner, '01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(unknown.status).toBe(404);
    expectErrorShape(unknown.body, 'NOT_FOUND');
    const malformed = await exportAs(owner, 'not-a-workspace');
    expect(malformed.status).toBe(400);
    expectErrorShape(malformed.body, 'VALIDATION_ERROR');
  });

  it('an empty workspace exports as empty lists', async () => {
    const solo = await signUpUser('Solo Exporter');
    const empty = (await created<{ id: string }>(solo, '/workspaces', { name: '***' })).id;
    const res = await exportAs(solo, empty);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      expect.objectContaining({
        labels: [],
        projects: [],
        goals: [],
        members: [expect.objectContaining({ userId: solo.userId, role: 'owner' })],
      }),
    );
    // A name with nothing to make a slug of falls back to the workspace id.
    expect(res.headers.get('content-disposition')).toContain(`filename="teamflow-${empty}-`);
  });
});
