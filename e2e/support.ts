/**
 * Helpers of the end-to-end tests: pages of the one shared Chromium at a viewport, the UI steps every journey
 * shares (sign up + confirm, sign in), API shortcuts for set-up the test is not about, and checks (axe-core,
 * horizontal scroll, screenshots). Elements are found by role, label and text only, as web/ui-contract says.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { LocalOutputs } from '../infra/local/stack.ts';
import {
  api,
  invitationToken,
  mailTo,
  signIn,
  signUpUser,
  uniqueIp,
  type TestUser,
} from '../test/support.ts';

export { api, signUpUser, type TestUser };

export const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

export const SCREENSHOT_DIR = path.resolve(__dirname, '..', 'test-results', 'screenshots');

/** The e2e stack's outputs (webUrl, apiUrl, the local confirmation code, ...). */
export function stack(): LocalOutputs {
  const file = process.env.TEAMFLOW_E2E_OUTPUTS;
  if (!file) throw new Error('TEAMFLOW_E2E_OUTPUTS is not set: run the e2e tests through jest');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as LocalOutputs;
}

let connected: Promise<Browser> | undefined;

/** The Chromium the global setup launched (one connection per test file). */
export function browser(): Promise<Browser> {
  const endpoint = process.env.TEAMFLOW_E2E_BROWSER;
  if (!endpoint) throw new Error('TEAMFLOW_E2E_BROWSER is not set: run the e2e tests through jest');
  connected ??= chromium.connect(endpoint);
  return connected;
}

export async function closeBrowser(): Promise<void> {
  const b = connected;
  connected = undefined;
  if (b) await (await b).close();
}

