import fs from 'node:fs';
import path from 'node:path';
import { httpRoutes, routeKeyOf } from '#shared/routes';
import { unsubscribeToken } from '#functions/domain/notification-email';
import {
  addMember,
  api,
  expectErrorShape,
  invitationToken as tokenOf,
  mailTo,
  signUpUser,
  uniqueIp,
  type ApiResult,
  type TestUser,
} from './support.ts';
import { created, read, takingTurns, type Versioned } from './fixtures.ts';

/**
 * The roles table of the contract as a matrix: every route of the route table × owner, admin, member, viewer,
 * a non-member and no token, each answered with the contract's status (2xx where the role may, 403 where a
 * member's role may not, 404 for a non-member, who must not learn the thing exists, 401 without a token).
 *
 * Fixtures come from "setup" owners (a pool, so no one passes the 100 requests a minute); a route that changes
 * or removes its target gets a fresh target for each caller allowed to succeed. A route missing from CASES
 * fails the first test: a new route cannot skip the matrix.
 */

type Who = 'owner' | 'admin' | 'member' | 'viewer' | 'outsider' | 'anonymous';
const CALLERS: Who[] = ['owner', 'admin', 'member', 'viewer', 'outsider', 'anonymous'];

/** What each caller gets: 'ok' = any 2xx. */
type Outcome = 'ok' | 403 | 404 | 401;
type Expectation = Record<Who, Outcome>;

const anyMember: Expectation = {
  owner: 'ok',
  admin: 'ok',
  member: 'ok',
  viewer: 'ok',
  outsider: 404,
  anonymous: 401,
};
const writers: Expectation = { ...anyMember, viewer: 403 };
const managers: Expectation = { ...writers, member: 403 };
const ownerOnly: Expectation = { ...managers, admin: 403 };
const anyoneSignedIn: Expectation = { ...anyMember, outsider: 'ok' };

interface Request {
  path: string;
  method?: string;
  body?: unknown;
  fromIp?: string;
}

interface Case {
  expect: Expectation;
  /** The request `who` makes; may build a fresh target first (through setup users). */
  request: (who: Who) => Promise<Request>;
}

let users: Record<Exclude<Who, 'anonymous'>, TestUser>;
let setupPool: TestUser[];
/** Setup users take turns, so each stays under the per-user limit. */
const setup = takingTurns(() => setupPool);

let ws: string;
let projectId: string;
let taskId: string;
let labelId: string;
let sprintId: string;
let goalId: string;
let subtaskId: string;
let commentByMember: string;
let attachmentByMember: string;
let jobByMember: string;

let keyCount = 0;
const freshKey = () =>
  `RM${String.fromCharCode(65 + (keyCount % 26))}${String.fromCharCode(65 + Math.floor(keyCount++ / 26))}`;
const freshProject = () => created(setup(), `/workspaces/${ws}/projects`, { name: 'Fresh', key: freshKey() });
const freshTask = () => created(setup(), `/projects/${projectId}/tasks`, { title: 'Fresh task' });
const freshLabel = () =>
  created(setup(), `/workspaces/${ws}/labels`, { name: `L${Math.random()}`.slice(0, 20), color: '#336699' });
const freshSprint = () =>
  created(setup(), `/projects/${projectId}/sprints`, {
    name: 'Fresh',
    startDate: '2026-05-01',
    endDate: '2026-05-14',
  });
const freshComment = (author: TestUser) =>
  created(author, `/tasks/${taskId}/comments`, { body: 'Fresh comment' });
const freshGoal = (author: TestUser) => created(author, '/goals', { title: 'Fresh goal', workspaceId: ws });
const freshSubtask = () => created(setup(), `/tasks/${taskId}/subtasks`, { title: 'Fresh subtask' });
/** A pending attachment of `author`'s, its file uploaded to the presigned URL when `upload`. */
async function freshAttachment(author: TestUser, upload = false): Promise<string> {
  const file = 'hello';
  const made = await created<{ id: string; uploadUrl: string; uploadHeaders: Record<string, string> }>(
    author,
    `/tasks/${taskId}/attachments`,
    { fileName: 'hello.txt', contentType: 'text/plain', size: file.length },
  );
  if (upload) {
    const res = await fetch(made.uploadUrl, { method: 'PUT', headers: made.uploadHeaders, body: file });
    if (!res.ok) throw new Error(`upload failed: ${res.status}`);
  }
  return made.id;
}

