/**
 * The board of a 5,000-task project in headless Chromium (Debian's /usr/bin/chromium), against the production
 * build of the SPA (vite build, served by `vite preview` with /api proxied to a local stack, as CloudFront does in
 * the cloud). Figures, never asserted:
 * - time from navigation to the board showing its first cards (target < 1 s): measured in the page, from the
 *   navigation's start (performance.now() = 0) to the first card (an article in a column region) in the DOM,
 *   first with an empty HTTP cache, then warm; signed in already (the tab's session is restored on load);
 * - the longest frame while dragging a card across columns with the mouse (target < 50 ms): requestAnimationFrame
 *   deltas during the drag, and the longest long-animation-frame entry (Chromium's LoAF) as a cross-check;
 * - the JavaScript the board route really fetched (gzip of each file), to compare with web-bundle's manifest view;
 * - a warm start from IndexedDB (target < 500 ms): reloads with the browser offline, so the first card comes from
 *   the service worker's precache and the query cache stored in IndexedDB (web/src/offline/persist.ts) only.
 *
 * The workspace and project are made through the API; the tasks are seeded straight into the store
 * (bench/load.ts seedTasks; 5,000 creates through the API would take minutes). Rate limit off: the board may
 * read the project in many pages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import type { TaskStatus } from '../shared/schemas/tasks.ts';
import { freePort } from '../infra/local/ports.ts';
import { signUpLocalUser } from '../test/users.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium.ts';
import { apiClient, expectStatus, percentile, seedTasks, withBenchStack } from './load.ts';
import { buildWeb, gzipBytes, kb } from './web-build.ts';

const TASKS = Number(process.env.BENCH_WEB_BOARD_TASKS ?? 5000);
const NAVIGATIONS = Number(process.env.BENCH_WEB_BOARD_NAVIGATIONS ?? 5);
const DRAGS = Number(process.env.BENCH_WEB_BOARD_DRAGS ?? 3);
const KEY = 'BIG';

/** Per 10 tasks: todo 3, in_progress 2, in_review 1, blocked 1, done 3. */
const PATTERN: TaskStatus[] = [
  'todo',
  'todo',
  'todo',
  'in_progress',
  'in_progress',
  'in_review',
  'blocked',
  'done',
  'done',
  'done',
];

/** In the page, before any script: the time of the first card in a column region, from navigation start. */
const FIRST_CARD_PROBE = `(() => {
  const selector = 'section[aria-label] article, section[aria-label] [role="article"], section[aria-label] [role="listitem"]';
  const found = () => {
    if (window.__firstCardAt === undefined && document.querySelector(selector)) {
      window.__firstCardAt = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(found);
  observer.observe(document, { childList: true, subtree: true });
})();`;