/** A fresh browser context (its own storage, like another person's browser) and a page in it at `viewport`. */
export async function newPage(
  viewport: ViewportName,
  options: { colorScheme?: 'light' | 'dark' } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await (
    await browser()
  ).newContext({
    ...VIEWPORTS[viewport],
    baseURL: stack().webUrl,
    colorScheme: options.colorScheme ?? 'light',
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  watch(page);
  context.on('page', watch);
  return { context, page };
}

const problems = new WeakMap<Page, string[]>();

/** Keeps a page's uncaught errors, console errors and failed API calls, to explain a failing step. */
function watch(page: Page) {
  const list: string[] = [];
  problems.set(page, list);
  page.on('pageerror', (error) => list.push(`page error: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') list.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400)
      list.push(
        `${r.status()} ${r.request().method()} ${r.url()} ${r.request().headers()['x-amz-target'] ?? ''}`,
      );
  });
}

/**
 * `inPage(name, viewport, fn)` for a test file: an `it` that runs `fn` on a fresh page at `viewport` (its own
 * context, closed after), with a screenshot named `<prefix>-<viewport>-<name>` and the page's problems when it fails.
 */
export function pageTests(prefix: string) {
  return (name: string, viewport: ViewportName, fn: (page: Page, context: BrowserContext) => Promise<void>) =>
    it(`${name} (${viewport})`, async () => {
      const { context, page } = await newPage(viewport);
      try {
        await fn(page, context);
      } catch (error) {
        await explainFailure(page, `${prefix}-${viewport}-${name}`, error);
      } finally {
        await context.close();
      }
    });
}

/**
 * What a failing step leaves behind: a screenshot under test-results/screenshots/ and the page's URL and recent
 * problems, appended to the error's message.
 */
export async function explainFailure(page: Page, name: string, error: unknown): Promise<never> {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60);
  const file = await screenshot(page, `failed-${slug}`).catch(() => 'no screenshot');
  const recent = (problems.get(page) ?? []).slice(-8);
  const message = [
    error instanceof Error ? error.message : String(error),
    `(page ${page.url()}; screenshot ${file})`,
    ...recent.map((line) => `  ${line}`),
  ].join('\n');
  if (error instanceof Error) {
    // Jest prints the stack, which starts with the message it had when it was made.
    if (error.stack?.includes(error.message)) error.stack = error.stack.replace(error.message, message);
    error.message = message;
    throw error;
  }
  throw new Error(message);
}

/**
 * The steps of one journey, each its own `it`, that build on each other: once one fails, the later ones fail at
 * once naming it. `explain` turns the failure into what helps (screenshots, the page's last problems) and throws.
 */
export function journeySteps(explain: (name: string, error: unknown) => Promise<never>) {
  let broken: string | undefined;
  return (name: string, fn: () => Promise<void>) =>
    it(name, async () => {
      if (broken) throw new Error(`skipped: the step "${broken}" failed`);
      try {
        await fn();
      } catch (error) {
        broken = name;
        await explain(name, error);
      }
    });
}

/**
 * Moves a keyboard drag (picked up already) one step with `key`, until dnd-kit announces `over`. On a loaded
 * machine a key pressed before dnd-kit has measured where cards can go does nothing: it is pressed again (a
 * press that did move shows its announcement first, so a card is never moved twice).
 */
export async function keyboardDragTo(page: Page, key: string, over: RegExp | string): Promise<void> {
  const announced = page.getByText(over).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press(key);
    try {
      await announced.waitFor({ state: 'attached', timeout: 3_000 });
      return;
    } catch (error) {
      if (attempt === 5) throw error;
    }
  }
}

export interface UiUser {
  name: string;
  email: string;
  password: string;
}

export const newUiUser = (name = 'Robin Tester'): UiUser => ({
  name,
  email: `e2e-${randomUUID().slice(0, 8)}@example.com`,
  password: 'Passw0rd-long',
});

/**
 * Signs a new person up through the UI: /sign-up, then /confirm with the code the local stack prints (its
 * outputs' confirmationCode, 123456 by default). Ends signed in, whether the app signs in right after the
 * confirmation or sends the person to /sign-in first.
 */
export async function signUpThroughUi(page: Page, user: UiUser = newUiUser()): Promise<UiUser> {
  await page.goto('/sign-up');
  await page.getByLabel('Name', { exact: true }).fill(user.name);
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/confirm/);
  await page.getByLabel('Confirmation code').fill(stack().local.confirmationCode);
  await page.getByRole('button', { name: 'Confirm' }).click();
  // Signed in (the account menu) or sent to sign in first: either is fine.
  const signInButton = page.getByRole('button', { name: 'Sign in', exact: true });
  await accountButton(page).or(signInButton).first().waitFor({ state: 'attached' });
  if (await signInButton.isVisible()) await signInThroughUi(page, user, { navigate: false });
  await accountButton(page).waitFor({ state: 'attached' });
  return user;
}

/** The signed-in marker of the contract: the account menu's button. */
export const accountButton = (page: Page) => page.getByRole('button', { name: /^Account/ }).first();

/** Signs in through the /sign-in form; waits until the app has left the sign-in page. */
export async function signInThroughUi(
  page: Page,
  user: { email: string; password: string },
  options: { navigate?: boolean } = {},
): Promise<void> {
  if (options.navigate !== false) await page.goto('/sign-in');
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

/**
 * Reloads the page; if the app lost the session on the way (it lands on /sign-in), signs in again, which brings
 * the person back to where they were (?next=). Returns whether the session survived the reload by itself.
 */
export async function reloadSignedIn(
  page: Page,
  user: { email: string; password: string },
): Promise<boolean> {
  const before = new URL(page.url()).pathname;
  await page.reload();
  await page.waitForURL((url) => url.pathname === before || url.pathname.startsWith('/sign-in'));
  if (!new URL(page.url()).pathname.startsWith('/sign-in')) return true;
  await signInThroughUi(page, user, { navigate: false });
  if (new URL(page.url()).pathname !== before) await page.goto(before);
  return false;
}

/** The API session of a person (ID token) for set-up shortcuts through test/support.ts's `api`. */
export const apiSession = (user: { email: string; password: string }) => signIn(user.email, user.password);

async function ok<T>(result: Promise<{ status: number; body: T }>, status: number, what: string): Promise<T> {
  const r = await result;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export interface Project {
  id: string;
  key: string;
  name: string;
  workspaceId: string;
}
export interface Task {
  id: string;
  key: string;
  title: string;
  status: string;
  version: number;
}

export const createWorkspace = (token: string, name: string) =>
  ok(api<{ id: string }>('/workspaces', { method: 'POST', token, body: { name } }), 201, 'create workspace');

export const createProject = (token: string, workspaceId: string, name: string, key: string) =>
  ok(
    api<Project>(`/workspaces/${workspaceId}/projects`, { method: 'POST', token, body: { name, key } }),
    201,
    'create project',
  );

export async function projectByKey(token: string, workspaceId: string, key: string): Promise<Project> {
  const { items } = await ok(
    api<{ items: Project[] }>(`/workspaces/${workspaceId}/projects`, { token }),
    200,
    'list projects',
  );
  const project = items.find((p) => p.key === key);
  if (!project) throw new Error(`no project ${key} in workspace ${workspaceId}`);
  return project;
}

export const createTask = (token: string, projectId: string, body: { title: string; status?: string }) =>
  ok(api<Task>(`/projects/${projectId}/tasks`, { method: 'POST', token, body }), 201, 'create task');

export const getTask = (token: string, taskId: string) =>
  ok(api<Task>(`/tasks/${taskId}`, { token }), 200, 'get task');

/** Creates a task with any field of the create body (due date, sprint, ...). */
export const createTaskWith = (token: string, projectId: string, body: Record<string, unknown>) =>
  ok(api<Task>(`/projects/${projectId}/tasks`, { method: 'POST', token, body }), 201, 'create task');

export interface Sprint {
  id: string;
  name: string;
  status: string;
  version: number;
}

export const createSprint = (
  token: string,
  projectId: string,
  body: { name: string; startDate: string; endDate: string },
) => ok(api<Sprint>(`/projects/${projectId}/sprints`, { method: 'POST', token, body }), 201, 'create sprint');

export async function tasksOf(token: string, projectId: string): Promise<Task[]> {
  const { items } = await ok(
    api<{ items: Task[] }>(`/projects/${projectId}/tasks?limit=100`, { token }),
    200,
    'list tasks',
  );
  return items;
}

// ---------------------------------------------------------------------------------------------------------
// The board, per the UI contract: a region per column, an article (or listitem) per card named by its title.
// ---------------------------------------------------------------------------------------------------------

export const COLUMNS = ['To do', 'In progress', 'In review', 'Blocked', 'Done'] as const;

export const column = (page: Page, name: (typeof COLUMNS)[number]) =>
  page.getByRole('region', { name, exact: true });

export const card = (scope: Page | Locator, title: string) =>
  scope
    .getByRole('article', { name: title, exact: true })
    .or(scope.getByRole('listitem', { name: title, exact: true }))
    .first();

/**
 * Drags `source` onto `target` with the mouse as a person does: press on the card, a small first move (dnd-kit
 * starts a drag only past its activation distance), then intermediate moves towards the target column's upper
 * middle, a pause for the drop target to settle, a nudge, and release. On a phone only a sliver of the next column
 * shows beside the current one: the pointer aims just inside the part that shows.
 */
export async function dragWithMouse(page: Page, source: Locator, target: Locator): Promise<void> {
  await source.scrollIntoViewIfNeeded();
  const from = await source.boundingBox();
  if (!from) throw new Error('the card is not on screen');
  const { width } = page.viewportSize()!;
  const x = from.x + from.width / 2;
  const y = from.y + Math.min(from.height / 2, 20);
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 12, y + 6, { steps: 3 });
  const to = await target.boundingBox();
  if (!to) throw new Error('the target column is not on the page');
  // The target's upper middle; when the column is partly off screen, just inside the part that shows, and a
  // short hold there: near the screen's edge the board scrolls itself, which would carry the column away.
  const offScreen = to.x + to.width / 2 > width - 8;
  const aimX = offScreen ? Math.min(to.x + 16, width - 8) : to.x + to.width / 2;
  const aimY = to.y + Math.min(to.height / 2, 120);
  await page.mouse.move(aimX, aimY, { steps: 15 });
  await page.waitForTimeout(offScreen ? 30 : 150);
  await page.mouse.move(aimX - 2, aimY + 2, { steps: 2 });
  await page.mouse.up();
}

// ---------------------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------------------

/** True when the page itself does not scroll sideways (a board's own column strip may). */
export const hasNoHorizontalPageScroll = (page: Page) =>
  page.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth);

/** Saves a full-window screenshot under test-results/screenshots/ (git-ignored); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/** Runs axe-core (WCAG 2.x A/AA rules and best practices) in the page; returns the serious and critical findings. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(options: object): Promise<{ violations: unknown[] }> } })
      .axe;
    const result = await axe.run({ resultTypes: ['violations'] });
    return result.violations;
  });
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join('; ')})`,
    );
}

// ---------------------------------------------------------------------------------------------------------
// Teams: a second person in a workspace (the live board needs two)
// ---------------------------------------------------------------------------------------------------------

/** Signs up a person named `name` and makes them a member of the workspace (invitation email, accepted). */
export async function addNamedMember(
  owner: TestUser,
  workspaceId: string,
  name: string,
  role = 'member',
): Promise<TestUser> {
  const person = await signUpUser(name);
  await ok(
    api(`/workspaces/${workspaceId}/invitations`, {
      method: 'POST',
      token: owner.idToken,
      body: { email: person.email, role },
    }),
    201,
    'invite',
  );
  const token = invitationToken(await mailTo(person.email, /^Join /));
  // Each person accepts from a machine of their own (the accept limit is per client IP).
  await ok(
    api(`/invitations/${token}/accept`, { method: 'POST', token: person.idToken, fromIp: uniqueIp() }),
    200,
    'accept invitation',
  );
  return person;
}
