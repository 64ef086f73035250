import { api, expectErrorShape, signUpUser, type TestUser, addTeam } from './support.ts';
import {
  created,
  createWorkspace,
  errorOf,
  expect400,
  ULID,
  UNKNOWN_ULID as UNKNOWN_WORKSPACE,
} from './fixtures.ts';

interface Label {
  id: string;
  workspaceId: string;
  name: string;
  color: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

const unknownLabelIn = (workspaceId: string) => `${workspaceId}.${UNKNOWN_WORKSPACE}`;

let nameSeq = 0;
const nextName = () => `Label ${nameSeq++}`;

const createLabel = (user: TestUser, workspaceId: string, body: object = {}) =>
  created<Label>(user, `/workspaces/${workspaceId}/labels`, { name: nextName(), color: '#336699', ...body });

async function labelsOf(user: TestUser, workspaceId: string) {
  const res = await api<{ items: Label[]; nextCursor: string | null }>(`/workspaces/${workspaceId}/labels`, {
    token: user.idToken,
  });
  expect(res.status).toBe(200);
  expect(res.body.nextCursor).toBeNull();
  return res.body.items;
}

const find = async (user: TestUser, label: Label) =>
  (await labelsOf(user, label.workspaceId)).find((l) => l.id === label.id);

describe('labels', () => {
  let owner: TestUser;
  let ws: string;
  beforeAll(async () => {
    owner = await signUpUser('Lara Labels');
    ws = await createWorkspace(owner, 'Labels Co');
  });

  it('creates a label (name trimmed, colour in lower case) and lists every label by name', async () => {
    const res = await api<Label>(`/workspaces/${ws}/labels`, {
      method: 'POST',
      token: owner.idToken,
      body: { name: '  Bug  ', color: '#FF0000' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(new RegExp(`^${ws}\\.${ULID}$`)),
      workspaceId: ws,
      name: 'Bug',
      color: '#ff0000',
      createdAt: expect.any(String),
      updatedAt: res.body.createdAt,
      version: 1,
    });
    const feature = await createLabel(owner, ws, { name: 'feature', color: '#00ff00' });
    const chore = await createLabel(owner, ws, { name: 'Chore' });
    const all = await labelsOf(owner, ws);
    expect(all).toEqual([res.body, chore, feature]);
  });

  it('returns every label in one answer, however many, ignoring limit', async () => {
    const other = await createWorkspace(owner, 'Many Labels');
    const made = await Promise.all(
      Array.from({ length: 12 }, (_, i) => createLabel(owner, other, { name: `L${i}` })),
    );
    const res = await api<{ items: Label[]; nextCursor: null }>(`/workspaces/${other}/labels?limit=2`, {
      token: owner.idToken,
    });
    expect(res.body.items.map((l) => l.id).sort()).toEqual(made.map((l) => l.id).sort());
    expect(res.body.nextCursor).toBeNull();
  });

  it('refuses a name the workspace already has, in any case (409 CONFLICT); another workspace may use it', async () => {
    await createLabel(owner, ws, { name: 'Urgent' });
    const before = await labelsOf(owner, ws);
    for (const name of ['urgent', 'URGENT', ' Urgent ']) {
      const dup = await api(`/workspaces/${ws}/labels`, {
        method: 'POST',
        token: owner.idToken,
        body: { name, color: '#123456' },
      });
      expect(dup.status).toBe(409);
      expectErrorShape(dup.body, 'CONFLICT');
      expect(errorOf(dup).error.message.toLowerCase()).toContain('urgent');
    }
    expect(await labelsOf(owner, ws)).toEqual(before);
    const other = await createWorkspace(owner, 'Other Labels');
    expect((await createLabel(owner, other, { name: 'urgent' })).name).toBe('urgent');
  });

  it('renames and recolours with the version; a rename moves the name guard', async () => {
    const label = await createLabel(owner, ws, { name: 'Backend' });
    const renamed = await api<Label>(`/labels/${label.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 1, name: ' Server ' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ ...label, name: 'Server', version: 2, updatedAt: expect.any(String) });
    expect(await find(owner, label)).toEqual(renamed.body);

    // The old name is free again, the new one taken (in any case).
    expect((await createLabel(owner, ws, { name: 'backend' })).name).toBe('backend');
    const blocked = await api(`/workspaces/${ws}/labels`, {
      method: 'POST',
      token: owner.idToken,
      body: { name: 'SERVER', color: '#000000' },
    });
    expect(blocked.status).toBe(409);

    const recoloured = await api<Label>(`/labels/${label.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 2, color: '#ABCDEF' },
    });
    expect(recoloured.body).toMatchObject({ name: 'Server', color: '#abcdef', version: 3 });

    // A change of case only is the same name: allowed, and the name stays reserved.
    const recased = await api<Label>(`/labels/${label.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 3, name: 'SERVER' },
    });
    expect(recased.status).toBe(200);
    expect(recased.body).toMatchObject({ name: 'SERVER', version: 4 });
    const stillBlocked = await api(`/workspaces/${ws}/labels`, {
      method: 'POST',
      token: owner.idToken,
      body: { name: 'server', color: '#000000' },
    });
    expect(stillBlocked.status).toBe(409);
  });

  it('refuses to rename onto a taken name (409 CONFLICT), changing nothing', async () => {
    const a = await createLabel(owner, ws, { name: 'Alpha' });
    await createLabel(owner, ws, { name: 'Beta' });
    const res = await api(`/labels/${a.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 1, name: 'beta', color: '#000000' },
    });
    expect(res.status).toBe(409);
    expectErrorShape(res.body, 'CONFLICT');
    expect(await find(owner, a)).toEqual(a);
    // Alpha's own name is still reserved by Alpha.
    const alpha = await api(`/workspaces/${ws}/labels`, {
      method: 'POST',
      token: owner.idToken,
      body: { name: 'ALPHA', color: '#000000' },
    });
    expect(alpha.status).toBe(409);
  });

  it('answers a stale version with 409 VERSION_CONFLICT and the stored label, changing nothing', async () => {
    const label = await createLabel(owner, ws);
    const changed = await api<Label>(`/labels/${label.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 1, color: '#111111' },
    });
    const stale = await api(`/labels/${label.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 1, name: 'Lost', color: '#222222' },
    });
    expect(stale.status).toBe(409);
    expectErrorShape(stale.body, 'VERSION_CONFLICT');
    expect(stale.body).toMatchObject({ error: { details: [] } });
    expect(errorOf(stale).current).toEqual(changed.body);
    const staleDelete = await api(`/labels/${label.id}?version=1`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(staleDelete.status).toBe(409);
    expect(errorOf(staleDelete).current).toEqual(changed.body);
    expect(await find(owner, label)).toEqual(changed.body);
    // 'Lost' was never reserved.
    expect((await createLabel(owner, ws, { name: 'Lost' })).name).toBe('Lost');
  });

  it('lets exactly one of concurrent renames at the same version win', async () => {
    const label = await createLabel(owner, ws);
    const names = ['Race A', 'Race B', 'Race C', 'Race D'];
    const results = await Promise.all(
      names.map((name) =>
        api<Label>(`/labels/${label.id}`, {
          method: 'PATCH',
          token: owner.idToken,
          body: { version: 1, name },
        }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    const stored = await find(owner, label);
    expect(stored).toEqual(winners[0]!.body);
    for (const loser of results.filter((r) => r.status !== 200)) {
      expect(loser.status).toBe(409);
      expect(errorOf(loser).current).toEqual(stored);
    }
    // The losers' names and the original one are free; only the winner's is taken.
    for (const name of [label.name, ...names].filter((n) => n !== stored!.name)) {
      expect((await createLabel(owner, ws, { name })).name).toBe(name);
    }
  });

  it('deletes with or without a version: gone from the list, its name free again', async () => {
    const a = await createLabel(owner, ws, { name: 'Temporary' });
    const res = await api(`/labels/${a.id}`, { method: 'DELETE', token: owner.idToken });
    expect(res.status).toBe(204);
    expect(await find(owner, a)).toBeUndefined();
    const again = await api(`/labels/${a.id}`, { method: 'DELETE', token: owner.idToken });
    expect(again.status).toBe(404);
    expectErrorShape(again.body, 'NOT_FOUND');

    const b = await createLabel(owner, ws, { name: 'temporary' });
    const changed = await api<Label>(`/labels/${b.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { version: 1, color: '#000000' },
    });
    const withVersion = await api(`/labels/${b.id}?version=${changed.body.version}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(withVersion.status).toBe(204);
    expect(await find(owner, b)).toBeUndefined();
    expect((await createLabel(owner, ws, { name: 'TEMPORARY' })).name).toBe('TEMPORARY');
  });

  it('answers a well-formed id that names nothing with 404', async () => {
    for (const id of [unknownLabelIn(ws), unknownLabelIn(UNKNOWN_WORKSPACE)]) {
      const patch = await api(`/labels/${id}`, {
        method: 'PATCH',
        token: owner.idToken,
        body: { version: 1, name: 'X' },
      });
      expect(patch.status).toBe(404);
      expectErrorShape(patch.body, 'NOT_FOUND');
      expect((await api(`/labels/${id}`, { method: 'DELETE', token: owner.idToken })).status).toBe(404);
    }
    expect((await api(`/workspaces/${UNKNOWN_WORKSPACE}/labels`, { token: owner.idToken })).status).toBe(404);
    const create = await api(`/workspaces/${UNKNOWN_WORKSPACE}/labels`, {
      method: 'POST',
      token: owner.idToken,
      body: { name: 'X', color: '#000000' },
    });
    expect(create.status).toBe(404);
  });
});

// Each describe has its own owner: a user may make 100 requests a minute, and these tests make many.
describe('label creation input', () => {
  let owner: TestUser;
  let ws: string;
  beforeAll(async () => {
    owner = await signUpUser('Val Idation');
    ws = await createWorkspace(owner, 'Label Validation');
    await createLabel(owner, ws);
  });

  it.each([
    ['a missing name', { color: '#000000' }, 'name'],
    ['a blank name', { name: '  ', color: '#000000' }, 'name'],
    ['an oversize name', { name: 'x'.repeat(51), color: '#000000' }, 'name'],
    ['a name of the wrong type', { name: 5, color: '#000000' }, 'name'],
    ['a missing color', { name: 'A' }, 'color'],
    ['a named color', { name: 'A', color: 'red' }, 'color'],
    ['a short hex color', { name: 'A', color: '#abc' }, 'color'],
    ['a color without #', { name: 'A', color: 'aabbcc' }, 'color'],
    ['a non-hex color', { name: 'A', color: '#12345g' }, 'color'],
    ['a color with alpha', { name: 'A', color: '#11223344' }, 'color'],
    ['a color of the wrong type', { name: 'A', color: 0x112233 }, 'color'],
    ['an unknown field', { name: 'A', color: '#000000', projectId: 'x' }, 'projectId'],
    ['an array body', [{ name: 'A', color: '#000000' }], 'body'],
  ])('POST refuses %s with 400 and creates nothing', async (_, body, field) => {
    const before = await labelsOf(owner, ws);
    expect400(await api(`/workspaces/${ws}/labels`, { method: 'POST', token: owner.idToken, body }), field);
    expect(await labelsOf(owner, ws)).toEqual(before);
  });

  it('POST refuses malformed JSON, an empty body and a malformed workspace id', async () => {
    const before = await labelsOf(owner, ws);
    expect400(
      await api(`/workspaces/${ws}/labels`, {
        method: 'POST',
        token: owner.idToken,
        rawBody: '{"name": "A", "color": "#000000"',
        headers: { 'content-type': 'application/json' },
      }),
      'body',
    );
    expect400(await api(`/workspaces/${ws}/labels`, { method: 'POST', token: owner.idToken }), 'body');
    expect400(
      await api('/workspaces/nope/labels', {
        method: 'POST',
        token: owner.idToken,
        body: { name: 'A', color: '#000000' },
      }),
      'workspaceId',
    );
    expect400(await api('/workspaces/nope/labels', { token: owner.idToken }), 'workspaceId');
    expect(await labelsOf(owner, ws)).toEqual(before);
    expect((await createLabel(owner, ws, { name: 'n'.repeat(50) })).name).toHaveLength(50);
  });
});

describe('label change input', () => {
  let owner: TestUser;
  let label: Label;
  beforeAll(async () => {
    owner = await signUpUser('Val Idation');
    label = await createLabel(owner, await createWorkspace(owner, 'Label Changes'), { name: 'Target' });
  });

  it.each([
    ['a missing version', { name: 'X' }, 'version'],
    ['a version of the wrong type', { version: '1', name: 'X' }, 'version'],
    ['a zero version', { version: 0, name: 'X' }, 'version'],
    ['nothing to change', { version: 1 }, 'body'],
    ['a blank name', { version: 1, name: '' }, 'name'],
    ['an oversize name', { version: 1, name: 'x'.repeat(51) }, 'name'],
    ['a bad color', { version: 1, color: 'blue' }, 'color'],
    ['a null color', { version: 1, color: null }, 'color'],
    ['an unknown field', { version: 1, name: 'X', workspaceId: 'x' }, 'workspaceId'],
  ])('PATCH refuses %s with 400 and changes nothing', async (_, body, field) => {
    expect400(await api(`/labels/${label.id}`, { method: 'PATCH', token: owner.idToken, body }), field);
    expect(await find(owner, label)).toEqual(label);
  });

  it('PATCH refuses malformed JSON and a malformed label id', async () => {
    expect400(
      await api(`/labels/${label.id}`, {
        method: 'PATCH',
        token: owner.idToken,
        rawBody: 'version=1&name=X',
        headers: { 'content-type': 'application/json' },
      }),
      'body',
    );
    for (const bad of ['not-an-id', label.workspaceId, `${label.workspaceId}.x`]) {
      expect400(
        await api(`/labels/${encodeURIComponent(bad)}`, {
          method: 'PATCH',
          token: owner.idToken,
          body: { version: 1, name: 'X' },
        }),
        'labelId',
      );
    }
    expect(await find(owner, label)).toEqual(label);
  });

  it.each([
    ['an empty version', '?version='],
    ['a text version', '?version=abc'],
    ['a zero version', '?version=0'],
    ['a fractional version', '?version=2.5'],
  ])('DELETE refuses %s with 400 naming version and deletes nothing', async (_, query) => {
    expect400(
      await api(`/labels/${label.id}${query}`, { method: 'DELETE', token: owner.idToken }),
      'version',
    );
    expect(await find(owner, label)).toEqual(label);
  });

  it('DELETE refuses a malformed label id with 400 naming labelId', async () => {
    expect400(await api('/labels/not-an-id', { method: 'DELETE', token: owner.idToken }), 'labelId');
  });
});

describe('label roles', () => {
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let viewer: TestUser;
  let outsider: TestUser;
  let ws: string;
  let shared: Label;

  beforeAll(async () => {
    owner = await signUpUser('Owner');
    ws = await createWorkspace(owner, 'Label Roles');
    ({ admin, member, viewer, outsider } = await addTeam(owner, ws));
    shared = await createLabel(owner, ws, { name: 'Shared' });
  }, 60_000);

  const who = () => ({
    owner,
    admin,
    member,
    viewer,
    outsider,
    anonymous: undefined as TestUser | undefined,
  });

  // Valid requests only; PATCH and DELETE get a fresh label at version 1 (made by the admin), so each status is
  // the roles check's own answer. Labels are written with the role that writes tasks: owner, admin, member.
  const matrix: Array<
    [string, (fresh: () => Promise<Label>) => Promise<[string, string, object | undefined]>, object]
  > = [
    [
      'POST /workspaces/{id}/labels',
      async () => ['POST', `/workspaces/${ws}/labels`, { name: nextName(), color: '#abcdef' }],
      { owner: 201, admin: 201, member: 201, viewer: 403, outsider: 404, anonymous: 401 },
    ],
    [
      'GET /workspaces/{id}/labels',
      async () => ['GET', `/workspaces/${ws}/labels`, undefined],
      { owner: 200, admin: 200, member: 200, viewer: 200, outsider: 404, anonymous: 401 },
    ],
    [
      'PATCH /labels/{id}',
      async (fresh) => ['PATCH', `/labels/${(await fresh()).id}`, { version: 1, name: nextName() }],
      { owner: 200, admin: 200, member: 200, viewer: 403, outsider: 404, anonymous: 401 },
    ],
    [
      'DELETE /labels/{id}',
      async (fresh) => ['DELETE', `/labels/${(await fresh()).id}?version=1`, undefined],
      { owner: 204, admin: 204, member: 204, viewer: 403, outsider: 404, anonymous: 401 },
    ],
  ];

  it.each(matrix)('%s answers each role as the roles table says', async (_, request, expected) => {
    const fresh = () => createLabel(admin, ws);
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

  it('leaves labels untouched when a role may not change them', async () => {
    for (const user of [viewer, outsider]) {
      await api(`/labels/${shared.id}`, {
        method: 'PATCH',
        token: user.idToken,
        body: { version: 1, name: 'Hijacked' },
      });
      await api(`/labels/${shared.id}`, { method: 'DELETE', token: user.idToken });
      await api(`/workspaces/${ws}/labels`, {
        method: 'POST',
        token: user.idToken,
        body: { name: 'Sneaky', color: '#000000' },
      });
    }
    expect(await find(owner, shared)).toEqual(shared);
    expect((await createLabel(owner, ws, { name: 'Sneaky' })).name).toBe('Sneaky');
    expect((await createLabel(owner, ws, { name: 'Hijacked' })).name).toBe('Hijacked');
  });

  it('answers a non-member the same 404 for an existing label and a nonexistent one', async () => {
    const message = (res: { body: unknown }) => errorOf(res).error.message;
    const answers = [];
    for (const id of [shared.id, unknownLabelIn(ws)]) {
      answers.push(
        await api(`/labels/${id}`, {
          method: 'PATCH',
          token: outsider.idToken,
          body: { version: 1, name: 'X' },
        }),
        await api(`/labels/${id}`, { method: 'DELETE', token: outsider.idToken }),
      );
    }
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404, 404]);
    expect(new Set(answers.map(message)).size).toBe(1);
  });
});