export async function webBoard(root: string): Promise<void> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    console.log(`\n## Web board: skipped, no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
    return;
  }
  const built = await buildWeb(root);
  await withBenchStack(root, { RATE_LIMIT_USER_PER_MINUTE: '0' }, async (stack) => {
    const { preview } = await import('vite');
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const gateway = stack.outputs.local.gatewayUrl;
    const server = await preview({
      configFile: path.join(root, 'web', 'vite.config.mts'),
      root: path.join(root, 'web'),
      logLevel: 'warn',
      build: { outDir: built.outDir },
      preview: {
        host: '127.0.0.1',
        port,
        strictPort: true,
        proxy: { '/api': { target: gateway, xfwd: true } },
      },
      plugins: [
        {
          // The stack's /config.json, with the API on this origin (as CloudFront serves it).
          name: 'bench-config-json',
          configurePreviewServer(s) {
            s.middlewares.use('/config.json', (_req, res) => {
              void fetch(`${gateway}/config.json`)
                .then((r) => r.json() as Promise<Record<string, unknown>>)
                .then((config) => {
                  res.setHeader('content-type', 'application/json');
                  res.end(JSON.stringify({ ...config, apiUrl: `${origin}/api` }));
                });
            });
          },
        },
      ],
    });
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
    });
    try {
      const o = stack.outputs;
      const api = apiClient(o, 4);
      const owner = await signUpLocalUser(o, 'Board bench');
      const ws = expectStatus(
        await api<{ id: string }>('POST', '/workspaces', {
          token: owner.idToken,
          body: { name: 'Web bench' },
        }),
        201,
        'create workspace',
      );
      const project = expectStatus(
        await api<{ id: string }>('POST', `/workspaces/${ws.id}/projects`, {
          token: owner.idToken,
          body: { name: `${TASKS} tasks`, key: KEY },
        }),
        201,
        'create project',
      );
      const seedStarted = performance.now();
      await seedTasks(o, {
        workspaceId: ws.id,
        projectId: project.id,
        createdBy: owner.userId,
        count: TASKS,
        statusOf: (i) => PATTERN[i % PATTERN.length]!,
        assigneesOf: (i) => (i % 3 === 0 ? [owner.userId] : []),
      });
      const seedSeconds = (performance.now() - seedStarted) / 1000;

      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: origin });
      const page = await context.newPage();
      await page.addInitScript(FIRST_CARD_PROBE);
      // Sign in through the UI (the session lives in the tab); every navigation after it restores it.
      await page.goto('/sign-in');
      await page.getByLabel('Email', { exact: true }).fill(owner.email);
      await page.getByLabel('Password', { exact: true }).fill(owner.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));

      // Navigations to the board: the first with an empty HTTP cache, the others warm.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.clearBrowserCache');
      const scripts = new Map<string, number>();
      const onResponse = async (response: import('playwright-core').Response) => {
        if (response.request().resourceType() !== 'script') return;
        const body = await response.body().catch(() => undefined);
        if (body) scripts.set(new URL(response.url()).pathname, gzipBytes(body));
      };
      page.on('response', onResponse);
      const loads: Array<{ firstCard: number; wall: number }> = [];
      for (let i = 0; i < NAVIGATIONS; i++) {
        const t0 = performance.now();
        await page.goto(`/p/${KEY}`);
        const firstCard = await page
          .waitForFunction('window.__firstCardAt', undefined, { timeout: 30_000 })
          .then((h) => h.jsonValue() as Promise<number>);
        loads.push({ firstCard, wall: performance.now() - t0 });
        if (i === 0) page.off('response', onResponse);
        if (new URL(page.url()).pathname !== `/p/${KEY}`)
          throw new Error(`the board did not stay open: ${page.url()}`);
      }
      const cards = await page.locator('section[aria-label] article').count();

      // Drags: the first card of "To do" over to "Done" (across the columns between), with the mouse.
      const drags: DragFrames[] = [];
      for (let i = 0; i < DRAGS; i++) drags.push(await timedDrag(page));

      // Warm starts from IndexedDB: the browser offline, so the first card can only come from this device (the
      // service worker's precache and the query cache in IndexedDB), never from an answer of the network.
      await page.evaluate('navigator.serviceWorker.ready.then(() => undefined)');
      const stored = await waitForStoredCache(page);
      await context.setOffline(true);
      const fromDisk: number[] = [];
      for (let i = 0; i < NAVIGATIONS; i++) {
        await page.reload();
        fromDisk.push(
          await page
            .waitForFunction('window.__firstCardAt', undefined, { timeout: 30_000 })
            .then((h) => h.jsonValue() as Promise<number>),
        );
      }
      await context.setOffline(false);
      const sortedDisk = [...fromDisk].sort((a, b) => a - b);

      const sortedLoads = loads.slice(1).map((l) => l.firstCard);
      sortedLoads.sort((a, b) => a - b);
      const jsTotal = [...scripts.values()].reduce((a, b) => a + b, 0);
      console.log(`\n## Web board: ${TASKS} tasks in headless Chromium (production build via vite preview)`);
      console.log(
        `Seeded ${TASKS} tasks straight into the store in ${seedSeconds.toFixed(1)} s (per 10: todo 3, in_progress 2, ` +
          `in_review 1, blocked 1, done 3); vite build ${built.seconds.toFixed(1)} s; viewport 1280x800; ` +
          `${cards} cards in the DOM once loaded.`,
      );
      console.log(
        `Navigation -> first card (target < 1000 ms): cold cache ${ms(loads[0]!.firstCard)}; warm (${sortedLoads.length}) ` +
          `median ${ms(percentile(sortedLoads, 50))}, max ${ms(sortedLoads.at(-1) ?? NaN)}` +
          `  [${loads.map((l) => l.firstCard.toFixed(0)).join(', ')} ms]`,
      );
      console.log(
        `JavaScript fetched by the cold board load: ${scripts.size} files, ${kb(jsTotal)} gzip -9.`,
      );
      for (const [n, d] of drags.entries()) {
        console.log(
          `Drag ${n + 1} (To do -> Done, ${d.frames} frames): while moving, longest frame by rAF ${ms(d.raf)}, ` +
            `longest LoAF ${d.loaf > 0 ? ms(d.loaf) : 'none (> 50 ms)'}; drop: rAF ${ms(d.dropRaf)}, LoAF ` +
            `${d.dropLoaf > 0 ? ms(d.dropLoaf) : 'none (> 50 ms)'}; move ${d.moved === 200 ? 'saved (200)' : `status ${d.moved}`}`,
        );
      }
      console.log(
        `Warm start from IndexedDB -> first card, offline (target < 500 ms; ${fromDisk.length} reloads): ` +
          `median ${ms(percentile(sortedDisk, 50))}, max ${ms(sortedDisk.at(-1) ?? NaN)}` +
          `  [${fromDisk.map((t) => t.toFixed(0)).join(', ')} ms]; the stored cache: ${stored.tasks} tasks, ` +
          `${kb(stored.bytes)} as JSON.`,
      );
      const worst = Math.max(...drags.map((d) => d.raf));
      console.log(
        `Longest frame while dragging (target < 50 ms): ${ms(worst)} (rAF delta, worst of ${DRAGS} drags).`,
      );
    } finally {
      await browser.close();
      await server.close();
      built.remove();
    }
  });
}

