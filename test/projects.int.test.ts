import { api, expectErrorShape, signUpUser, type TestUser, addTeam } from './support.ts';
import {
  created,
  createWorkspace,
  errorOf,
  expect400,
  fieldsOf,
  listAll,
  nextKey,
  ULID,
  UNKNOWN_ULID as UNKNOWN_WORKSPACE,
} from './fixtures.ts';

interface Project {
  id: string;
  workspaceId: string;
  name: string;
  key: string;
  description: string;
  archived: boolean;
  taskCount: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** A well-formed id that names nothing. */
const unknownProjectIn = (workspaceId: string) => `${workspaceId}.${UNKNOWN_WORKSPACE}`;

const createProject = (user: TestUser, workspaceId: string, body: object = {}) =>
  created<Project>(user, `/workspaces/${workspaceId}/projects`, { name: 'Project', key: nextKey(), ...body });

/** The ids of every project of the list (with `archived` as given, if given), following cursors to the end. */
const listIds = async (user: TestUser, workspaceId: string, archived?: boolean, limit = 100) =>
  (
    await listAll<Project>(user, `/workspaces/${workspaceId}/projects`, {
      limit,
      query: archived === undefined ? '' : `&archived=${archived}`,
    })
  ).items.map((p) => p.id);

describe('projects', () => {
  let owner: TestUser;
  let ws: string;
  beforeAll(async () => {
    owner = await signUpUser('Pia Projects');
    ws = await createWorkspace(owner, 'Projects Co');
  });

  it('creates a project, reads it back and lists it', async () => {
    const res = await api<Project>(`/workspaces/${ws}/projects`, {
      method: 'POST',
      token: owner.idToken,
      body: { name: '  Website  ', key: 'WEB', description: 'The *public* site' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(new RegExp(`^${ws}\\.${ULID}$`)),
      workspaceId: ws,
      name: 'Website',
      key: 'WEB',
      description: 'The *public* site',
      archived: false,
      taskCount: 0,
      createdAt: expect.any(String),
      updatedAt: res.body.createdAt,
      version: 1,
    });
    expect(res.body).not.toHaveProperty('taskSeq');
    const got = await api<Project>(`/projects/${res.body.id}`, { token: owner.idToken });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
    const list = await api<{ items: Project[] }>(`/workspaces/${ws}/projects`, { token: owner.idToken });
    expect(list.body.items).toContainEqual(res.body);
  });

  it('defaults the description to an empty string', async () => {
    const project = await createProject(owner, ws, { name: 'Bare' });
    expect(project.description).toBe('');
  });

  it('updates name, description and archived with the version, each change counted', async () => {
    const project = await createProject(owner, ws, { name: 'Old', description: 'old' });
    const res = await api<Project>(`/projects/${project.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 1, name: ' New ', description: '' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...project,
      name: 'New',
      description: '',
      version: 2,
      updatedAt: expect.any(String),
    });
    expect(res.body.updatedAt >= project.updatedAt).toBe(true);
    const archived = await api<Project>(`/projects/${project.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 2, archived: true },
    });
    expect(archived.body).toMatchObject({ name: 'New', archived: true, version: 3 });
    expect((await api(`/projects/${project.id}`, { token: owner.idToken })).body).toEqual(archived.body);
  });

  it('refuses a key the workspace already uses (409 CONFLICT naming it); another workspace may use it', async () => {
    const key = nextKey();
    await createProject(owner, ws, { key });
    const before = await listIds(owner, ws);
    const dup = await api(`/workspaces/${ws}/projects`, {
      method: 'POST',
      token: owner.idToken,
      body: { name: 'Again', key },
    });
    expect(dup.status).toBe(409);
    expectErrorShape(dup.body, 'CONFLICT');
    expect(errorOf(dup).error.message).toContain(key);
    expect(await listIds(owner, ws)).toEqual(before);

    const other = await createWorkspace(owner, 'Other Co');
    expect((await createProject(owner, other, { key })).key).toBe(key);
  });

  it('moves the key guard when the key changes: the old key is free, the new one taken', async () => {
    const [oldKey, newKey] = [nextKey(), nextKey()];
    const project = await createProject(owner, ws, { key: oldKey });
    const moved = await api<Project>(`/projects/${project.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 1, key: newKey },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: project.id, key: newKey, version: 2 });

    const reuse = await createProject(owner, ws, { key: oldKey });
    expect(reuse.key).toBe(oldKey);
    const blocked = await api(`/workspaces/${ws}/projects`, {
      method: 'POST',
      token: owner.idToken,
      body: { name: 'Blocked', key: newKey },
    });
    expect(blocked.status).toBe(409);
    expectErrorShape(blocked.body, 'CONFLICT');

    // Changing to a taken key is a CONFLICT that changes nothing.
    const taken = await api(`/projects/${project.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 2, key: oldKey, name: 'Should not stick' },
    });
    expect(taken.status).toBe(409);
    expectErrorShape(taken.body, 'CONFLICT');
    expect(errorOf(taken).error.message).toContain(oldKey);
    expect((await api(`/projects/${project.id}`, { token: owner.idToken })).body).toEqual(moved.body);

    // Setting the key it already has is an ordinary update.
    const same = await api<Project>(`/projects/${project.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 2, key: newKey },
    });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ key: newKey, version: 3 });
  });

  it('answers a stale version with 409 VERSION_CONFLICT and the stored project, changing nothing', async () => {
    const project = await createProject(owner, ws, { name: 'Kept' });
    const renamed = await api<Project>(`/projects/${project.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 1, name: 'Renamed' },
    });
    const stale = await api(`/projects/${project.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 1, name: 'Lost', key: nextKey() },
    });
    expect(stale.status).toBe(409);
    expectErrorShape(stale.body, 'VERSION_CONFLICT');
    expect(stale.body).toMatchObject({ error: { details: [] } });
    expect(errorOf(stale).current).toEqual(renamed.body);
    const staleDelete = await api(`/projects/${project.id}?version=1`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(staleDelete.status).toBe(409);
    expectErrorShape(staleDelete.body, 'VERSION_CONFLICT');
    expect(errorOf(staleDelete).current).toEqual(renamed.body);
    expect((await api(`/projects/${project.id}`, { token: owner.idToken })).body).toEqual(renamed.body);
  });

  it('lets exactly one of concurrent changes at the same version win; the others get the winner as current', async () => {
    const project = await createProject(owner, ws, { name: 'Raced' });
    const keys = Array.from({ length: 4 }, nextKey);
    const results = await Promise.all(
      keys.map((key, i) =>
        api<Project>(`/projects/${project.id}`, {
          method: 'PATCH',
          token: owner.idToken,
          // Half of them move the key too (the transactional path), half change only the name.
          body: i % 2 ? { version: 1, name: `Name ${i}`, key } : { version: 1, name: `Name ${i}` },
        }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    const losers = results.filter((r) => r.status !== 200);
    expect(winners).toHaveLength(1);
    const stored = (await api<Project>(`/projects/${project.id}`, { token: owner.idToken })).body;
    expect(stored).toEqual(winners[0]!.body);
    expect(stored.version).toBe(2);
    for (const loser of losers) {
      expect(loser.status).toBe(409);
      expectErrorShape(loser.body, 'VERSION_CONFLICT');
      expect(errorOf(loser).current).toEqual(stored);
    }
    // Only the stored key is taken: the losers' keys (and the replaced one) are free.
    for (const key of [project.key, ...keys].filter((k) => k !== stored.key)) {
      expect((await createProject(owner, ws, { key })).key).toBe(key);
    }
  });

  it('gives a key to exactly one of concurrent creates', async () => {
    const key = nextKey();
    const results = await Promise.all(
      [1, 2, 3].map((i) =>
        api(`/workspaces/${ws}/projects`, {
          method: 'POST',
          token: owner.idToken,
          body: { name: `Race ${i}`, key },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });

  it('deletes a project with its version: gone from GET and lists at once, its key free again', async () => {
    const key = nextKey();
    const project = await createProject(owner, ws, { key });
    const archived = await api<Project>(`/projects/${project.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 1, archived: true },
    });
    const res = await api(`/projects/${project.id}?version=${archived.body.version}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(res.status).toBe(204);
    const gone = await api(`/projects/${project.id}`, { token: owner.idToken });
    expect(gone.status).toBe(404);
    expectErrorShape(gone.body, 'NOT_FOUND');
    expect(await listIds(owner, ws, true)).not.toContain(project.id);
    expect(await listIds(owner, ws, false)).not.toContain(project.id);
    const again = await api(`/projects/${project.id}?version=2`, { method: 'DELETE', token: owner.idToken });
    expect(again.status).toBe(404);
    expect((await createProject(owner, ws, { key })).key).toBe(key);
  });

  it('answers a well-formed id that names nothing with 404', async () => {
    for (const id of [unknownProjectIn(ws), unknownProjectIn(UNKNOWN_WORKSPACE)]) {
      const res = await api(`/projects/${id}`, { token: owner.idToken });
      expect(res.status).toBe(404);
      expectErrorShape(res.body, 'NOT_FOUND');
    }
    const patch = await api(`/projects/${unknownProjectIn(ws)}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 1, name: 'X' },
    });
    expect(patch.status).toBe(404);
    const del = await api(`/projects/${unknownProjectIn(ws)}?version=1`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(del.status).toBe(404);
    const list = await api(`/workspaces/${UNKNOWN_WORKSPACE}/projects`, { token: owner.idToken });
    expect(list.status).toBe(404);
  });
});

