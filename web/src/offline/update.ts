/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/vanillajs" />

/**
 * The service worker (production builds; docs/offline.md "Updates"). A new version is downloaded in the
 * background and waits: the app shows a banner, and the person reloads when it suits them (an edit being typed
 * is never cut off; changes waiting in the outbox survive the reload anyway). Closing every tab of the app also
 * lets the new version in. The worker is checked for an update every hour for tabs left open for days.
 */
const CHECK_EVERY_MS = 3600_000;

let ready = false;
let update: ((reload?: boolean) => Promise<void>) | undefined;
const listeners = new Set<() => void>();

export const updateReady = () => ready;
export const subscribeUpdate = (listener: () => void) => {
  listeners.add(listener);
  return () => void listeners.delete(listener);
};
export const applyUpdate = () => update?.(true) ?? Promise.resolve();

/**
 * Keeps the config this page started with in the cache the worker answers `/config.json` from offline (its
 * network-first route fills it only for pages it controls, and the very first visit is not one of them).
 */
export async function rememberConfig(config: unknown): Promise<void> {
  if (!import.meta.env.PROD || typeof caches === 'undefined') return;
  const cache = await caches.open('teamflow-config');
  await cache.put(
    new Request('/config.json'),
    new Response(JSON.stringify(config), { headers: { 'content-type': 'application/json' } }),
  );
}

export async function registerServiceWorker(): Promise<void> {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const { registerSW } = await import('virtual:pwa-register');
  update = registerSW({
    onNeedRefresh() {
      ready = true;
      for (const listener of listeners) listener();
    },
    onRegisteredSW(_url, registration) {
      if (registration) setInterval(() => void registration.update().catch(() => undefined), CHECK_EVERY_MS);
    },
  });
}