/** A target per caller allowed to succeed (it changes or goes); one shared target for everyone else. */
function perSuccess<T>(expectation: Expectation, fresh: () => Promise<T>, shared: () => T) {
  return async (who: Who) => (expectation[who] === 'ok' ? fresh() : shared());
}

/** A token as the notification emails carry, signed with the local stack's secret (in its data folder). */
const unsubscribeLink = () =>
  encodeURIComponent(
    unsubscribeToken(
      users.viewer.userId,
      fs.readFileSync(path.join(process.env.TEAMFLOW_TEST_DATA_DIR!, 'unsubscribe-secret'), 'utf8').trim(),
    ),
  );

const CASES: Record<string, Case> = {
  'GET /api/health': {
    expect: { ...anyoneSignedIn, anonymous: 'ok' },
    request: async () => ({ path: '/health' }),
  },
  'GET /api/me': { expect: anyoneSignedIn, request: async () => ({ path: '/me' }) },
  'PATCH /api/me': {
    expect: anyoneSignedIn,
    request: async () => ({ path: '/me', method: 'PATCH', body: { timezone: 'Europe/Berlin' } }),
  },
  'GET /api/me/tasks': { expect: anyoneSignedIn, request: async () => ({ path: '/me/tasks' }) },
  // Everyone's own inbox (nothing of anyone else's is reachable: the key is the caller's).
  'GET /api/notifications': { expect: anyoneSignedIn, request: async () => ({ path: '/notifications' }) },
  'POST /api/notifications/read': {
    expect: anyoneSignedIn,
    request: async () => ({ path: '/notifications/read', method: 'POST', body: { all: true } }),
  },
  // No sign-in: the signed token is the authority (test/notifications.int.test.ts: a forged one is refused).
  'GET /api/unsubscribe': {
    expect: { ...anyoneSignedIn, anonymous: 'ok' },
    request: async () => ({ path: `/unsubscribe?token=${unsubscribeLink()}` }),
  },
  'POST /api/unsubscribe': {
    expect: { ...anyoneSignedIn, anonymous: 'ok' },
    request: async () => ({ path: `/unsubscribe?token=${unsubscribeLink()}`, method: 'POST' }),
  },
  'POST /api/workspaces': {
    expect: anyoneSignedIn,
    request: async () => ({ path: '/workspaces', method: 'POST', body: { name: 'Mine' } }),
  },
  'GET /api/workspaces': { expect: anyoneSignedIn, request: async () => ({ path: '/workspaces' }) },
  'GET /api/workspaces/{workspaceId}': {
    expect: anyMember,
    request: async () => ({ path: `/workspaces/${ws}` }),
  },
  'PATCH /api/workspaces/{workspaceId}': {
    expect: ownerOnly,
    request: async () => {
      const { version } = await read(setup(), `/workspaces/${ws}`);
      return { path: `/workspaces/${ws}`, method: 'PATCH', body: { name: 'Renamed', version } };
    },
  },
  // Run last (see the test): the owner's call removes the workspace.
  'DELETE /api/workspaces/{workspaceId}': {
    expect: ownerOnly,
    request: async () => ({ path: `/workspaces/${ws}`, method: 'DELETE' }),
  },
  'GET /api/workspaces/{workspaceId}/members': {
    expect: anyMember,
    request: async () => ({ path: `/workspaces/${ws}/members` }),
  },
  'PATCH /api/workspaces/{workspaceId}/members/{userId}': {
    expect: managers,
    // The viewer's own role, set to what it is: allowed callers change nothing others depend on.
    request: async () => ({
      path: `/workspaces/${ws}/members/${users.viewer.userId}`,
      method: 'PATCH',
      body: { role: 'viewer' },
    }),
  },
  'DELETE /api/workspaces/{workspaceId}/members/{userId}': {
    expect: managers,
    request: perSuccess(
      managers,
      async () => ({
        path: `/workspaces/${ws}/members/${(await addMember(setup(), ws, 'member')).userId}`,
        method: 'DELETE',
      }),
      // Not the caller's own membership: anyone may leave a workspace.
      () => ({ path: `/workspaces/${ws}/members/${users.admin.userId}`, method: 'DELETE' }),
    ),
  },
  'POST /api/workspaces/{workspaceId}/invitations': {
    expect: managers,
    request: async () => ({
      path: `/workspaces/${ws}/invitations`,
      method: 'POST',
      body: { email: `invitee-${Math.random().toString(36).slice(2)}@example.com`, role: 'member' },
    }),
  },
  'GET /api/workspaces/{workspaceId}/invitations': {
    expect: managers,
    request: async () => ({ path: `/workspaces/${ws}/invitations` }),
  },
  'DELETE /api/invitations/{invitationId}': {
    expect: managers,
    request: async () => {
      const invitation = await created(setup(), `/workspaces/${ws}/invitations`, {
        email: `revoke-${Math.random().toString(36).slice(2)}@example.com`,
        role: 'viewer',
      });
      return { path: `/invitations/${invitation.id}`, method: 'DELETE' };
    },
  },
  // The token is the secret: anyone signed in who holds it may see what it invites to (not accept it).
  'GET /api/invitations/{token}': {
    expect: anyoneSignedIn,
    request: async () => ({ path: `/invitations/${invitationToken}` }),
  },
  // An invitation is accepted by the person it names: anyone else, member or not, is refused.
  'POST /api/invitations/{token}/accept': {
    expect: { owner: 403, admin: 403, member: 403, viewer: 403, outsider: 403, anonymous: 401 },
    request: async () => ({
      path: `/invitations/${invitationToken}/accept`,
      method: 'POST',
      fromIp: uniqueIp(),
    }),
  },
  'POST /api/workspaces/{workspaceId}/projects': {
    expect: writers,
    request: async () => ({
      path: `/workspaces/${ws}/projects`,
      method: 'POST',
      body: { name: 'Made', key: freshKey() },
    }),
  },
  'GET /api/workspaces/{workspaceId}/projects': {
    expect: anyMember,
    request: async () => ({ path: `/workspaces/${ws}/projects` }),
  },
  'GET /api/projects/{projectId}': {
    expect: anyMember,
    request: async () => ({ path: `/projects/${projectId}` }),
  },
  'PATCH /api/projects/{projectId}': {
    expect: managers,
    request: async () => {
      const { version } = await read(setup(), `/projects/${projectId}`);
      return { path: `/projects/${projectId}`, method: 'PATCH', body: { version, description: 'Changed' } };
    },
  },
  'DELETE /api/projects/{projectId}': {
    expect: managers,
    request: perSuccess(
      managers,
      async () => {
        const p = await freshProject();
        return { path: `/projects/${p.id}?version=${p.version}`, method: 'DELETE' };
      },
      () => ({ path: `/projects/${projectId}?version=1`, method: 'DELETE' }),
    ),
  },
  'POST /api/workspaces/{workspaceId}/labels': {
    expect: writers,
    request: async (who) => ({
      path: `/workspaces/${ws}/labels`,
      method: 'POST',
      body: { name: `By ${who}`, color: '#aa3300' },
    }),
  },
  'GET /api/workspaces/{workspaceId}/labels': {
    expect: anyMember,
    request: async () => ({ path: `/workspaces/${ws}/labels` }),
  },
  'PATCH /api/labels/{labelId}': {
    expect: writers,
    request: async () => {
      const { items } = await read<{ items: Versioned[] }>(setup(), `/workspaces/${ws}/labels`);
      const version = items.find((l) => l.id === labelId)!.version;
      return { path: `/labels/${labelId}`, method: 'PATCH', body: { version, color: '#00aa33' } };
    },
  },
  'DELETE /api/labels/{labelId}': {
    expect: writers,
    request: perSuccess(
      writers,
      async () => ({ path: `/labels/${(await freshLabel()).id}`, method: 'DELETE' }),
      () => ({ path: `/labels/${labelId}`, method: 'DELETE' }),
    ),
  },
  'POST /api/projects/{projectId}/tasks': {
    expect: writers,
    request: async () => ({ path: `/projects/${projectId}/tasks`, method: 'POST', body: { title: 'Made' } }),
  },
  'GET /api/projects/{projectId}/tasks': {
    expect: anyMember,
    request: async () => ({ path: `/projects/${projectId}/tasks` }),
  },
  'GET /api/tasks/{taskId}': { expect: anyMember, request: async () => ({ path: `/tasks/${taskId}` }) },
  'PATCH /api/tasks/{taskId}': {
    expect: writers,
    request: async (who) => {
      const { version } = await read(setup(), `/tasks/${taskId}`);
      return { path: `/tasks/${taskId}`, method: 'PATCH', body: { version, title: `Edited by ${who}` } };
    },
  },
  'POST /api/tasks/{taskId}/move': {
    expect: writers,
    request: async () => {
      const { version } = await read(setup(), `/tasks/${taskId}`);
      return { path: `/tasks/${taskId}/move`, method: 'POST', body: { version, status: 'in_progress' } };
    },
  },
  // The task is a setup owner's: members may delete only their own (covered in tasks.int.test.ts).
  'DELETE /api/tasks/{taskId}': {
    expect: managers,
    request: perSuccess(
      managers,
      async () => {
        const t = await freshTask();
        return { path: `/tasks/${t.id}?version=${t.version}`, method: 'DELETE' };
      },
      () => ({ path: `/tasks/${taskId}?version=1`, method: 'DELETE' }),
    ),
  },
  'POST /api/tasks/{taskId}/restore': {
    expect: managers,
    request: perSuccess(
      managers,
      async () => {
        const t = await freshTask();
        const gone = await api(`/tasks/${t.id}?version=${t.version}`, {
          method: 'DELETE',
          token: setup().idToken,
        });
        if (gone.status !== 200) throw new Error(`setup delete: ${gone.status}`);
        return { path: `/tasks/${t.id}/restore`, method: 'POST' };
      },
      () => ({ path: `/tasks/${taskId}/restore`, method: 'POST' }),
    ),
  },
  'GET /api/tasks/{taskId}/activity': {
    expect: anyMember,
    request: async () => ({ path: `/tasks/${taskId}/activity` }),
  },
  'GET /api/projects/{projectId}/activity': {
    expect: anyMember,
    request: async () => ({ path: `/projects/${projectId}/activity` }),
  },
  'GET /api/projects/{projectId}/changes': {
    expect: anyMember,
    request: async () => ({
      path: `/projects/${projectId}/changes?since=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`,
    }),
  },
  'GET /api/workspaces/{workspaceId}/search': {
    expect: anyMember,
    request: async () => ({ path: `/workspaces/${ws}/search?q=task` }),
  },
  'POST /api/tasks/{taskId}/subtasks': {
    expect: writers,
    request: async () => ({ path: `/tasks/${taskId}/subtasks`, method: 'POST', body: { title: 'Step' } }),
  },
  'GET /api/tasks/{taskId}/subtasks': {
    expect: anyMember,
    request: async () => ({ path: `/tasks/${taskId}/subtasks` }),
  },
  'PATCH /api/subtasks/{subtaskId}': {
    expect: writers,
    request: async () => {
      const { items } = await read<{ items: Versioned[] }>(setup(), `/tasks/${taskId}/subtasks`);
      const version = items.find((s) => s.id === subtaskId)!.version;
      return { path: `/subtasks/${subtaskId}`, method: 'PATCH', body: { version, done: true } };
    },
  },
  'POST /api/tasks/{taskId}/ai-breakdown': {
    expect: writers,
    request: async () => ({ path: `/tasks/${taskId}/ai-breakdown`, method: 'POST', body: {} }),
  },
  // The requester (the member) and the workspace's owners and admins; other members may not.
  'GET /api/jobs/{jobId}': {
    expect: { ...writers, member: 'ok', viewer: 403 },
    request: async () => ({ path: `/jobs/${jobByMember}` }),
  },
  'DELETE /api/subtasks/{subtaskId}': {
    expect: writers,
    request: perSuccess(
      writers,
      async () => {
        const s = await freshSubtask();
        return { path: `/subtasks/${s.id}?version=${s.version}`, method: 'DELETE' };
      },
      () => ({ path: `/subtasks/${subtaskId}?version=1`, method: 'DELETE' }),
    ),
  },
  'POST /api/tasks/{taskId}/comments': {
    expect: writers,
    request: async () => ({ path: `/tasks/${taskId}/comments`, method: 'POST', body: { body: 'Hello' } }),
  },
  'GET /api/tasks/{taskId}/comments': {
    expect: anyMember,
    request: async () => ({ path: `/tasks/${taskId}/comments` }),
  },
  // Only its author (the member) may edit a comment, admins and owners included.
  'PATCH /api/comments/{commentId}': {
    expect: { ...writers, owner: 403, admin: 403 },
    request: async () => {
      const { items } = await read<{ items: Versioned[] }>(setup(), `/tasks/${taskId}/comments`);
      const version = items.find((c) => c.id === commentByMember)!.version;
      return { path: `/comments/${commentByMember}`, method: 'PATCH', body: { version, body: 'Edited' } };
    },
  },
  // The member's comments: the author deletes them, and so may admins and owners.
  'DELETE /api/comments/{commentId}': {
    expect: writers,
    request: perSuccess(
      writers,
      async () => {
        const c = await freshComment(users.member);
        return { path: `/comments/${c.id}?version=${c.version}`, method: 'DELETE' };
      },
      () => ({ path: `/comments/${commentByMember}?version=1`, method: 'DELETE' }),
    ),
  },
  'POST /api/tasks/{taskId}/attachments': {
    expect: writers,
    request: async () => ({
      path: `/tasks/${taskId}/attachments`,
      method: 'POST',
      body: { fileName: 'notes.txt', contentType: 'text/plain', size: 10 },
    }),
  },
  'GET /api/tasks/{taskId}/attachments': {
    expect: anyMember,
    request: async () => ({ path: `/tasks/${taskId}/attachments` }),
  },
  // Only its uploader (the member) confirms an upload, admins and owners included.
  'POST /api/attachments/{attachmentId}/confirm': {
    expect: { ...writers, owner: 403, admin: 403 },
    request: perSuccess(
      { ...writers, owner: 403, admin: 403 },
      async () => ({
        path: `/attachments/${await freshAttachment(users.member, true)}/confirm`,
        method: 'POST',
      }),
      () => ({ path: `/attachments/${attachmentByMember}/confirm`, method: 'POST' }),
    ),
  },
  // The member's attachments: the uploader deletes them, and so may admins and owners.
  'DELETE /api/attachments/{attachmentId}': {
    expect: writers,
    request: perSuccess(
      writers,
      async () => ({ path: `/attachments/${await freshAttachment(users.member)}`, method: 'DELETE' }),
      () => ({ path: `/attachments/${attachmentByMember}`, method: 'DELETE' }),
    ),
  },
  'POST /api/projects/{projectId}/sprints': {
    expect: writers,
    request: async () => ({
      path: `/projects/${projectId}/sprints`,
      method: 'POST',
      body: { name: 'Made', startDate: '2026-06-01', endDate: '2026-06-14' },
    }),
  },
  'GET /api/projects/{projectId}/sprints': {
    expect: anyMember,
    request: async () => ({ path: `/projects/${projectId}/sprints` }),
  },
  'GET /api/sprints/{sprintId}': {
    expect: anyMember,
    request: async () => ({ path: `/sprints/${sprintId}` }),
  },
  'PATCH /api/sprints/{sprintId}': {
    expect: writers,
    request: async (who) => {
      const { version } = await read(setup(), `/sprints/${sprintId}`);
      return { path: `/sprints/${sprintId}`, method: 'PATCH', body: { version, name: `By ${who}` } };
    },
  },
  'DELETE /api/sprints/{sprintId}': {
    expect: writers,
    request: perSuccess(
      writers,
      async () => {
        const s = await freshSprint();
        return { path: `/sprints/${s.id}?version=${s.version}`, method: 'DELETE' };
      },
      () => ({ path: `/sprints/${sprintId}?version=1`, method: 'DELETE' }),
    ),
  },
  'GET /api/sprints/{sprintId}/burndown': {
    expect: anyMember,
    request: async () => ({ path: `/sprints/${sprintId}/burndown` }),
  },
  'GET /api/projects/{projectId}/velocity': {
    expect: anyMember,
    request: async () => ({ path: `/projects/${projectId}/velocity` }),
  },
  // Workspace goals: members read; writers create; the creator (the member), admins and owners change.
  'POST /api/goals': {
    expect: writers,
    request: async () => ({ path: '/goals', method: 'POST', body: { title: 'Ship it', workspaceId: ws } }),
  },
  'GET /api/goals': { expect: anyMember, request: async () => ({ path: `/goals?workspaceId=${ws}` }) },
  'GET /api/goals/{goalId}': { expect: anyMember, request: async () => ({ path: `/goals/${goalId}` }) },
  'PATCH /api/goals/{goalId}': {
    expect: writers,
    request: async (who) => {
      const { version } = await read(setup(), `/goals/${goalId}`);
      return { path: `/goals/${goalId}`, method: 'PATCH', body: { version, title: `By ${who}` } };
    },
  },
  'DELETE /api/goals/{goalId}': {
    expect: writers,
    request: perSuccess(
      writers,
      async () => {
        const g = await freshGoal(users.member);
        return { path: `/goals/${g.id}?version=${g.version}`, method: 'DELETE' };
      },
      () => ({ path: `/goals/${goalId}?version=1`, method: 'DELETE' }),
    ),
  },
  'GET /api/workspaces/{workspaceId}/export': {
    expect: managers,
    request: async () => ({ path: `/workspaces/${ws}/export` }),
  },
};