describe('project lists', () => {
  let owner: TestUser;
  let ws: string;
  let made: Project[];
  beforeAll(async () => {
    owner = await signUpUser('Lena Lists');
    ws = await createWorkspace(owner, 'Lists Co');
    made = [];
    for (let i = 0; i < 5; i++) made.push(await createProject(owner, ws, { name: `P${i}` }));
  });

  it('pages through 5 projects 2 at a time, each exactly once, in creation order', async () => {
    const pages: number[] = [];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await api<{ items: Project[]; nextCursor: string | null }>(
        `/workspaces/${ws}/projects?limit=2${query}`,
        { token: owner.idToken },
      );
      expect(res.status).toBe(200);
      pages.push(res.body.items.length);
      seen.push(...res.body.items.map((p) => p.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(made.map((p) => p.id));
    expect(pages.slice(0, 2)).toEqual([2, 2]);
  });

  it('lists active projects by default and only archived ones with archived=true, paging either way', async () => {
    const [a, b, c, d, e] = made as [Project, Project, Project, Project, Project];
    for (const p of [b, d]) {
      const res = await api(`/projects/${p.id}`, {
        method: 'PATCH',
        token: owner.idToken,
        body: { version: p.version, archived: true },
      });
      expect(res.status).toBe(200);
    }
    expect(await listIds(owner, ws)).toEqual([a.id, c.id, e.id]);
    expect(await listIds(owner, ws, false, 2)).toEqual([a.id, c.id, e.id]);
    expect(await listIds(owner, ws, true, 1)).toEqual([b.id, d.id]);
    const res = await api<{ items: Project[] }>(`/workspaces/${ws}/projects?archived=true`, {
      token: owner.idToken,
    });
    expect(res.body.items.every((p) => p.archived)).toBe(true);

    // Unarchiving brings it back to the active list.
    await api(`/projects/${b.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 2, archived: false },
    });
    expect(await listIds(owner, ws)).toEqual([a.id, b.id, c.id, e.id]);
  });

  it.each([
    ['archived=maybe', 'archived'],
    ['archived=', 'archived'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
  ])('refuses ?%s with 400 naming %s', async (query, field) => {
    const res = await api(`/workspaces/${ws}/projects?${query}`, { token: owner.idToken });
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'VALIDATION_ERROR');
    expect(fieldsOf(res)).toEqual([field]);
  });

  it('refuses the cursor of another workspace', async () => {
    const other = await createWorkspace(owner, 'Other Lists');
    await createProject(owner, other);
    await createProject(owner, other);
    const { nextCursor } = (
      await api<{ nextCursor: string }>(`/workspaces/${other}/projects?limit=1`, { token: owner.idToken })
    ).body;
    expect(nextCursor).toEqual(expect.any(String));
    const res = await api(`/workspaces/${ws}/projects?cursor=${encodeURIComponent(nextCursor)}`, {
      token: owner.idToken,
    });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['cursor']);
  });
});

// Each describe has its own owner: a user may make 100 requests a minute, and these tests make many.
describe('project creation input', () => {
  let owner: TestUser;
  let ws: string;
  beforeAll(async () => {
    owner = await signUpUser('Val Idation');
    ws = await createWorkspace(owner, 'Validation Co');
    await createProject(owner, ws, { name: 'Existing' });
  });

  it.each([
    ['a missing name', { key: 'ABC' }, 'name'],
    ['a blank name', { name: '   ', key: 'ABC' }, 'name'],
    ['an oversize name', { name: 'x'.repeat(101), key: 'ABC' }, 'name'],
    ['a name of the wrong type', { name: 7, key: 'ABC' }, 'name'],
    ['a missing key', { name: 'P' }, 'key'],
    ['a lower-case key', { name: 'P', key: 'abc' }, 'key'],
    ['a mixed-case key', { name: 'P', key: 'AbC' }, 'key'],
    ['a too-long key', { name: 'P', key: 'ABCDEFGHIJK' }, 'key'],
    ['a too-short key', { name: 'P', key: 'A' }, 'key'],
    ['a key with digits', { name: 'P', key: 'AB1' }, 'key'],
    ['a key of the wrong type', { name: 'P', key: 12 }, 'key'],
    ['an oversize description', { name: 'P', key: 'ABC', description: 'd'.repeat(5001) }, 'description'],
    ['a description of the wrong type', { name: 'P', key: 'ABC', description: null }, 'description'],
    ['an unknown field', { name: 'P', key: 'ABC', color: 'red' }, 'color'],
    ['a client-chosen id', { name: 'P', key: 'ABC', id: 'mine' }, 'id'],
    ['an array body', ['P'], 'body'],
  ])('POST refuses %s with 400 and creates nothing', async (_, body, field) => {
    const before = await listIds(owner, ws);
    const res = await api(`/workspaces/${ws}/projects`, { method: 'POST', token: owner.idToken, body });
    expect400(res, field);
    expect(await listIds(owner, ws)).toEqual(before);
  });

  it('POST refuses malformed JSON and an empty body, and a malformed workspace id', async () => {
    const before = await listIds(owner, ws);
    expect400(
      await api(`/workspaces/${ws}/projects`, {
        method: 'POST',
        token: owner.idToken,
        rawBody: '{"name": "P", "key": ',
        headers: { 'content-type': 'application/json' },
      }),
      'body',
    );
    expect400(await api(`/workspaces/${ws}/projects`, { method: 'POST', token: owner.idToken }), 'body');
    expect400(
      await api('/workspaces/not-a-workspace/projects', {
        method: 'POST',
        token: owner.idToken,
        body: { name: 'P', key: 'ABC' },
      }),
      'workspaceId',
    );
    expect400(await api('/workspaces/not-a-workspace/projects', { token: owner.idToken }), 'workspaceId');
    expect(await listIds(owner, ws)).toEqual(before);
    // The 5,000-character description itself is fine.
    expect((await createProject(owner, ws, { description: 'd'.repeat(5000) })).description).toHaveLength(
      5000,
    );
  });
});

describe('project change input', () => {
  let owner: TestUser;
  let project: Project;
  beforeAll(async () => {
    owner = await signUpUser('Val Idation');
    project = await createProject(owner, await createWorkspace(owner, 'Validation Co'), {
      name: 'Target',
      description: 'unchanged',
    });
  });

  it.each([
    ['a missing version', { name: 'X' }, 'version'],
    ['a version of the wrong type', { version: '1', name: 'X' }, 'version'],
    ['a zero version', { version: 0, name: 'X' }, 'version'],
    ['a fractional version', { version: 1.5, name: 'X' }, 'version'],
    ['nothing to change', { version: 1 }, 'body'],
    ['a blank name', { version: 1, name: ' ' }, 'name'],
    ['an oversize name', { version: 1, name: 'x'.repeat(101) }, 'name'],
    ['a lower-case key', { version: 1, key: 'web' }, 'key'],
    ['a too-long key', { version: 1, key: 'ABCDEFGHIJK' }, 'key'],
    ['a too-short key', { version: 1, key: 'W' }, 'key'],
    ['archived of the wrong type', { version: 1, archived: 'yes' }, 'archived'],
    ['an oversize description', { version: 1, description: 'd'.repeat(5001) }, 'description'],
    ['an unknown field', { version: 1, name: 'X', taskCount: 9 }, 'taskCount'],
    ['a read-only field', { version: 1, workspaceId: 'x' }, 'workspaceId'],
  ])('PATCH refuses %s with 400 and changes nothing', async (_, body, field) => {
    const res = await api(`/projects/${project.id}`, { method: 'PATCH', token: owner.idToken, body });
    expect400(res, field);
    expect((await api(`/projects/${project.id}`, { token: owner.idToken })).body).toEqual(project);
  });

  it('PATCH refuses malformed JSON and a malformed project id', async () => {
    expect400(
      await api(`/projects/${project.id}`, {
        method: 'PATCH',
        token: owner.idToken,
        rawBody: '{"version": 1, "name": "X"',
        headers: { 'content-type': 'application/json' },
      }),
      'body',
    );
    const ws = project.workspaceId;
    for (const bad of ['not-an-id', ws, `${ws}.`, `${ws}.nope`, `${ws}.${ws}.${ws}`]) {
      expect400(
        await api(`/projects/${encodeURIComponent(bad)}`, {
          method: 'PATCH',
          token: owner.idToken,
          body: { version: 1, name: 'X' },
        }),
        'projectId',
      );
    }
    expect((await api(`/projects/${project.id}`, { token: owner.idToken })).body).toEqual(project);
  });

  it.each([
    ['no version', ''],
    ['an empty version', '?version='],
    ['a text version', '?version=abc'],
    ['a zero version', '?version=0'],
    ['a negative version', '?version=-1'],
    ['a fractional version', '?version=1.5'],
  ])('DELETE refuses %s with 400 naming version and deletes nothing', async (_, query) => {
    const res = await api(`/projects/${project.id}${query}`, { method: 'DELETE', token: owner.idToken });
    expect400(res, 'version');
    expect((await api(`/projects/${project.id}`, { token: owner.idToken })).status).toBe(200);
  });

  it('GET and DELETE refuse a malformed project id with 400 naming projectId', async () => {
    expect400(await api('/projects/not-an-id', { token: owner.idToken }), 'projectId');
    expect400(
      await api('/projects/not-an-id?version=1', { method: 'DELETE', token: owner.idToken }),
      'projectId',
    );
  });
});

describe('project roles', () => {
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let viewer: TestUser;
  let outsider: TestUser;
  let ws: string;
  let shared: Project;

  beforeAll(async () => {
    owner = await signUpUser('Owner');
    ws = await createWorkspace(owner, 'Roles Co');
    ({ admin, member, viewer, outsider } = await addTeam(owner, ws));
    shared = await createProject(owner, ws, { name: 'Shared' });
  }, 60_000);

  const who = () => ({
    owner,
    admin,
    member,
    viewer,
    outsider,
    anonymous: undefined as TestUser | undefined,
  });

  // Every request is valid, and PATCH/DELETE get a fresh project (made by the admin, to spread the owner's
  // request budget) at version 1, so each status is the roles check's own answer.
  const matrix: Array<
    [string, (project: () => Promise<Project>) => Promise<[string, string, object | undefined]>, object]
  > = [
    [
      'POST /workspaces/{id}/projects',
      async () => ['POST', `/workspaces/${ws}/projects`, { name: 'New', key: nextKey() }],
      { owner: 201, admin: 201, member: 201, viewer: 403, outsider: 404, anonymous: 401 },
    ],
    [
      'GET /workspaces/{id}/projects',
      async () => ['GET', `/workspaces/${ws}/projects?archived=false`, undefined],
      { owner: 200, admin: 200, member: 200, viewer: 200, outsider: 404, anonymous: 401 },
    ],
    [
      'GET /projects/{id}',
      async () => ['GET', `/projects/${shared.id}`, undefined],
      { owner: 200, admin: 200, member: 200, viewer: 200, outsider: 404, anonymous: 401 },
    ],
    [
      'PATCH /projects/{id}',
      async (fresh) => ['PATCH', `/projects/${(await fresh()).id}`, { version: 1, archived: true }],
      { owner: 200, admin: 200, member: 403, viewer: 403, outsider: 404, anonymous: 401 },
    ],
    [
      'DELETE /projects/{id}',
      async (fresh) => ['DELETE', `/projects/${(await fresh()).id}?version=1`, undefined],
      { owner: 204, admin: 204, member: 403, viewer: 403, outsider: 404, anonymous: 401 },
    ],
  ];

  it.each(matrix)('%s answers each role as the roles table says', async (_, request, expected) => {
    const fresh = () => createProject(admin, ws, { name: 'Fresh' });
    for (const [role, user] of Object.entries(who())) {
      const [method, path, body] = await request(fresh);
      const res = await api(path, { method, token: user?.idToken, body });
      expect({ role, status: res.status }).toEqual({
        role,
        status: (expected as Record<string, number>)[role],
      });
      if (res.status >= 400) {
        const code = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' }[res.status];
        expectErrorShape(res.body, code!);
      }
    }
  });

  it('leaves a project untouched when a role may not change it', async () => {
    for (const user of [member, viewer, outsider]) {
      await api(`/projects/${shared.id}`, {
        method: 'PATCH',
        token: user.idToken,
        body: { version: 1, name: 'Hijacked' },
      });
      await api(`/projects/${shared.id}?version=1`, { method: 'DELETE', token: user.idToken });
    }
    await api(`/workspaces/${ws}/projects`, {
      method: 'POST',
      token: viewer.idToken,
      body: { name: 'By viewer', key: 'VIEWER' },
    });
    expect((await api(`/projects/${shared.id}`, { token: owner.idToken })).body).toEqual(shared);
    expect(
      (
        await api(`/workspaces/${ws}/projects`, {
          method: 'POST',
          token: owner.idToken,
          body: { name: 'V', key: 'VIEWER' },
        })
      ).status,
    ).toBe(201);
  });

  it('answers a non-member the same 404 for an existing project and a nonexistent one', async () => {
    const existing = await api(`/projects/${shared.id}`, { token: outsider.idToken });
    const missing = await api(`/projects/${unknownProjectIn(ws)}`, { token: outsider.idToken });
    expect([existing.status, missing.status]).toEqual([404, 404]);
    const message = (res: { body: unknown }) => errorOf(res).error.message;
    expect(message(existing)).toBe(message(missing));
    for (const id of [shared.id, unknownProjectIn(ws)]) {
      const patch = await api(`/projects/${id}`, {
        method: 'PATCH',
        token: outsider.idToken,
        body: { version: 1, name: 'X' },
      });
      const del = await api(`/projects/${id}?version=1`, { method: 'DELETE', token: outsider.idToken });
      expect([patch.status, del.status]).toEqual([404, 404]);
      expect([message(patch), message(del)]).toEqual([message(missing), message(missing)]);
    }
  });

  it('takes project access away from a removed member at once', async () => {
    expect((await api(`/projects/${shared.id}`, { token: viewer.idToken })).status).toBe(200);
    const removed = await api(`/workspaces/${ws}/members/${viewer.userId}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(removed.status).toBe(204);
    expect((await api(`/projects/${shared.id}`, { token: viewer.idToken })).status).toBe(404);
    expect((await api(`/workspaces/${ws}/projects`, { token: viewer.idToken })).status).toBe(404);
  });
});
