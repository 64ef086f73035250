import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS } from '../infra/local/settings.ts';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#functions/store/keys';
import { db, storedItem, table } from './fixtures.ts';
import { api, expectErrorShape, outputs, signUpUser, type TestUser } from './support.ts';

describe('GET/PATCH /api/me', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await signUpUser('Ada Lovelace');
  });

  it('has the profile item before the first API call: the post-confirmation trigger created it', async () => {
    const o = outputs();
    const dynamodb = new DynamoDBClient({
      region: o.region,
      endpoint: o.local.endpoints.dynamodb,
      credentials: LOCAL_CREDENTIALS,
    });
    const { Item } = await dynamodb.send(
      new GetItemCommand({
        TableName: o.local.resources.tableName,
        Key: { PK: { S: `USER#${user.userId}` }, SK: { S: 'PROFILE' } },
      }),
    );
    expect(Item?.email?.S).toBe(user.email);
    expect(Item?.name?.S).toBe('Ada Lovelace');
  });

  it('returns the caller profile with the IdToken', async () => {
    const res = await api('/me', { token: user.idToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: user.userId,
      email: user.email,
      name: 'Ada Lovelace',
      avatarUrl: null,
      timezone: 'UTC',
      notificationPrefs: { email: { assigned: true, mentioned: true, dueSoon: true, digest: false } },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updatedAt: expect.any(String),
      version: 1,
    });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('changes only the fields sent, and bumps the version', async () => {
    const res = await api('/me', {
      method: 'PATCH',
      token: user.idToken,
      body: {
        name: '  Ada King  ',
        timezone: 'Europe/London',
        notificationPrefs: { email: { digest: true } },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Ada King',
      timezone: 'Europe/London',
      notificationPrefs: { email: { assigned: true, mentioned: true, dueSoon: true, digest: true } },
      version: 2,
    });
    const again = await api('/me', { token: user.idToken });
    expect(again.body).toEqual(res.body);
  });

  it('loses no update when two changes of different fields race', async () => {
    const before = (await api('/me', { token: user.idToken })).body as { version: number };
    await Promise.all([
      api('/me', { method: 'PATCH', token: user.idToken, body: { avatarUrl: 'https://example.com/a.png' } }),
      api('/me', {
        method: 'PATCH',
        token: user.idToken,
        body: { notificationPrefs: { email: { assigned: false } } },
      }),
    ]);
    const after = (await api('/me', { token: user.idToken })).body;
    expect(after).toMatchObject({
      avatarUrl: 'https://example.com/a.png',
      notificationPrefs: { email: { assigned: false } },
      version: before.version + 2,
    });
  });

  it.each([
    ['malformed JSON', { rawBody: '{"name": ', headers: { 'content-type': 'application/json' } }, ['body']],
    ['an empty object', { body: {} }, ['body']],
    ['a number for name', { body: { name: 42 } }, ['name']],
    ['a blank name', { body: { name: '   ' } }, ['name']],
    ['an oversize name', { body: { name: 'x'.repeat(101) } }, ['name']],
    ['an unknown time zone', { body: { timezone: 'Mars/Olympus_Mons' } }, ['timezone']],
    ['a non-http avatar URL', { body: { avatarUrl: 'javascript:alert(1)' } }, ['avatarUrl']],
    ['an unknown field', { body: { name: 'A', role: 'owner' } }, ['role']],
    [
      'a wrong type deep inside',
      { body: { notificationPrefs: { email: { digest: 'yes' } } } },
      ['notificationPrefs.email.digest'],
    ],
    ['an array body', { body: [1, 2] }, ['body']],
  ])('answers 400 naming the field for %s, and writes nothing', async (_, request, fields) => {
    const before = (await api('/me', { token: user.idToken })).body;
    const res = await api('/me', { method: 'PATCH', token: user.idToken, ...request });
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'VALIDATION_ERROR');
    const details = (res.body as { error: { details: Array<{ field: string }> } }).error.details;
    expect(details.map((d) => d.field)).toEqual(fields);
    expect((await api('/me', { token: user.idToken })).body).toEqual(before);
  });

  it('indexes by email, on its next read, a profile made before profiles were (so invitations find it)', async () => {
    const older = await signUpUser('Old Timer');
    const stored = await storedItem(keys.user(older.userId));
    expect(stored).toMatchObject(keys.userByEmail(older.email));
    await db().send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.user(older.userId),
        UpdateExpression: 'REMOVE GSI2PK, GSI2SK',
      }),
    );
    expect((await api('/me', { token: older.idToken })).status).toBe(200);
    expect(await storedItem(keys.user(older.userId))).toMatchObject(keys.userByEmail(older.email));
  });

  it('refuses a body over 256 KB with 413', async () => {
    const res = await api('/me', {
      method: 'PATCH',
      token: user.idToken,
      body: { name: 'x'.repeat(300 * 1024) },
    });
    expect(res.status).toBe(413);
    expectErrorShape(res.body, 'PAYLOAD_TOO_LARGE');
  });
});

describe('routing', () => {
  it('answers an unknown route with 404 in the error shape', async () => {
    const res = await api('/nothing/here');
    expect(res.status).toBe(404);
    expectErrorShape(res.body, 'NOT_FOUND');
  });

  it('answers a known path with a method it lacks with 404', async () => {
    const res = await api('/health', { method: 'DELETE' });
    expect(res.status).toBe(404);
    expectErrorShape(res.body, 'NOT_FOUND');
  });

  it('serves /config.json on the web origin with exactly the contract keys', async () => {
    const o = outputs();
    const res = await fetch(`${o.webUrl}/config.json`);
    const config = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(config).sort()).toEqual(
      ['apiUrl', 'cognitoEndpoint', 'region', 'userPoolClientId', 'userPoolId', 'wsUrl'].sort(),
    );
    expect(config.apiUrl).toBe(`${o.webUrl}/api`);
  });

  it('reports health with the table check', async () => {
    const res = await api('/health');
    expect(res.body).toEqual({ status: 'ok', version: expect.any(String), checks: { table: 'ok' } });
  });
});
