import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { LocalSettings } from './settings.ts';
import type { RunningService } from './emulators/process.ts';
import { url } from './settings.ts';

/**
 * The web app as people get it: the production build of web/ (what CloudFront serves in the cloud), served by a
 * small HTTP server that also proxies `/api` and `/config.json` to the local HTTP API, so the browser sees one
 * origin. A service worker needs exactly this (a dev server's modules are not what gets precached).
 *
 * The build is made when its inputs changed: web/, shared/, the Vite config and package-lock.json are hashed and
 * each build lives in node_modules/.cache/teamflow-web/<hash>/ (the hash is the folder's name; a folder appears,
 * by rename, only once its build is complete). Not web/dist itself: that is the deploy's output, emptied by each
 * `vite build`, and several stacks may run from one work tree at once (tests, benchmarks, `npm start`): a build
 * in use is never rewritten under a running server. `npm run dev` is the Vite dev server instead.
 */
export async function startWeb(settings: LocalSettings): Promise<RunningService> {
  if (process.env.TEAMFLOW_WEB_DEV === '1') return startDevWeb(settings);
  const dist = await ensureBuild(settings.root);
  const server = serveBuild(dist, url(settings, 'api'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.ports.web, settings.host, () => resolve());
  });
  return {
    name: 'Web app (production build)',
    url: url(settings, 'web'),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `npm run dev`'s server: Vite with hot reload, the same proxy. */
export async function startDevWeb(settings: LocalSettings): Promise<RunningService> {
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
  return { name: 'Web app (Vite dev server)', url: url(settings, 'web'), stop: () => server.close() };
}

/** Builds older than this are removed when a new build is made (one in use by a running stack is younger). */
const KEEP_OLD_BUILDS_MS = 24 * 3600_000;

/** The hash of everything a build depends on. */
export function buildInputsHash(root: string): string {
  // The build's own recipe (NODE_ENV forced to production, below) is part of what a build depends on.
  const hash = createHash('sha256').update('production build 2\0');
  const add = (file: string) => {
    hash.update(path.relative(root, file));
    hash.update('\0');
    hash.update(fs.readFileSync(file));
    hash.update('\0');
  };
  const walk = (dir: string) => {
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && !/\.test\.tsx?$/.test(entry.name)) add(full);
    }
  };
  walk(path.join(root, 'web'));
  walk(path.join(root, 'shared'));
  add(path.join(root, 'package-lock.json'));
  return hash.digest('hex').slice(0, 16);
}

/** The folder of an up-to-date production build of web/, built first if there is none. */
export async function ensureBuild(root: string): Promise<string> {
  const builds = path.join(root, 'node_modules', '.cache', 'teamflow-web');
  const hash = buildInputsHash(root);
  const dist = path.join(builds, hash);
  if (fs.existsSync(path.join(dist, 'index.html'))) return dist;
  fs.mkdirSync(builds, { recursive: true });
  const partial = fs.mkdtempSync(path.join(builds, `.partial-${hash}-`));
  try {
    const { build } = await import('vite');
    // Vite builds for whatever NODE_ENV says when it is set (jest sets `test`, and the tests' stack inherits
    // it): React's development build and no service worker. This is the production build, always.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        configFile: path.join(root, 'web', 'vite.config.mts'),
        root: path.join(root, 'web'),
        mode: 'production',
        logLevel: 'warn',
        build: { outDir: partial, emptyOutDir: true },
      });
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
    try {
      fs.renameSync(partial, dist);
    } catch (error) {
      // Another stack finished the same build first: use that one.
      if (!fs.existsSync(path.join(dist, 'index.html'))) throw error;
    }
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
  for (const entry of fs.readdirSync(builds)) {
    const full = path.join(builds, entry);
    if (entry !== hash && Date.now() - fs.statSync(full).mtimeMs > KEEP_OLD_BUILDS_MS)
      fs.rmSync(full, { recursive: true, force: true });
  }
  return dist;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * Cache rules, as CloudFront has them: hashed assets never change (`immutable`); everything else (index.html,
 * sw.js, the manifest, icons) is revalidated on every load, so a new build is seen at once.
 */
export const cacheControlFor = (pathname: string) =>
  pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';

/** Serves a build folder: files, the SPA fallback to index.html for routes, and the proxy to the API. */
export function serveBuild(dist: string, apiUrl: string): http.Server {
  const api = new URL(apiUrl);
  return http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://local').pathname);
    if (pathname === '/api' || pathname.startsWith('/api/') || pathname === '/config.json') {
      proxy(req, res, api);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const file = path.join(dist, path.normalize(pathname));
    const inside =
      file.startsWith(dist + path.sep) && !pathname.split('/').some((part) => part.startsWith('.'));
    if (inside && fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
      sendFile(req, res, file, pathname);
      return;
    }
    // A route of the app (no file extension): the app shell. A missing file stays a 404.
    if (!path.extname(pathname)) {
      sendFile(req, res, path.join(dist, 'index.html'), '/index.html');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
  });
}

function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, pathname: string) {
  const stat = fs.statSync(file);
  const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const headers = {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': cacheControlFor(pathname),
    etag,
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': stat.size });
  if (req.method === 'HEAD') res.end();
  else fs.createReadStream(file).pipe(res);
}

/** Passes a request on to the API, with the browser's address in X-Forwarded-For (as CloudFront does). */
function proxy(req: http.IncomingMessage, res: http.ServerResponse, api: URL) {
  const forwarded = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
  const upstream = http.request(
    {
      hostname: api.hostname,
      port: api.port,
      method: req.method,
      path: req.url,
      headers: {
        ...req.headers,
        'x-forwarded-for': forwarded,
        'x-forwarded-proto': 'http',
      },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: 'The local API is not reachable' } }));
  });
  req.pipe(upstream);
}