let invitationToken: string;

beforeAll(async () => {
  const owner = await signUpUser('Matrix owner');
  ws = (await created<{ id: string }>(owner, '/workspaces', { name: 'Matrix' })).id;
  const [admin, member, viewer, outsider, ...pool] = await Promise.all([
    addMember(owner, ws, 'admin'),
    addMember(owner, ws, 'member'),
    addMember(owner, ws, 'viewer'),
    signUpUser('Outsider'),
    addMember(owner, ws, 'owner'),
    addMember(owner, ws, 'owner'),
    addMember(owner, ws, 'owner'),
    addMember(owner, ws, 'owner'),
  ]);
  users = { owner, admin: admin!, member: member!, viewer: viewer!, outsider: outsider! };
  setupPool = pool;
  projectId = (await created(setup(), `/workspaces/${ws}/projects`, { name: 'Matrix', key: 'MTX' })).id;
  taskId = (await freshTask()).id;
  labelId = (await freshLabel()).id;
  sprintId = (await freshSprint()).id;
  goalId = (await freshGoal(member!)).id;
  subtaskId = (await freshSubtask()).id;
  commentByMember = (await freshComment(member!)).id;
  attachmentByMember = await freshAttachment(member!);
  jobByMember = (
    await api<{ jobId: string }>(`/tasks/${taskId}/ai-breakdown`, {
      method: 'POST',
      token: member!.idToken,
      body: {},
    })
  ).body.jobId;
  // A pending invitation for someone who is none of the callers.
  const invitee = await signUpUser('Invitee');
  await created(setup(), `/workspaces/${ws}/invitations`, { email: invitee.email, role: 'member' });
  invitationToken = tokenOf(await mailTo(invitee.email, /^Join /));
}, 180_000);

