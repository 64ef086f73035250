import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserServer } from 'playwright-core';
import { spawnLocalStack, type SpawnedStack } from '../infra/local/spawn.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';

declare global {
  var __TEAMFLOW_E2E__: { stack?: SpawnedStack; browser?: BrowserServer; dataDir: string } | undefined;
}

/**
 * The e2e project's global setup: ONE local stack with the web app (what `npm start` runs: infra/local/start.ts,
 * the production build of web/ with its service worker on the web port, as people get it) on free ports with a fresh data folder, and ONE headless Chromium that every test file
 * connects to. Its own variables (TEAMFLOW_E2E_*), so it can run in the same jest run as the integration project.
 *
 * It never throws: a missing Chromium or a stack that does not start would otherwise abort every other project
 * of the run. It records the reason instead, and every e2e test file fails with it (e2e/jest-setup.ts).
 */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'teamflow-e2e-'));
  const state: NonNullable<typeof globalThis.__TEAMFLOW_E2E__> = { dataDir };
  globalThis.__TEAMFLOW_E2E__ = state;
  process.env.TEAMFLOW_E2E_DATA_DIR = dataDir;
  // Screenshots of this run only (test-results/ is git-ignored).
  fs.rmSync(path.join(root, 'test-results', 'screenshots'), { recursive: true, force: true });
  if (!fs.existsSync(CHROMIUM_PATH)) {
    process.env.TEAMFLOW_E2E_SETUP_ERROR =
      `No Chromium at ${CHROMIUM_PATH}: the end-to-end tests drive Debian's chromium package. ` +
      `Install it with \`apt-get update && apt-get install -y chromium\` (.ci/run does this when it is missing).`;
    return;
  }
  try {
    const [stack, browser] = await Promise.all([
      // The per-person limit is raised from 100 to 1,000 requests a minute: e2e/list seeds 300 tasks for one person.
      spawnLocalStack({
        root,
        dataDir,
        web: true,
        env: { TEAMFLOW_LOG_LEVEL: 'INFO', RATE_LIMIT_USER_PER_MINUTE: '1000' },
      }),
      chromium.launchServer({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true }),
    ]);
    state.stack = stack;
    state.browser = browser;
    process.env.TEAMFLOW_E2E_OUTPUTS = path.join(dataDir, 'outputs.json');
    process.env.TEAMFLOW_E2E_BROWSER = browser.wsEndpoint();
    await warmUp(browser.wsEndpoint(), stack.outputs.webUrl);
  } catch (error) {
    process.env.TEAMFLOW_E2E_SETUP_ERROR = `The e2e stack or browser did not start: ${(error as Error).message}`;
  }
}

/** Opens the app once before the first test (the first page of a fresh server and browser is the slowest). */
async function warmUp(wsEndpoint: string, webUrl: string): Promise<void> {
  const browser = await chromium.connect(wsEndpoint);
  try {
    const page = await browser.newPage();
    await page.goto(webUrl, { waitUntil: 'load', timeout: 120_000 });
    await page.waitForLoadState('networkidle', { timeout: 30_000 }).catch(() => undefined);
    await page.close();
  } finally {
    await browser.close();
  }
}