/** The person's query cache in IndexedDB (web/src/offline/persist.ts), once written: its tasks and JSON size. */
const STORED_CACHE = `new Promise((resolve) => {
  const open = indexedDB.open('teamflow-cache');
  open.onerror = () => resolve(null);
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('clients')) return resolve(null);
    const all = db.transaction('clients').objectStore('clients').getAll();
    all.onerror = () => resolve(null);
    all.onsuccess = () => {
      const text = JSON.stringify(all.result);
      resolve(all.result.length ? { bytes: text.length, tasks: new Set(text.match(/"key":"${KEY}-[0-9]+"/g)).size } : null);
    };
  };
})`;

async function waitForStoredCache(page: Page): Promise<{ bytes: number; tasks: number }> {
  for (let i = 0; i < 50; i++) {
    const found = (await page.evaluate(STORED_CACHE)) as { bytes: number; tasks: number } | null;
    if (found) return found;
    await page.waitForTimeout(200);
  }
  throw new Error('the query cache was never written to IndexedDB');
}

// In-page scripts are strings: tsx would otherwise wrap named inner functions in a helper the page lacks.
/** Records every frame's requestAnimationFrame delta, and long-animation-frame entries, until stopped. */
const FRAME_RECORDER = `(() => {
  const deltas = [];
  const loaf = [];
  window.__frames = { deltas, loaf, stop: false };
  let last = performance.now();
  const tick = (now) => {
    deltas.push([now, now - last]);
    last = now;
    if (!window.__frames.stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame((now) => {
    last = now;
    requestAnimationFrame(tick);
  });
  try {
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) loaf.push([entry.startTime, entry.duration]);
    });
    observer.observe({ type: 'long-animation-frame', buffered: false });
    window.__loafObserver = observer;
  } catch {
    // No LoAF in this browser: the rAF deltas still tell.
  }
})()`;

const FRAME_RECORDER_STOP = `(() => {
  window.__frames.stop = true;
  window.__loafObserver?.disconnect();
  return { deltas: window.__frames.deltas, loaf: window.__frames.loaf, dropAt: window.__frames.dropAt };
})()`;

const ms = (value: number) => `${value.toFixed(0)} ms`;

/** One mouse drag of the first "To do" card onto "Done", with frame timings recorded in the page meanwhile. */
interface DragFrames {
  /** Longest rAF delta / long-animation-frame while the card moved (before the button was released). */
  raf: number;
  loaf: number;
  /** The same from the release on (the drop, its optimistic re-render and the move call). */
  dropRaf: number;
  dropLoaf: number;
  frames: number;
  moved: number;
}

async function timedDrag(page: Page): Promise<DragFrames> {
  const source = page.getByRole('region', { name: 'To do', exact: true }).getByRole('article').first();
  const target = page.getByRole('region', { name: 'Done', exact: true });
  await source.waitFor();
  const from = (await source.boundingBox())!;
  const to = (await target.boundingBox())!;
  await page.evaluate(FRAME_RECORDER);
  const x0 = from.x + from.width / 2;
  const y0 = from.y + from.height / 2;
  const x1 = to.x + to.width / 2;
  const y1 = to.y + Math.min(to.height / 2, 150);
  const moved = page
    .waitForResponse((r) => r.request().method() === 'POST' && /\/move$/.test(new URL(r.url()).pathname), {
      timeout: 15_000,
    })
    .then((r) => r.status())
    .catch(() => 0);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x0 + 12, y0 + 6, { steps: 3 });
  // About a second of movement across the columns, a frame's worth apart.
  for (let i = 1; i <= 60; i++) {
    await page.mouse.move(x0 + ((x1 - x0) * i) / 60, y0 + ((y1 - y0) * i) / 60);
    await page.waitForTimeout(16);
  }
  await page.evaluate('window.__frames.dropAt = performance.now()');
  await page.mouse.up();
  const status = await moved;
  await page.waitForTimeout(300);
  const frames = (await page.evaluate(FRAME_RECORDER_STOP)) as {
    deltas: Array<[number, number]>;
    loaf: Array<[number, number]>;
    dropAt: number;
  };
  // A frame belongs to the movement when it ended before the button was released; the rest is the drop.
  const longest = (list: Array<[number, number]>, before: boolean) =>
    Math.max(0, ...list.filter(([at]) => at < frames.dropAt === before).map(([, d]) => d));
  return {
    raf: longest(frames.deltas, true),
    loaf: longest(frames.loaf, true),
    dropRaf: longest(frames.deltas, false),
    dropLoaf: longest(frames.loaf, false),
    frames: frames.deltas.length,
    moved: status,
  };
}