it('has a case for every route of the route table, and no case for a route that does not exist', () => {
  const routes = httpRoutes.map(routeKeyOf).sort();
  expect(Object.keys(CASES).sort()).toEqual(routes);
});

const LAST = 'DELETE /api/workspaces/{workspaceId}';
const order = [...Object.keys(CASES).filter((k) => k !== LAST), LAST];

describe.each(order)('%s', (route) => {
  // The workspace goes with the owner's call: everyone else tries first.
  const callers = route === LAST ? [...CALLERS.filter((c) => c !== 'owner'), 'owner' as const] : CALLERS;
  it.each(callers)('as %s', async (who) => {
    const { expect: expected, request } = CASES[route]!;
    const req = await request(who);
    const token = who === 'anonymous' ? undefined : users[who].idToken;
    const res: ApiResult = await api(req.path, {
      method: req.method ?? 'GET',
      token,
      body: req.body,
      fromIp: req.fromIp,
    });
    const outcome = expected[who];
    if (outcome === 'ok') {
      const status =
        res.status >= 200 && res.status < 300 ? 'ok' : `${res.status} ${JSON.stringify(res.body)}`;
      expect({ who, status }).toEqual({ who, status: 'ok' });
    } else {
      expect({ who, status: res.status }).toEqual({ who, status: outcome });
      expectErrorShape(res.body, { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' }[outcome]);
    }
  });
});
