import {
  addMember,
  api,
  expectErrorShape,
  invitationToken,
  mailTo,
  signUpUser,
  uniqueIp,
  type TestUser,
  addTeam,
} from './support.ts';

interface Workspace {
  id: string;
  name: string;
  role: string;
  version: number;
}

const create = async (user: TestUser, name = 'Acme') =>
  (await api<Workspace>('/workspaces', { method: 'POST', token: user.idToken, body: { name } })).body;

const listIds = async (user: TestUser) =>
  (
    (await api<{ items: Workspace[] }>('/workspaces?limit=100', { token: user.idToken })).body.items ?? []
  ).map((w) => w.id);

describe('workspaces', () => {
  let owner: TestUser;
  beforeAll(async () => {
    owner = await signUpUser('Olga Owner');
  });

  it('creates a workspace whose creator is its owner, and lists it', async () => {
    const res = await api<Workspace>('/workspaces', {
      method: 'POST',
      token: owner.idToken,
      body: { name: ' Acme ' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
      name: 'Acme',
      role: 'owner',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      version: 1,
    });
    expect(await listIds(owner)).toContain(res.body.id);
    expect((await api(`/workspaces/${res.body.id}`, { token: owner.idToken })).body).toEqual(res.body);
  });

  it.each([
    ['a missing name', {}, 'name'],
    ['a blank name', { name: '   ' }, 'name'],
    ['an oversize name', { name: 'x'.repeat(101) }, 'name'],
    ['a wrong type', { name: 7 }, 'name'],
    ['an unknown field', { name: 'A', plan: 'pro' }, 'plan'],
  ])('refuses %s with 400 and creates nothing', async (_, body, field) => {
    const before = await listIds(owner);
    const res = await api('/workspaces', { method: 'POST', token: owner.idToken, body });
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'VALIDATION_ERROR');
    expect(
      (res.body as { error: { details: Array<{ field: string }> } }).error.details.map((d) => d.field),
    ).toEqual([field]);
    expect(await listIds(owner)).toEqual(before);
  });

  it('pages through the list, every workspace exactly once', async () => {
    const user = await signUpUser();
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await create(user, `W${i}`)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await api<{ items: Workspace[]; nextCursor: string | null }>(
        `/workspaces?limit=2${query}`,
        {
          token: user.idToken,
        },
      );
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((w) => w.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(made.sort());
  });

  it('refuses a cursor it did not give out, or one of another list', async () => {
    const bad = await api('/workspaces?cursor=not-a-cursor', { token: owner.idToken });
    expect(bad.status).toBe(400);
    const other = await signUpUser();
    await create(other, 'A');
    await create(other, 'B');
    const { nextCursor } = (
      await api<{ nextCursor: string }>('/workspaces?limit=1', { token: other.idToken })
    ).body;
    const stolen = await api(`/workspaces?cursor=${encodeURIComponent(nextCursor)}`, {
      token: owner.idToken,
    });
    expect(stolen.status).toBe(400);
    expect((stolen.body as { error: { details: Array<{ field: string }> } }).error.details[0]!.field).toBe(
      'cursor',
    );
  });

  it.each([
    ['limit 0', '?limit=0', 'limit'],
    ['limit 101', '?limit=101', 'limit'],
    ['limit text', '?limit=ten', 'limit'],
  ])('refuses %s', async (_, query, field) => {
    const res = await api(`/workspaces${query}`, { token: owner.idToken });
    expect(res.status).toBe(400);
    expect((res.body as { error: { details: Array<{ field: string }> } }).error.details[0]!.field).toBe(
      field,
    );
  });

  it('renames with the current version, and answers a stale one with 409 and the stored workspace', async () => {
    const ws = await create(owner);
    const renamed = await api<Workspace>(`/workspaces/${ws.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { name: 'Renamed', version: 1 },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Renamed', version: 2 });
    const stale = await api(`/workspaces/${ws.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { name: 'Lost', version: 1 },
    });
    expect(stale.status).toBe(409);
    expectErrorShape(stale.body, 'VERSION_CONFLICT');
    expect(stale.body).toMatchObject({ current: { name: 'Renamed', version: 2 }, error: { details: [] } });
    const missingVersion = await api(`/workspaces/${ws.id}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { name: 'X' },
    });
    expect(missingVersion.status).toBe(400);
  });

  it('answers 400 for an id that is not an id, and 404 for one that does not exist', async () => {
    expect((await api('/workspaces/not-an-id', { token: owner.idToken })).status).toBe(400);
    expect((await api('/workspaces/01ARZ3NDEKTSV4RRFFQ69G5FAV', { token: owner.idToken })).status).toBe(404);
  });
});

describe('invitations and members', () => {
  let owner: TestUser;
  let ws: Workspace;
  beforeAll(async () => {
    owner = await signUpUser('Olga Owner');
    ws = await create(owner, 'Invite Co');
  });

  it('invites by email; the invitee accepts with the emailed link and becomes a member', async () => {
    const invitee = await signUpUser('Ivan Invitee');
    const res = await api(`/workspaces/${ws.id}/invitations`, {
      method: 'POST',
      token: owner.idToken,
      body: { email: invitee.email.toUpperCase(), role: 'member' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: invitee.email, role: 'member', expiresAt: expect.any(String) });
    const days = (Date.parse(res.body.expiresAt as string) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);

    const pending = await api<{ items: Array<{ id: string }> }>(`/workspaces/${ws.id}/invitations`, {
      token: owner.idToken,
    });
    expect(pending.body.items.map((i) => i.id)).toContain(res.body.id);

    const again = await api(`/workspaces/${ws.id}/invitations`, {
      method: 'POST',
      token: owner.idToken,
      body: { email: invitee.email, role: 'viewer' },
    });
    expect(again.status).toBe(409);
    expectErrorShape(again.body, 'CONFLICT');

    const mail = await mailTo(invitee.email, /^Join Invite Co/);
    expect(mail.body.text).toContain('Olga Owner invited you');
    const token = invitationToken(mail);

    const stranger = await signUpUser();
    // Before accepting, the link tells what it invites to: the invitee sees their address, others a masked one.
    const preview = await api(`/invitations/${token}`, { token: invitee.idToken });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      workspaceId: ws.id,
      workspaceName: 'Invite Co',
      inviterName: 'Olga Owner',
      role: 'member',
      email: invitee.email,
      expiresAt: res.body.expiresAt,
      status: 'pending',
      forYou: true,
    });
    const seenByStranger = await api(`/invitations/${token}`, { token: stranger.idToken });
    expect(seenByStranger.body).toMatchObject({ forYou: false, email: `${invitee.email[0]}***@example.com` });
    expect(JSON.stringify(seenByStranger.body)).not.toContain(invitee.email);
    const unknownToken = await api(`/invitations/${'x'.repeat(43)}`, { token: stranger.idToken });
    expect(unknownToken.status).toBe(404);
    const wrong = await api(`/invitations/${token}/accept`, {
      method: 'POST',
      token: stranger.idToken,
      fromIp: uniqueIp(),
    });
    expect(wrong.status).toBe(403);

    const accepted = await api(`/invitations/${token}/accept`, {
      method: 'POST',
      token: invitee.idToken,
      fromIp: uniqueIp(),
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({
      workspaceId: ws.id,
      workspaceName: 'Invite Co',
      userId: invitee.userId,
      role: 'member',
    });

    const twice = await api(`/invitations/${token}/accept`, {
      method: 'POST',
      token: invitee.idToken,
      fromIp: uniqueIp(),
    });
    expect(twice.status).toBe(409);
    expect((await api(`/invitations/${token}`, { token: invitee.idToken })).body).toMatchObject({
      status: 'accepted',
    });

    const members = await api<{ items: Array<{ userId: string; name: string; role: string }> }>(
      `/workspaces/${ws.id}/members`,
      { token: invitee.idToken },
    );
    expect(members.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: owner.userId, name: 'Olga Owner', role: 'owner' }),
        expect.objectContaining({ userId: invitee.userId, name: 'Ivan Invitee', role: 'member' }),
      ]),
    );
    const theirList = await api<{ items: Workspace[] }>('/workspaces', { token: invitee.idToken });
    expect(theirList.body.items).toEqual([expect.objectContaining({ id: ws.id, role: 'member' })]);
    const pendingAfter = await api<{ items: Array<{ id: string }> }>(`/workspaces/${ws.id}/invitations`, {
      token: owner.idToken,
    });
    expect(pendingAfter.body.items.map((i) => i.id)).not.toContain(res.body.id);
  });

  it('refuses to invite an existing member', async () => {
    const member = await addMember(owner, ws.id, 'viewer');
    const res = await api(`/workspaces/${ws.id}/invitations`, {
      method: 'POST',
      token: owner.idToken,
      body: { email: member.email, role: 'member' },
    });
    expect(res.status).toBe(409);
  });

  it('revokes an invitation: its link no longer works', async () => {
    const invitee = await signUpUser();
    const res = await api(`/workspaces/${ws.id}/invitations`, {
      method: 'POST',
      token: owner.idToken,
      body: { email: invitee.email, role: 'member' },
    });
    const token = invitationToken(await mailTo(invitee.email, /^Join /));
    expect(
      (await api(`/invitations/${res.body.id}`, { method: 'DELETE', token: owner.idToken })).status,
    ).toBe(204);
    expect(
      (
        await api(`/invitations/${token}/accept`, {
          method: 'POST',
          token: invitee.idToken,
          fromIp: uniqueIp(),
        })
      ).status,
    ).toBe(404);
  });

  it.each([
    ['an invalid email', { email: 'not-an-email', role: 'member' }, 'email'],
    ['an unknown role', { email: 'a@example.com', role: 'superuser' }, 'role'],
    ['a missing role', { email: 'a@example.com' }, 'role'],
  ])('refuses %s with 400', async (_, body, field) => {
    const res = await api(`/workspaces/${ws.id}/invitations`, { method: 'POST', token: owner.idToken, body });
    expect(res.status).toBe(400);
    expect((res.body as { error: { details: Array<{ field: string }> } }).error.details[0]!.field).toBe(
      field,
    );
  });

  it('answers an unknown token with 404 and a malformed one with 400', async () => {
    const user = await signUpUser();
    const unknown = 'A'.repeat(43);
    expect(
      (
        await api(`/invitations/${unknown}/accept`, {
          method: 'POST',
          token: user.idToken,
          fromIp: uniqueIp(),
        })
      ).status,
    ).toBe(404);
    expect(
      (await api('/invitations/short/accept', { method: 'POST', token: user.idToken, fromIp: uniqueIp() }))
        .status,
    ).toBe(400);
  });
});

describe('roles', () => {
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let viewer: TestUser;
  let outsider: TestUser;
  let ws: Workspace;

  beforeAll(async () => {
    owner = await signUpUser('Owner');
    ws = await create(owner, 'Roles Inc');
    ({ admin, member, viewer, outsider } = await addTeam(owner, ws.id));
  }, 60_000);

  const who = () => ({
    owner,
    admin,
    member,
    viewer,
    outsider,
    anonymous: undefined as TestUser | undefined,
  });

  // Bodies are valid, so each status is the roles check's own answer. (Input is validated before roles: a bad
  // body is a 400 for anyone, which says nothing about whether the workspace exists.)
  const matrix: Array<[string, string, () => object | undefined, Record<string, number>]> = [
    [
      'GET',
      '',
      () => undefined,
      { owner: 200, admin: 200, member: 200, viewer: 200, outsider: 404, anonymous: 401 },
    ],
    [
      'PATCH',
      '',
      () => ({ name: 'Roles Inc', version: 999 }),
      // The owner gets past the roles check to the version check (999 is stale): 409, not 403.
      { owner: 409, admin: 403, member: 403, viewer: 403, outsider: 404, anonymous: 401 },
    ],
    [
      'GET',
      '/members',
      () => undefined,
      { owner: 200, admin: 200, member: 200, viewer: 200, outsider: 404, anonymous: 401 },
    ],
    [
      'GET',
      '/invitations',
      () => undefined,
      { owner: 200, admin: 200, member: 403, viewer: 403, outsider: 404, anonymous: 401 },
    ],
    [
      'POST',
      '/invitations',
      () => ({ email: `invitee-${Math.random().toString(36).slice(2)}@example.com`, role: 'viewer' }),
      { owner: 201, admin: 201, member: 403, viewer: 403, outsider: 404, anonymous: 401 },
    ],
  ];

  for (const [method, suffix, body, expected] of matrix) {
    it(`${method} /workspaces/{id}${suffix} answers each role as the roles table says`, async () => {
      for (const [role, user] of Object.entries(who())) {
        const res = await api(`/workspaces/${ws.id}${suffix}`, {
          method,
          token: user?.idToken,
          body: body(),
        });
        expect({ role, status: res.status }).toEqual({ role, status: expected[role] });
      }
    });
  }

  it('lets admins manage members but not owners, and never leaves a workspace without an owner', async () => {
    const extra = await addMember(owner, ws.id, 'viewer');
    const promote = await api(`/workspaces/${ws.id}/members/${extra.userId}`, {
      method: 'PATCH',
      token: admin.idToken,
      body: { role: 'member' },
    });
    expect(promote.status).toBe(200);
    expect(promote.body).toMatchObject({ userId: extra.userId, role: 'member' });

    const toOwner = await api(`/workspaces/${ws.id}/members/${extra.userId}`, {
      method: 'PATCH',
      token: admin.idToken,
      body: { role: 'owner' },
    });
    expect(toOwner.status).toBe(403);
    const demoteOwner = await api(`/workspaces/${ws.id}/members/${owner.userId}`, {
      method: 'PATCH',
      token: admin.idToken,
      body: { role: 'viewer' },
    });
    expect(demoteOwner.status).toBe(403);
    const byMember = await api(`/workspaces/${ws.id}/members/${extra.userId}`, {
      method: 'PATCH',
      token: member.idToken,
      body: { role: 'viewer' },
    });
    expect(byMember.status).toBe(403);

    const lastOwnerDemotes = await api(`/workspaces/${ws.id}/members/${owner.userId}`, {
      method: 'PATCH',
      token: owner.idToken,
      body: { role: 'admin' },
    });
    expect(lastOwnerDemotes.status).toBe(409);
    expectErrorShape(lastOwnerDemotes.body, 'CONFLICT');
    const lastOwnerLeaves = await api(`/workspaces/${ws.id}/members/${owner.userId}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(lastOwnerLeaves.status).toBe(409);
  });

  it('takes access away from a removed member at once', async () => {
    const leaving = await addMember(owner, ws.id, 'member');
    expect((await api(`/workspaces/${ws.id}`, { token: leaving.idToken })).status).toBe(200);
    const removed = await api(`/workspaces/${ws.id}/members/${leaving.userId}`, {
      method: 'DELETE',
      token: admin.idToken,
    });
    expect(removed.status).toBe(204);
    expect((await api(`/workspaces/${ws.id}`, { token: leaving.idToken })).status).toBe(404);
    expect((await api<{ items: Workspace[] }>('/workspaces', { token: leaving.idToken })).body.items).toEqual(
      [],
    );
  });

  it('lets a second owner exist, after which the first may step down', async () => {
    const other = await signUpUser();
    const team = await create(other, 'Two Owners');
    const second = await addMember(other, team.id, 'admin');
    expect(
      (
        await api(`/workspaces/${team.id}/members/${second.userId}`, {
          method: 'PATCH',
          token: other.idToken,
          body: { role: 'owner' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await api(`/workspaces/${team.id}/members/${other.userId}`, {
          method: 'DELETE',
          token: other.idToken,
        })
      ).status,
    ).toBe(204);
    expect((await api(`/workspaces/${team.id}`, { token: second.idToken })).body).toMatchObject({
      role: 'owner',
    });
  });

  it('deletes a workspace for everyone (owner only)', async () => {
    const other = await signUpUser();
    const doomed = await create(other, 'Doomed');
    const colleague = await addMember(other, doomed.id, 'admin');
    expect(
      (await api(`/workspaces/${doomed.id}`, { method: 'DELETE', token: colleague.idToken })).status,
    ).toBe(403);
    expect((await api(`/workspaces/${doomed.id}`, { method: 'DELETE', token: other.idToken })).status).toBe(
      204,
    );
    for (const user of [other, colleague]) {
      expect((await api(`/workspaces/${doomed.id}`, { token: user.idToken })).status).toBe(404);
      expect(await listIds(user)).not.toContain(doomed.id);
    }
  });
});
