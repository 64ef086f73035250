import { claimsOf, CognitoError, refresh, revokeToken, signIn, type Tokens } from '../cognito.ts';
import type { WebConfig } from '../config.ts';

/**
 * The signed-in session: tokens and who they are for.
 *
 * Where the tokens live, and why:
 * - The ID token (what the API takes) is kept in memory only (this module's variable). It is short-lived (1 h)
 *   and renewed silently a minute before it expires; each tab renews its own.
 * - The refresh token (30 days) must outlive a reload, and the contract gives no server endpoint that could keep
 *   it in an HttpOnly cookie (the only place no script can read). It goes to `localStorage`, so the person stays
 *   signed in in every tab: a link from an email, a task opened in a new tab, tomorrow's visit. That is what
 *   people expect of a work tool they open many times a day, and the way in from outside (notification and
 *   invitation emails, chat links) always opens a new tab.
 *   Weighed against the alternatives:
 *   - `sessionStorage` (the previous choice) signed every new tab out. Against XSS it protects nothing more: a
 *     script injected into the app reads whatever storage its tab has, and acts as the user while it runs.
 *   - A BroadcastChannel hand-off from an open tab keeps the token off the disk, but signs in a new tab only
 *     while another one is open: a link from an email would work or not depending on the other tabs, which
 *     is worse than either clear rule, and any injected script can ask the channel as well.
 *   What localStorage adds is the copy at rest for the refresh token's lifetime: on a shared computer the
 *   session stays until someone signs out. Hence: signing out revokes the token at Cognito (a copy taken
 *   earlier stops working) and ends the session in every tab at once (the `storage` event); a token Cognito
 *   refuses is dropped from storage; the first defence against XSS stays not having one (React escaping,
 *   Markdown without raw HTML). An HttpOnly cookie set by an auth endpoint of our own is the upgrade path.
 * - Tabs follow each other: signing out in one signs out all; signing in (as anyone) in one brings the others
 *   onto that session, so two tabs never act as two different people.
 * - Who is signed in (id, email, name: no secret) is kept next to the refresh token, so a start without a
 *   network (offline, docs/offline.md) opens that person's saved data at once; the ID token is renewed as soon
 *   as Cognito answers, and a refused refresh token ends the session as before. Signing out deletes this
 *   person's saved data and waiting changes (web/src/offline/sync.ts forgetUser).
 */
const REFRESH_KEY = 'teamflow.refreshToken';
const USER_KEY = 'teamflow.user';
/** Renew the ID token this long before it expires. */
const RENEW_BEFORE_MS = 60_000;

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

interface State {
  tokens: Tokens | null;
  user: SessionUser | null;
}

let config: WebConfig | undefined;
let state: State = { tokens: null, user: null };
let timer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<string | null> | undefined;
const listeners = new Set<() => void>();

function emit(next: State) {
  state = next;
  for (const listener of listeners) listener();
}

export const subscribeSession = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};
export const sessionSnapshot = () => state;

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

function setTokens(tokens: Tokens | null) {
  if (timer) clearTimeout(timer);
  timer = undefined;
  if (!tokens) {
    storage()?.removeItem(REFRESH_KEY);
    storage()?.removeItem(USER_KEY);
    emit({ tokens: null, user: null });
    return;
  }
  if (tokens.refreshToken) storage()?.setItem(REFRESH_KEY, tokens.refreshToken);
  const claims = claimsOf(tokens.idToken);
  const user = { id: claims.sub, email: claims.email ?? '', name: claims.name ?? claims.email ?? '' };
  storage()?.setItem(USER_KEY, JSON.stringify(user));
  emit({ tokens, user });
  const left = tokens.expiresAt - Date.now() - RENEW_BEFORE_MS;
  const delay = Number.isFinite(left) ? Math.min(Math.max(5_000, left), 2 ** 31 - 1) : 300_000;
  timer = setTimeout(() => void renew(), delay);
}

function cfg(): WebConfig {
  if (!config) throw new Error('session used before the config was loaded');
  return config;
}

