import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import { dehydrate, hydrate, type DehydratedState, type QueryClient } from '@tanstack/react-query';

/**
 * The query cache kept in IndexedDB (docs/offline.md), per person: what was seen opens offline, and a warm start
 * shows it before any answer of the network (queries then refresh it in the background).
 * - Key: one entry per user id, so a shared browser never shows one person's data to another; signing out
 *   deletes it.
 * - Buster: CACHE_SCHEMA, raised when the shape of cached data changes (a new build alone keeps the cache: an
 *   update must not throw away what someone opened to work offline).
 * - maxAge (7 days) equals the queries' gcTime (App.tsx): a query dropped from memory would drop from the disk
 *   too at the next write, so both keep a board as long.
 * - Writes are throttled (one per second at most, and at once when the page is hidden): a 5,000-task board is a
 *   few MB, stored as a structured clone (no JSON step).
 * The stored shape is @tanstack/react-query-persist-client's (`PersistedClient`), made with this app's own
 * dehydrate/hydrate: that package carries its own older copy of query-core, whose QueryClient is another class.
 */
export const CACHE_SCHEMA = '1';
export const CACHE_MAX_AGE_MS = 7 * 24 * 3600_000;
const THROTTLE_MS = 1_000;

let database: UseStore | undefined;
const store = () => (database ??= createStore('teamflow-cache', 'clients'));
const keyFor = (userId: string) => `queries:${userId}`;

export interface PersistedClient {
  timestamp: number;
  buster: string;
  clientState: DehydratedState;
}

interface ThrottledPersister {
  persistClient(client: PersistedClient): void;
  restoreClient(): Promise<PersistedClient | undefined>;
  removeClient(): Promise<void>;
  flush(): Promise<void>;
  cancel(): void;
}

export function idbPersister(userId: string, throttleMs = THROTTLE_MS): ThrottledPersister {
  let waiting: PersistedClient | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = async () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const client = waiting;
    waiting = undefined;
    if (client) await set(keyFor(userId), client, store()).catch(() => undefined);
  };
  return {
    persistClient: (client) => {
      waiting = client;
      timer ??= setTimeout(() => void flush(), throttleMs);
    },
    restoreClient: () => get<PersistedClient>(keyFor(userId), store()),
    removeClient: () => del(keyFor(userId), store()),
    flush,
    cancel: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      waiting = undefined;
    },
  };
}

const preloaded = new Map<string, Promise<PersistedClient | undefined>>();

/** Starts reading a person's stored cache early (at start-up, while /config.json loads). */
export function preloadCache(userId: string) {
  preloaded.set(userId, idbPersister(userId).restoreClient());
}

/** Puts the person's stored cache into `client` (nothing when there is none, it is too old or of another schema). */
export async function restoreCache(client: QueryClient, userId: string, now = Date.now()): Promise<void> {
  const persister = idbPersister(userId);
  try {
    const early = preloaded.get(userId);
    preloaded.delete(userId);
    const stored = await (early ?? persister.restoreClient());
    if (!stored) return;
    if (stored.buster !== CACHE_SCHEMA || !(now - stored.timestamp <= CACHE_MAX_AGE_MS))
      await persister.removeClient();
    // Queries already in memory (fresher) are kept: hydrate only replaces older data.
    else hydrate(client, stored.clientState);
  } catch {
    await persister.removeClient().catch(() => undefined);
  }
}

/** Keeps the person's stored cache in step with `client` until the returned function is called. */
export function followCache(client: QueryClient, userId: string): () => void {
  const persister = idbPersister(userId);
  const save = () =>
    persister.persistClient({ timestamp: Date.now(), buster: CACHE_SCHEMA, clientState: dehydrate(client) });
  const unsubscribe = client.getQueryCache().subscribe((event) => {
    if (event.type === 'added' || event.type === 'removed' || event.type === 'updated') save();
  });
  const onHide = () => void persister.flush();
  const onVisibility = () => document.visibilityState === 'hidden' && onHide();
  window.addEventListener('pagehide', onHide);
  document.addEventListener('visibilitychange', onVisibility);
  return () => {
    unsubscribe();
    persister.cancel();
    window.removeEventListener('pagehide', onHide);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}

/** Deletes a person's stored cache (signing out). */
export const forgetCache = (userId: string) => del(keyFor(userId), store()).catch(() => undefined);
