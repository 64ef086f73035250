/**
 * The journey a new person takes, in a real browser, at a desktop (1280×800) and a phone (390×844) viewport:
 * sign up and confirm; create a workspace, a project and a task through the UI (more tasks through the API);
 * drag a card to another column and see the move persist across a reload; open a task by its URL; edit it with
 * a title another page saves while this one edits it (the live warning, then "Keep mine"). The steps of one viewport share a
 * page and run in order: a step fails when the one before it did.
 */
import type { BrowserContext, Page, Response } from 'playwright-core';
import {
  apiSession,
  card,
  column,
  createTask,
  dragWithMouse,
  explainFailure,
  journeySteps,
  getTask,
  hasNoHorizontalPageScroll,
  newPage,
  projectByKey,
  reloadSignedIn,
  screenshot,
  signInThroughUi,
  signUpThroughUi,
  tasksOf,
  type Project,
  type UiUser,
  type ViewportName,
} from './support.ts';

const isTaskUpdate = (r: Response) =>
  r.request().method() === 'PATCH' && /\/api\/tasks\/[^/]+$/.test(new URL(r.url()).pathname);

describe.each<[ViewportName, string]>([
  ['desktop', 'WEB'],
  ['phone', 'MOB'],
])('the journey on a %s', (viewport, key) => {
  let context: BrowserContext;
  let page: Page;
  let user: UiUser;
  let token: string;
  let workspaceId: string;
  let project: Project;
  let sessionKeptOnReload: boolean | undefined;
  // A phone must never scroll the page sideways (the board's own column strip may swipe).
  const expectNoSideScrollOnPhone = async () => {
    if (viewport === 'phone') expect(await hasNoHorizontalPageScroll(page)).toBe(true);
  };
  const firstTitle = `Write the launch plan (${viewport})`;

  const step = journeySteps((name, error) => explainFailure(page, `${viewport}-${name}`, error));

  beforeAll(async () => {
    ({ context, page } = await newPage(viewport));
  });
  afterAll(async () => {
    await context?.close();
  });

  step('signs up and confirms through the UI, and lands on the first-workspace page', async () => {
    user = await signUpThroughUi(page);
    await page.getByRole('heading', { name: 'Create your first workspace' }).waitFor();
    token = (await apiSession(user)).idToken;
  });

  step('creates a workspace, a project and a task through the UI', async () => {
    await page.getByLabel('Workspace name').fill(`Acme ${viewport}`);
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
    workspaceId = /\/w\/([^/?#]+)/.exec(page.url())?.[1] ?? '';
    expect(workspaceId).not.toBe('');

    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Project name').fill(`Website ${viewport}`);
    await dialog.getByLabel('Key', { exact: true }).fill(key);
    await dialog.getByRole('button', { name: 'Create project' }).click();
    // The app may open the new board straight away or list the project as a link to it.
    await dialog.waitFor({ state: 'hidden' });
    await page.waitForURL(new RegExp(`/p/${key}$`), { timeout: 3000 }).catch(async () => {
      await page.getByRole('link', { name: `Website ${viewport}` }).click();
    });
    await page.waitForURL(new RegExp(`/p/${key}$`));
    project = await projectByKey(token, workspaceId, key);

    const todo = column(page, 'To do');
    await todo.getByRole('button', { name: 'Add task' }).click();
    const titleBox = todo.getByLabel('Task title');
    await titleBox.fill(firstTitle);
    await titleBox.press('Enter');
    await card(todo, firstTitle).waitFor();

    // The created task is the project's first, in To do, as the API reads it.
    const tasks = await tasksOf(token, project.id);
    expect(tasks.map((t) => [t.key, t.title, t.status])).toEqual([[`${key}-1`, firstTitle, 'todo']]);
  });

  step('shows tasks made elsewhere (API) on the board after a reload', async () => {
    for (const [title, status] of [
      ['Design the pricing page', 'todo'],
      ['Set up analytics', 'todo'],
      ['Review the copy', 'in_progress'],
    ]) {
      await createTask(token, project.id, { title: `${title!} (${viewport})`, status });
    }
    sessionKeptOnReload = await reloadSignedIn(page, user);
    await card(column(page, 'To do'), `Set up analytics (${viewport})`).waitFor();
    await card(column(page, 'In progress'), `Review the copy (${viewport})`).waitFor();
    await expectNoSideScrollOnPhone();
    await screenshot(page, `board-${viewport}`);
  });

  step('keeps the filters in one row on a desktop, behind one "Filters" button on a phone', async () => {
    const filtersButton = page.getByRole('button', { name: /^Filters/ });
    if (viewport === 'desktop') {
      await page.getByLabel('Priority', { exact: true }).waitFor();
      expect(await filtersButton.count()).toBe(0);
      return;
    }
    // The board's first card shows without scrolling, above the bottom navigation.
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    const first = await card(column(page, 'To do'), firstTitle).boundingBox();
    const bottomNav = await page.getByRole('navigation', { name: 'Bottom' }).boundingBox();
    expect(first && bottomNav).toBeTruthy();
    expect(first!.y).toBeGreaterThanOrEqual(0);
    expect(first!.y + first!.height).toBeLessThanOrEqual(bottomNav!.y);
    // The selects live in the sheet the button opens; a choice goes into the URL and the button's count.
    expect(await page.getByLabel('Priority', { exact: true }).count()).toBe(0);
    expect(await filtersButton.getAttribute('aria-label')).toBe('Filters');
    expect((await filtersButton.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await filtersButton.click();
    const sheet = page.getByRole('dialog', { name: 'Filters' });
    for (const label of ['Assignee', 'Label', 'Priority', 'Sprint', 'Due']) {
      await sheet.getByLabel(label, { exact: true }).waitFor();
    }
    await sheet.getByLabel('Priority', { exact: true }).selectOption('high');
    await page.waitForURL(/[?&]priority=high/);
    await screenshot(page, 'filters-phone');
    await sheet.getByRole('button', { name: 'Done' }).click();
    await sheet.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Filters, 1 active' }).waitFor();
    // Medium-priority cards are filtered out; clearing brings them back and empties the URL's filters.
    await card(column(page, 'To do'), firstTitle).waitFor({ state: 'detached' });
    await filtersButton.click();
    await sheet.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => !url.searchParams.has('priority'));
    await sheet.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Filters', exact: true }).waitFor();
    await card(column(page, 'To do'), firstTitle).waitFor();
    await expectNoSideScrollOnPhone();
  });

  step('drags a card to another column with the mouse; the move is saved and survives a reload', async () => {
    const title = `Design the pricing page (${viewport})`;
    const [moved] = await Promise.all([
      page.waitForResponse(
        (r) =>
          r.request().method() === 'POST' && /\/api\/tasks\/[^/]+\/move$/.test(new URL(r.url()).pathname),
      ),
      dragWithMouse(page, card(column(page, 'To do'), title), column(page, 'In progress')),
    ]);
    expect(moved.status()).toBe(200);
    await card(column(page, 'In progress'), title).waitFor();

    await reloadSignedIn(page, user);
    await card(column(page, 'In progress'), title).waitFor();
    expect(await card(column(page, 'To do'), title).count()).toBe(0);
    const stored = (await tasksOf(token, project.id)).find((t) => t.title === title);
    expect(stored?.status).toBe('in_progress');
    await expectNoSideScrollOnPhone();
  });

  step('opens a task by its URL as a dialog headed by its title', async () => {
    await page.goto(`/p/${key}/${key}-1`);
    const detail = page.getByRole('dialog');
    await detail.getByRole('heading', { name: firstTitle }).waitFor();
    expect(await detail.getByLabel('Title', { exact: true }).inputValue()).toBe(firstTitle);
    await expectNoSideScrollOnPhone();
  });

  step(
    'edits while another page saves the same field: the live warning keeps the draft, and "Keep mine" wins',
    async () => {
      // This page starts typing a new title of KEY-1; meanwhile another page (same person) saves its own title.
      // The live board brings that save here at once: the draft is kept and a warning says who changed it.
      const mine = `Launch plan, my edit (${viewport})`;
      const titleBox = page.getByRole('dialog').getByLabel('Title', { exact: true });
      await titleBox.fill(mine);
      const other = await context.newPage();
      const theirs = `Launch plan, their edit (${viewport})`;
      try {
        // A new tab shares the session (web/src/lib/session.ts); if not, sign in there, then open the task.
        await other.goto(`/p/${key}/${key}-1`);
        const otherTitle = other.getByRole('dialog').getByLabel('Title', { exact: true });
        const signIn = other.getByRole('button', { name: 'Sign in', exact: true });
        await otherTitle.or(signIn).first().waitFor();
        if (await signIn.isVisible()) {
          await signInThroughUi(other, user, { navigate: false });
          if (!new URL(other.url()).pathname.endsWith(`/${key}-1`)) await other.goto(`/p/${key}/${key}-1`);
        }
        await otherTitle.fill(theirs);
        const [saved] = await Promise.all([other.waitForResponse(isTaskUpdate), otherTitle.press('Enter')]);
        expect(saved.status()).toBe(200);
      } finally {
        await other.close();
      }

      const detail = page.getByRole('dialog');
      await detail
        .getByRole('alert')
        .filter({ hasText: 'changed the title while you were editing' })
        .waitFor();
      expect(await titleBox.inputValue()).toBe(mine);
      await detail.getByRole('heading', { name: theirs }).waitFor();
      await expectNoSideScrollOnPhone();
      await screenshot(page, `conflict-${viewport}`);

      const [applied] = await Promise.all([
        page.waitForResponse(isTaskUpdate),
        detail.getByRole('button', { name: 'Keep mine' }).click(),
      ]);
      expect(applied.status()).toBe(200);
      const task = (await tasksOf(token, project.id)).find((t) => t.key === `${key}-1`)!;
      expect((await getTask(token, task.id)).title).toBe(mine);
    },
  );

  it('keeps the person signed in across a reload (the session is restored from the tab)', () => {
    if (sessionKeptOnReload === undefined) throw new Error('the board step did not get as far as the reload');
    expect(sessionKeptOnReload).toBe(true);
  });
});
