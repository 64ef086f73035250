import path from 'node:path';
import type { LocalSettings } from './settings.ts';
import type { RunningService } from './emulators/process.ts';
import { url } from './settings.ts';

/**
 * The web app's Vite dev server. It proxies `/api` and `/config.json` to the local HTTP API, so the browser sees
 * one origin, as with CloudFront in the cloud.
 */
export async function startWeb(settings: LocalSettings): Promise<RunningService> {
  const { createServer } = await import('vite');
  const api = url(settings, 'api');
  const server = await createServer({
    configFile: path.join(settings.root, 'web', 'vite.config.mts'),
    root: path.join(settings.root, 'web'),
    logLevel: 'warn',
    clearScreen: false,
    server: {
      host: settings.host,
      port: settings.ports.web,
      strictPort: true,
      // xfwd: the API sees the browser's address in X-Forwarded-For, as behind CloudFront.
      proxy: { '/api': { target: api, xfwd: true }, '/config.json': { target: api } },
    },
  });
  await server.listen();
  return { name: 'Web app (Vite)', url: url(settings, 'web'), stop: () => server.close() };
}
