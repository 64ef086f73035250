import type { WebConfig } from '../config.ts';

const config: WebConfig = {
  apiUrl: '/api',
  wsUrl: 'ws://localhost/ws',
  region: 'eu-west-1',
  userPoolId: 'pool',
  userPoolClientId: 'client',
  cognitoEndpoint: 'http://localhost:9229/',
};
const KEY = 'teamflow.refreshToken';

class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

/** An unsigned ID token for `sub` (the app reads claims only; the API verifies). */
const idTokenFor = (sub: string) =>
  `h.${Buffer.from(JSON.stringify({ sub, email: `${sub}@example.com`, exp: Date.now() / 1000 + 3600 })).toString('base64url')}.s`;

/** The refresh tokens Cognito knows, to whom they belong; any other is refused. */
let known: Record<string, string>;
let offline: boolean;
let local: MemoryStorage;
let session: MemoryStorage;
let storageListeners: Array<(event: StorageEvent) => void>;

/** What another tab's write to localStorage does here: the `storage` event (never in the writing tab). */
function otherTabWrites(value: string | null) {
  if (value === null) local.removeItem(KEY);
  else local.setItem(KEY, value);
  for (const listener of storageListeners) listener({ key: KEY, newValue: value } as StorageEvent);
}

async function loadSession() {
  let mod: typeof import('./session.ts') | undefined;
  jest.isolateModules(() => {
    mod = jest.requireActual<typeof import('./session.ts')>('./session.ts');
  });
  return mod!;
}

/** Lets the pending promises (a renewal's fetch) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

beforeEach(() => {
  // The session's renewal timer (an hour ahead) must not keep the test process alive.
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  known = { 'token-a': 'alice', 'token-b': 'bob' };
  offline = false;
  local = new MemoryStorage();
  session = new MemoryStorage();
  storageListeners = [];
  Object.assign(globalThis, {
    window: {
      localStorage: local,
      sessionStorage: session,
      addEventListener: (type: string, listener: (event: StorageEvent) => void) => {
        if (type === 'storage') storageListeners.push(listener);
      },
    },
  });
  jest.spyOn(globalThis, 'fetch').mockImplementation(async (_url, init) => {
    if (offline) throw new TypeError('Failed to fetch');
    const body = JSON.parse(String(init?.body)) as { AuthParameters?: { REFRESH_TOKEN?: string } };
    const sub = known[body.AuthParameters?.REFRESH_TOKEN ?? ''];
    if (!sub)
      return new Response(
        JSON.stringify({ __type: 'NotAuthorizedException', message: 'Invalid Refresh Token' }),
        {
          status: 400,
        },
      );
    return new Response(JSON.stringify({ AuthenticationResult: { IdToken: idTokenFor(sub) } }), {
      status: 200,
    });
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
  delete (globalThis as { window?: unknown }).window;
});

describe('the session across tabs', () => {
  it('starts signed in from the refresh token another tab stored (a new tab, a reload)', async () => {
    local.setItem(KEY, 'token-a');
    const s = await loadSession();
    await s.restoreSession(config);
    expect(s.sessionSnapshot().user?.id).toBe('alice');
  });

  it('moves a token kept per tab by the previous version to the shared storage', async () => {
    session.setItem(KEY, 'token-a');
    const s = await loadSession();
    await s.restoreSession(config);
    expect(s.sessionSnapshot().user?.id).toBe('alice');
    expect(local.getItem(KEY)).toBe('token-a');
    expect(session.getItem(KEY)).toBeNull();
  });

  it('signs this tab out when another tab signs out', async () => {
    local.setItem(KEY, 'token-a');
    const s = await loadSession();
    await s.restoreSession(config);
    otherTabWrites(null);
    expect(s.sessionSnapshot().user).toBeNull();
  });

  it('follows another tab onto the session of whoever signed in there', async () => {
    const s = await loadSession();
    await s.restoreSession(config);
    expect(s.sessionSnapshot().user).toBeNull();
    otherTabWrites('token-a');
    await settle();
    expect(s.sessionSnapshot().user?.id).toBe('alice');
    otherTabWrites('token-b');
    await settle();
    expect(s.sessionSnapshot().user?.id).toBe('bob');
  });

  it('starts offline as the person last signed in here, and renews once the network is back', async () => {
    local.setItem(KEY, 'token-a');
    const first = await loadSession();
    await first.restoreSession(config);
    expect(first.sessionSnapshot().user?.id).toBe('alice');

    // A reload without a network: the saved data of the same person opens at once (no ID token yet).
    offline = true;
    const s = await loadSession();
    await s.restoreSession(config);
    await settle();
    expect(s.sessionSnapshot().user?.id).toBe('alice');
    expect(await s.idToken()).toBeNull();
    offline = false;
    expect(typeof (await s.idToken())).toBe('string');
    expect(s.sessionSnapshot().tokens).not.toBeNull();

    // Cognito refusing the token ends it, and forgets who it was for.
    delete known['token-a'];
    const later = await loadSession();
    await later.restoreSession(config);
    await settle();
    expect(later.sessionSnapshot().user).toBeNull();
    expect(local.getItem('teamflow.user')).toBeNull();
  });

  it('keeps the stored token when a renewal fails for want of a network, drops it when Cognito refuses it', async () => {
    local.setItem(KEY, 'token-a');
    offline = true;
    const s = await loadSession();
    await s.restoreSession(config);
    expect(s.sessionSnapshot().user).toBeNull();
    expect(local.getItem(KEY)).toBe('token-a');

    offline = false;
    delete known['token-a'];
    await s.renewSession();
    expect(local.getItem(KEY)).toBeNull();
  });
});