/** A failure that says nothing about the token (offline, throttled, Cognito down): keep the session. */
const isTransient = (error: unknown) =>
  !(error instanceof CognitoError) ||
  ['TooManyRequestsException', 'InternalErrorException', 'Error'].includes(error.type);

/**
 * Renews the ID token with the refresh token (one renewal at a time); null when the session is over. Only
 * Cognito refusing the token ends the session (and removes it from storage, for every tab); a network failure
 * keeps it, so the next call tries again.
 */
function renew(
  refreshToken = state.tokens?.refreshToken ?? storage()?.getItem(REFRESH_KEY),
): Promise<string | null> {
  refreshing ??= (async () => {
    if (!refreshToken) return null;
    try {
      const tokens = await refresh(cfg(), refreshToken);
      // Another tab may have signed out (or in as someone else) meanwhile: its choice wins.
      const shared = storage();
      if (shared && shared.getItem(REFRESH_KEY) !== refreshToken) return null;
      setTokens(tokens);
      return tokens.idToken;
    } catch (error) {
      if (!isTransient(error)) setTokens(null);
      return null;
    }
  })().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

/**
 * Another tab signed in or out (the `storage` event fires in the other tabs only): this tab follows, signed
 * out, or on the new session (renewed from the new refresh token, which tells who it is for).
 */
function onStorage(event: StorageEvent) {
  if (event.key !== REFRESH_KEY && event.key !== null) return;
  const stored = storage()?.getItem(REFRESH_KEY) ?? null;
  if (stored === (state.tokens?.refreshToken ?? null)) return;
  if (!stored) {
    if (timer) clearTimeout(timer);
    timer = undefined;
    emit({ tokens: null, user: null });
    return;
  }
  void renew(stored);
}

/** The id of the person last signed in here, known before the config loads (to read their saved data early). */
export const knownUserId = () => (storage()?.getItem(REFRESH_KEY) ? storedUser()?.id : undefined);

/** The person the stored refresh token is for, as last seen signed in (null when unknown). */
function storedUser(): SessionUser | null {
  try {
    const user = JSON.parse(storage()?.getItem(USER_KEY) ?? 'null') as SessionUser | null;
    return user && typeof user.id === 'string' ? user : null;
  } catch {
    return null;
  }
}

/**
 * At start-up: picks the session up again from the stored refresh token, if there is one. When the person is
 * known from before, the app starts at once as them (their saved data shows while Cognito renews the ID token,
 * or without a network at all); else this waits for the renewal.
 */
export async function restoreSession(c: WebConfig): Promise<void> {
  config = c;
  window.addEventListener('storage', onStorage);
  try {
    // A token kept per tab by an earlier version of the app moves to the shared place.
    const legacy = window.sessionStorage.getItem(REFRESH_KEY);
    if (legacy) {
      window.sessionStorage.removeItem(REFRESH_KEY);
      if (!storage()?.getItem(REFRESH_KEY)) storage()?.setItem(REFRESH_KEY, legacy);
    }
  } catch {
    // No sessionStorage (privacy settings): nothing to move.
  }
  if (!storage()?.getItem(REFRESH_KEY)) return;
  const known = storedUser();
  if (known) {
    emit({ tokens: null, user: known });
    void renew();
  } else await renew();
}

/** A valid ID token for the API (renewed first when it is about to expire), or null when signed out. */
export async function idToken(): Promise<string | null> {
  const tokens = state.tokens;
  // Started without a network: the renewal is tried again when a request needs the token.
  if (!tokens) return state.user ? renew() : null;
  if (tokens.expiresAt - Date.now() > 10_000) return tokens.idToken;
  return renew();
}

/** Forces a renewal (after a 401): null when the session could not be renewed. */
export const renewSession = () => renew();

export async function signInWithPassword(email: string, password: string): Promise<void> {
  setTokens(await signIn(cfg(), email, password));
}

export async function signOut(): Promise<void> {
  const refreshToken = state.tokens?.refreshToken;
  setTokens(null);
  if (refreshToken) await revokeToken(cfg(), refreshToken).catch(() => undefined);
}
