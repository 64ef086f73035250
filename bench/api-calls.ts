/**
 * DynamoDB requests per API call, for every route built so far: runs one realistic request of each against a
 * local stack whose functions report, per request, the DynamoDB operations they sent (x-dynamodb-calls).
 * Goal: one Query/GetItem (or BatchGetItem with the membership) per read, one transaction per write, plus, on
 * the signed-in requests that take the next share of the per-user rate limit's window (the 1st, 2nd, 4th, 8th,
 * 16th and then every 10th of a user's requests in a minute, per instance), one UpdateItem of its counter.
 */
import { httpRoutes, routeKeyOf } from '../shared/routes.ts';
import type { LocalOutputs } from '../infra/local/stack.ts';
import { signUpLocalUser, type LocalUser } from '../test/users.ts';
import { withBenchStack } from './load.ts';

interface Step {
  route: string;
  status: number;
  calls: Record<string, number>;
}

async function call(
  o: LocalOutputs,
  steps: Step[],
  route: string,
  path: string,
  options: { method?: string; user?: LocalUser; body?: unknown } = {},
) {
  const res = await fetch(`${o.local.gatewayUrl}/api${path}`, {
    method: options.method ?? 'GET',
    headers: {
      ...(options.user ? { authorization: `Bearer ${options.user.idToken}` } : {}),
      ...(options.body ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  const text = await res.text();
  steps.push({ route, status: res.status, calls: JSON.parse(res.headers.get('x-dynamodb-calls') ?? '{}') });
  return (text ? JSON.parse(text) : {}) as Record<string, never>;
}

/** The first match of `pattern` in the newest email to `to` that has one (mail goes stream → queue → worker). */
async function fromLatestMail(o: LocalOutputs, to: string, pattern: RegExp): Promise<string> {
  return poll(async () => {
    const { emails } = (await (await fetch(`${o.mailUrl}/store`)).json()) as {
      emails: Array<{ destination: { to: string[] }; body: { text?: string } }>;
    };
    const texts = emails.filter((m) => m.destination.to.includes(to)).map((m) => m.body.text ?? '');
    if (process.env.DEBUG_MAIL) console.log(texts.map((t) => t.slice(0, 400)));
    return texts.map((text) => pattern.exec(text)?.[1]).findLast(Boolean);
  }, `no mail to ${to} matching ${pattern}`);
}

/** Asks `probe` every 100 ms for up to 30 s until it has an answer (these calls are not counted). */
async function poll<T>(probe: () => Promise<T | undefined>, failure: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const answer = await probe();
    if (answer !== undefined) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(failure);
}

export async function apiCalls(root: string): Promise<void> {
  await withBenchStack(root, { TEAMFLOW_EXPOSE_DB_CALLS: '1' }, async (stack) => {
    const o = stack.outputs;
    const [owner, invitee] = await Promise.all([signUpLocalUser(o, 'Owner'), signUpLocalUser(o, 'Invitee')]);
    const steps: Step[] = [];
    const as = (user: LocalUser) => ({ user });
    const post = (user: LocalUser, body: unknown) => ({ method: 'POST', user, body });
    const patch = (user: LocalUser, body: unknown) => ({ method: 'PATCH', user, body });
    const del = (user: LocalUser) => ({ method: 'DELETE', user });
    await call(o, steps, 'GET /api/health', '/health');
    await call(o, steps, 'GET /api/me', '/me', as(owner));
    await call(o, steps, 'PATCH /api/me', '/me', patch(owner, { timezone: 'Europe/Paris' }));
    const ws = await call(o, steps, 'POST /api/workspaces', '/workspaces', post(owner, { name: 'Bench' }));
    await call(o, steps, 'GET /api/workspaces', '/workspaces', as(owner));
    await call(o, steps, 'GET /api/workspaces/{workspaceId}', `/workspaces/${ws.id}`, as(owner));
    await call(
      o,
      steps,
      'PATCH /api/workspaces/{workspaceId}',
      `/workspaces/${ws.id}`,
      patch(owner, { name: 'Bench 2', version: 1 }),
    );
    const invitation = await call(
      o,
      steps,
      'POST /api/workspaces/{workspaceId}/invitations',
      `/workspaces/${ws.id}/invitations`,
      post(owner, { email: invitee.email, role: 'member' }),
    );
    await call(
      o,
      steps,
      'GET /api/workspaces/{workspaceId}/invitations',
      `/workspaces/${ws.id}/invitations`,
      as(owner),
    );
    const token = await fromLatestMail(o, invitee.email, /\/invitations\/([A-Za-z0-9_-]{43})/);
    await call(o, steps, 'GET /api/invitations/{token}', `/invitations/${token}`, as(invitee));
    await call(o, steps, 'POST /api/invitations/{token}/accept', `/invitations/${token}/accept`, {
      method: 'POST',
      user: invitee,
    });
    const other = await call(
      o,
      steps,
      'POST /api/workspaces/{workspaceId}/invitations',
      `/workspaces/${ws.id}/invitations`,
      post(owner, { email: 'nobody@example.com', role: 'viewer' }),
    );
    await call(o, steps, 'DELETE /api/invitations/{invitationId}', `/invitations/${other.id}`, del(owner));
    void invitation;
    await call(
      o,
      steps,
      'GET /api/workspaces/{workspaceId}/members',
      `/workspaces/${ws.id}/members`,
      as(owner),
    );
    await call(
      o,
      steps,
      'PATCH /api/workspaces/{workspaceId}/members/{userId}',
      `/workspaces/${ws.id}/members/${invitee.userId}`,
      patch(owner, { role: 'admin' }),
    );
    const project = await call(
      o,
      steps,
      'POST /api/workspaces/{workspaceId}/projects',
      `/workspaces/${ws.id}/projects`,
      post(owner, { name: 'Bench', key: 'BEN' }),
    );
    await call(
      o,
      steps,
      'GET /api/workspaces/{workspaceId}/projects',
      `/workspaces/${ws.id}/projects`,
      as(owner),
    );
    await call(o, steps, 'GET /api/projects/{projectId}', `/projects/${project.id}`, as(owner));
    await call(
      o,
      steps,
      'PATCH /api/projects/{projectId}',
      `/projects/${project.id}`,
      patch(owner, { name: 'Bench 2', version: 1 }),
    );
    const label = await call(
      o,
      steps,
      'POST /api/workspaces/{workspaceId}/labels',
      `/workspaces/${ws.id}/labels`,
      post(owner, { name: 'bug', color: '#ff0000' }),
    );
    await call(
      o,
      steps,
      'GET /api/workspaces/{workspaceId}/labels',
      `/workspaces/${ws.id}/labels`,
      as(owner),
    );
    await call(
      o,
      steps,
      'PATCH /api/labels/{labelId}',
      `/labels/${label.id}`,
      patch(owner, { name: 'defect', version: 1 }),
    );

    // Tasks and what hangs off them.
    const sprint = await call(
      o,
      steps,
      'POST /api/projects/{projectId}/sprints',
      `/projects/${project.id}/sprints`,
      post(owner, { name: 'Sprint 1', startDate: '2026-03-02', endDate: '2026-03-13' }),
    );
    const goal = await call(
      o,
      steps,
      'POST /api/goals',
      '/goals',
      post(owner, { title: 'Launch', workspaceId: ws.id }),
    );
    const first = await call(
      o,
      steps,
      'POST /api/projects/{projectId}/tasks',
      `/projects/${project.id}/tasks`,
      post(owner, { title: 'First' }),
    );
    const task = await call(
      o,
      steps,
      'POST /api/projects/{projectId}/tasks',
      `/projects/${project.id}/tasks`,
      post(owner, {
        title: 'Bench task',
        assigneeIds: [owner.userId],
        labelIds: [label.id],
        sprintId: sprint.id,
        goalId: goal.id,
        dueDate: '2026-03-05',
        storyPoints: 3,
      }),
    );
    await call(o, steps, 'GET /api/projects/{projectId}/tasks', `/projects/${project.id}/tasks`, as(owner));
    await call(o, steps, 'GET /api/tasks/{taskId}', `/tasks/${task.id}`, as(owner));
    await call(
      o,
      steps,
      'PATCH /api/tasks/{taskId}',
      `/tasks/${task.id}`,
      patch(owner, { version: 1, priority: 'high' }),
    );
    await call(
      o,
      steps,
      'POST /api/tasks/{taskId}/move',
      `/tasks/${task.id}/move`,
      post(owner, { version: 2, status: 'todo', beforeId: null, afterId: first.id }),
    );
    await call(o, steps, 'DELETE /api/tasks/{taskId}', `/tasks/${first.id}?version=1`, del(owner));
    await call(o, steps, 'POST /api/tasks/{taskId}/restore', `/tasks/${first.id}/restore`, post(owner, {}));
    await call(o, steps, 'GET /api/tasks/{taskId}/activity', `/tasks/${task.id}/activity`, as(owner));
    await call(
      o,
      steps,
      'GET /api/projects/{projectId}/activity',
      `/projects/${project.id}/activity`,
      as(owner),
    );
    await call(
      o,
      steps,
      'GET /api/projects/{projectId}/changes',
      `/projects/${project.id}/changes?since=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`,
      as(owner),
    );
    await call(
      o,
      steps,
      'GET /api/workspaces/{workspaceId}/search',
      `/workspaces/${ws.id}/search?q=bench`,
      as(owner),
    );
    await call(o, steps, 'GET /api/me/tasks', '/me/tasks', as(owner));
    const subtask = await call(
      o,
      steps,
      'POST /api/tasks/{taskId}/subtasks',
      `/tasks/${task.id}/subtasks`,
      post(owner, { title: 'Step 1' }),
    );
    await call(
      o,
      steps,
      'POST /api/tasks/{taskId}/subtasks',
      `/tasks/${task.id}/subtasks`,
      post(owner, { items: [{ title: 'Step 2' }, { title: 'Step 3' }] }),
    );
    await call(o, steps, 'GET /api/tasks/{taskId}/subtasks', `/tasks/${task.id}/subtasks`, as(owner));
    await call(
      o,
      steps,
      'PATCH /api/subtasks/{subtaskId}',
      `/subtasks/${subtask.id}`,
      patch(owner, { version: 1, done: true }),
    );
    await call(o, steps, 'DELETE /api/subtasks/{subtaskId}', `/subtasks/${subtask.id}?version=2`, del(owner));
    const comment = await call(
      o,
      steps,
      'POST /api/tasks/{taskId}/comments',
      `/tasks/${task.id}/comments`,
      post(owner, { body: 'Looks good' }),
    );
    await call(o, steps, 'GET /api/tasks/{taskId}/comments', `/tasks/${task.id}/comments`, as(owner));
    await call(
      o,
      steps,
      'PATCH /api/comments/{commentId}',
      `/comments/${comment.id}`,
      patch(owner, { version: 1, body: 'Looks great' }),
    );
    await call(o, steps, 'DELETE /api/comments/{commentId}', `/comments/${comment.id}?version=2`, del(owner));

    // Notifications: a mention of the invitee is noticed on the table's stream (not counted here).
    await call(
      o,
      steps,
      'POST /api/tasks/{taskId}/comments',
      `/tasks/${task.id}/comments`,
      post(owner, { body: 'Over to you @Invitee' }),
    );
    const unread = (user: LocalUser) =>
      fetch(`${o.local.gatewayUrl}/api/notifications?unread=true`, {
        headers: { authorization: `Bearer ${user.idToken}` },
      }).then((r) => r.json() as Promise<{ items: Array<{ id: string }> }>);
    const note = await poll(async () => (await unread(invitee)).items[0], 'no notification for the mention');
    await call(o, steps, 'GET /api/notifications', '/notifications?unread=true', as(invitee));
    // Its email first: a notification read within the batching window is not emailed.
    const unsubscribe = await fromLatestMail(o, invitee.email, /\/unsubscribe\?token=([^\s"&<>]+)/);
    await call(
      o,
      steps,
      'POST /api/notifications/read',
      '/notifications/read',
      post(invitee, { ids: [note.id] }),
    );
    await call(o, steps, 'GET /api/unsubscribe', `/unsubscribe?token=${unsubscribe}`);
    await call(o, steps, 'POST /api/unsubscribe', `/unsubscribe?token=${unsubscribe}`, { method: 'POST' });

    // Attachments: create, the PUT straight to the storage (not the API), confirm, list, delete.
    const file = Buffer.from('TeamFlow bench attachment\n');
    const upload = (await call(
      o,
      steps,
      'POST /api/tasks/{taskId}/attachments',
      `/tasks/${task.id}/attachments`,
      post(owner, { fileName: 'notes.txt', contentType: 'text/plain', size: file.length }),
    )) as unknown as { id: string; uploadUrl: string; uploadHeaders: Record<string, string> };
    const put = await fetch(upload.uploadUrl, { method: 'PUT', headers: upload.uploadHeaders, body: file });
    if (!put.ok) throw new Error(`the presigned PUT failed: ${put.status}`);
    await call(
      o,
      steps,
      'POST /api/attachments/{attachmentId}/confirm',
      `/attachments/${upload.id}/confirm`,
      post(owner, {}),
    );
    await call(o, steps, 'GET /api/tasks/{taskId}/attachments', `/tasks/${task.id}/attachments`, as(owner));
    await call(o, steps, 'DELETE /api/attachments/{attachmentId}', `/attachments/${upload.id}`, del(owner));

    // AI breakdown: the request (the job runs on the AI queue's worker) and reading the job.
    const job = await call(
      o,
      steps,
      'POST /api/tasks/{taskId}/ai-breakdown',
      `/tasks/${task.id}/ai-breakdown`,
      post(owner, {}),
    );
    await call(o, steps, 'GET /api/jobs/{jobId}', `/jobs/${job.jobId}`, as(owner));
    await call(
      o,
      steps,
      'GET /api/projects/{projectId}/sprints',
      `/projects/${project.id}/sprints`,
      as(owner),
    );
    await call(o, steps, 'GET /api/sprints/{sprintId}', `/sprints/${sprint.id}`, as(owner));
    await call(
      o,
      steps,
      'PATCH /api/sprints/{sprintId}',
      `/sprints/${sprint.id}`,
      patch(owner, { version: 1, status: 'active' }),
    );
    await call(o, steps, 'GET /api/sprints/{sprintId}/burndown', `/sprints/${sprint.id}/burndown`, as(owner));
    await call(
      o,
      steps,
      'GET /api/projects/{projectId}/velocity',
      `/projects/${project.id}/velocity`,
      as(owner),
    );
    const planned = await call(
      o,
      steps,
      'POST /api/projects/{projectId}/sprints',
      `/projects/${project.id}/sprints`,
      post(owner, { name: 'Sprint 2', startDate: '2026-03-16', endDate: '2026-03-27' }),
    );
    await call(o, steps, 'DELETE /api/sprints/{sprintId}', `/sprints/${planned.id}?version=1`, del(owner));
    await call(o, steps, 'GET /api/goals', `/goals?workspaceId=${ws.id}`, as(owner));
    await call(o, steps, 'GET /api/goals/{goalId}', `/goals/${goal.id}`, as(owner));
    await call(
      o,
      steps,
      'PATCH /api/goals/{goalId}',
      `/goals/${goal.id}`,
      patch(owner, { version: 1, title: 'Launch v1' }),
    );
    await call(
      o,
      steps,
      'GET /api/workspaces/{workspaceId}/export',
      `/workspaces/${ws.id}/export`,
      as(owner),
    );
    await call(o, steps, 'DELETE /api/goals/{goalId}', `/goals/${goal.id}?version=2`, del(owner));

    await call(o, steps, 'DELETE /api/labels/{labelId}', `/labels/${label.id}`, del(owner));
    await call(o, steps, 'DELETE /api/projects/{projectId}', `/projects/${project.id}?version=2`, del(owner));
    await call(
      o,
      steps,
      'DELETE /api/workspaces/{workspaceId}/members/{userId}',
      `/workspaces/${ws.id}/members/${invitee.userId}`,
      del(owner),
    );
    await call(o, steps, 'DELETE /api/workspaces/{workspaceId}', `/workspaces/${ws.id}`, del(owner));

    console.log(
      "\n## DynamoDB requests per API call (incl. the rate limit's UpdateItem where a request took a share)",
    );
    for (const step of steps) {
      const total = Object.values(step.calls).reduce((a, b) => a + b, 0);
      const detail = Object.entries(step.calls)
        .map(([op, n]) => `${op}${n > 1 ? ` x${n}` : ''}`)
        .join(', ');
      console.log(
        `${step.route.padEnd(58)} ${String(step.status).padEnd(4)} ${String(total).padStart(2)}  ${detail}`,
      );
    }
    const measured = new Set(steps.map((s) => s.route));
    const missing = httpRoutes.map(routeKeyOf).filter((route) => !measured.has(route));
    if (missing.length) console.log(`\nNot measured: ${missing.join(', ')}`);
    const failed = steps.filter((s) => s.status >= 400);
    if (failed.length)
      console.log(
        `\nFailed (the figures of these are not meaningful): ${failed.map((s) => `${s.route} ${s.status}`).join(', ')}`,
      );
  });
}
