import { claimsOf, refresh, revokeToken, signIn, type Tokens } from '../cognito.ts';
import type { WebConfig } from '../config.ts';

/**
 * The signed-in session: tokens and who they are for.
 *
 * Where the tokens live, and why:
 * - The ID token (what the API takes) is kept in memory only (this module's variable). It is short-lived and
 *   renewed silently a minute before it expires.
 * - The refresh token must survive a reload (a reload should not sign the person out), and the contract gives
 *   no server endpoint that could keep it in an HttpOnly cookie (the best place: no script can read it). So it
 *   goes to `sessionStorage`, not `localStorage`: sessionStorage is per tab and gone when the tab closes, so a
 *   copy does not linger on the disk for weeks, is not shared with every other tab, and an injected script can
 *   only read it while that one tab is open (the same window in which it could act as the user anyway). Memory
 *   only would be stricter but sign the person out on every reload and every link opened in a new tab.
 *   The cost: a new tab asks to sign in again. Signing out revokes the refresh token at Cognito, so a copy
 *   taken earlier stops working.
 */
const REFRESH_KEY = 'teamflow.refreshToken';
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
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

function setTokens(tokens: Tokens | null) {
  if (timer) clearTimeout(timer);
  timer = undefined;
  if (!tokens) {
    storage()?.removeItem(REFRESH_KEY);
    emit({ tokens: null, user: null });
    return;
  }
  if (tokens.refreshToken) storage()?.setItem(REFRESH_KEY, tokens.refreshToken);
  const claims = claimsOf(tokens.idToken);
  emit({
    tokens,
    user: { id: claims.sub, email: claims.email ?? '', name: claims.name ?? claims.email ?? '' },
  });
  const left = tokens.expiresAt - Date.now() - RENEW_BEFORE_MS;
  const delay = Number.isFinite(left) ? Math.min(Math.max(5_000, left), 2 ** 31 - 1) : 300_000;
  timer = setTimeout(() => void renew(), delay);
}

function cfg(): WebConfig {
  if (!config) throw new Error('session used before the config was loaded');
  return config;
}

/** Renews the ID token with the refresh token (one renewal at a time); null when the session is over. */
function renew(): Promise<string | null> {
  refreshing ??= (async () => {
    const refreshToken = state.tokens?.refreshToken ?? storage()?.getItem(REFRESH_KEY);
    if (!refreshToken) return null;
    try {
      const tokens = await refresh(cfg(), refreshToken);
      setTokens(tokens);
      return tokens.idToken;
    } catch {
      setTokens(null);
      return null;
    }
  })().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

/** At start-up: picks the session up again from the tab's refresh token, if there is one. */
export async function restoreSession(c: WebConfig): Promise<void> {
  config = c;
  if (storage()?.getItem(REFRESH_KEY)) await renew();
}

/** A valid ID token for the API (renewed first when it is about to expire), or null when signed out. */
export async function idToken(): Promise<string | null> {
  const tokens = state.tokens;
  if (!tokens) return null;
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
