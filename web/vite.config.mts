import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

// The dev server's port and its /api proxy are set by the local stack (infra/local/web.ts), which knows them.
// `root` is this folder, so `vite build --config web/vite.config.mts` works from the repository root too.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [
    react(),
    // The service worker (production builds only; docs/offline.md): the app shell and every route chunk
    // precached, routes answered with index.html offline, /config.json from the network with the last copy as
    // the fallback. The API is never cached by the worker: the query cache in IndexedDB holds the data.
    VitePWA({
      strategies: 'generateSW',
      // A new version waits until the person reloads from the banner (web/src/offline/update.ts).
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['apple-touch-icon.png'],
      manifest: {
        name: 'TeamFlow',
        short_name: 'TeamFlow',
        description: 'Team task manager: boards, sprints and goals, live and offline.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#2563eb',
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,png,svg,webmanifest}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api(\/|$)/, /^\/config\.json$/],
        cleanupOutdatedCaches: true,
        // The first visit's page is controlled as soon as the worker is active (an update still waits for the
        // person: web/src/offline/update.ts).
        clientsClaim: true,
        runtimeCaching: [
          {
            urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname === '/config.json',
            handler: 'NetworkFirst',
            options: {
              cacheName: 'teamflow-config',
              networkTimeoutSeconds: 4,
              expiration: { maxEntries: 1 },
            },
          },
        ],
      },
    }),
  ],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
