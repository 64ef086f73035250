/**
 * The live board in real browsers: two people (two browser contexts, two members of one workspace) on one
 * board. Alex (desktop) moves a card with the keyboard, opens and renames a task and comments on it; Sam sees each
 * change without a reload, and Alex's avatar in the board's header and on the card Alex has open, gone once Alex's
 * page closes. Sam's draft of the same title is kept, with a warning, instead of being typed over (desktop). Then
 * Sam's browser goes offline: the indicator says so, and back online Sam's board catches up on what changed
 * meanwhile. Sam watches at a desktop and a phone viewport; set-up goes through the API.
 */
import type { BrowserContext, Locator, Page, Response } from 'playwright-core';
import {
  addNamedMember,
  api,
  card,
  column,
  createProject,
  createTask,
  createWorkspace,
  explainFailure,
  getTask,
  journeySteps,
  keyboardDragTo,
  newPage,
  screenshot,
  signInThroughUi,
  signUpUser,
  type Project,
  type TestUser,
  type ViewportName,
} from './support.ts';

const isTaskPatch = (r: Response) =>
  r.request().method() === 'PATCH' && /\/api\/tasks\/[^/]+$/.test(new URL(r.url()).pathname);

/** The board's live indicator showing `text` ("Live", "Reconnecting…", "Offline"). */
const indicator = (page: Page, text: RegExp) => page.getByRole('status').filter({ hasText: text }).first();
const onThisBoard = (page: Page) => page.getByRole('list', { name: 'On this board' });

/** Waits until the element's text (hidden words included) matches. */
async function waitForText(locator: Locator, pattern: RegExp, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const text = (await locator.textContent().catch(() => null)) ?? '';
    if (pattern.test(text)) return;
    if (Date.now() > deadline) throw new Error(`"${text}" never matched ${pattern}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each<[ViewportName, string]>([
  ['desktop', 'LIV'],
  ['phone', 'LVP'],
])('the live board, watched on a %s', (viewport, KEY) => {
  let alex: TestUser;
  let sam: TestUser;
  let project: Project;
  const ids: Record<string, string> = {};
  let contextA: BrowserContext;
  let contextB: BrowserContext;
  let a: Page;
  let b: Page;

  const step = journeySteps(async (name, error) => {
    if (a && !a.isClosed()) await screenshot(a, `live-${viewport}-alex-failed`).catch(() => undefined);
    return explainFailure(b, `live-${viewport}-${name}`, error);
  });

  /** Sam's page has not reloaded since the board opened (a marker set then is still there). */
  const expectNoReload = async () =>
    expect(await b.evaluate(() => (window as unknown as { liveMarker?: string }).liveMarker)).toBe('set');

  beforeAll(async () => {
    alex = await signUpUser('Alex Rivera');
    const workspace = await createWorkspace(alex.idToken, `Live ${viewport}`);
    project = await createProject(alex.idToken, workspace.id, `Live board ${viewport}`, KEY);
    for (const [title, status] of [
      ['Write the spec', 'todo'],
      ['Review the design', 'todo'],
      ['Ship it', 'in_progress'],
    ] as const)
      ids[title] = (await createTask(alex.idToken, project.id, { title, status })).id;
    sam = await addNamedMember(alex, workspace.id, 'Sam Lee');
    ({ context: contextA, page: a } = await newPage('desktop'));
    ({ context: contextB, page: b } = await newPage(viewport));
    await Promise.all([signInThroughUi(a, alex), signInThroughUi(b, sam)]);
  });
  afterAll(async () => {
    await Promise.allSettled([contextA?.close(), contextB?.close()]);
  });

  step('both are on the board, live, and each sees the other in the header', async () => {
    await Promise.all([a.goto(`/p/${KEY}`), b.goto(`/p/${KEY}`)]);
    await Promise.all([indicator(a, /^Live$/).waitFor(), indicator(b, /^Live$/).waitFor()]);
    await b.evaluate(() => ((window as unknown as { liveMarker?: string }).liveMarker = 'set'));
    await onThisBoard(b).getByText('Alex Rivera').waitFor({ state: 'attached' });
    await onThisBoard(a).getByText('Sam Lee').waitFor({ state: 'attached' });
    await screenshot(b, `live-${viewport}-both-here`);
  });

  step("a card Alex moves with the keyboard shows up in its new column on Sam's board", async () => {
    const moving = card(column(a, 'To do'), 'Write the spec');
    await moving.focus();
    await a.keyboard.press('Space');
    await a.getByText(/^(Picked up Write the spec|Write the spec is over)/).waitFor({ state: 'attached' });
    await keyboardDragTo(a, 'ArrowRight', /^Write the spec is over In progress/);
    const [moved] = await Promise.all([
      a.waitForResponse(
        (r) =>
          r.request().method() === 'POST' && /\/api\/tasks\/[^/]+\/move$/.test(new URL(r.url()).pathname),
      ),
      a.keyboard.press('Space'),
    ]);
    expect(moved.status()).toBe(200);
    await card(column(b, 'In progress'), 'Write the spec').waitFor();
    await card(column(b, 'To do'), 'Write the spec').waitFor({ state: 'detached' });
    await expectNoReload();
  });

  step('Sam sees on the card which task Alex has open, and when Alex edits its title', async () => {
    await card(column(a, 'To do'), 'Review the design')
      .getByRole('link', { name: 'Review the design' })
      .click();
    const title = a.getByRole('dialog').getByLabel('Title', { exact: true });
    await title.waitFor();
    const onCard = card(column(b, 'To do'), 'Review the design');
    await onCard.getByRole('img', { name: 'Alex Rivera is viewing this task' }).waitFor();
    await title.focus();
    await onCard.getByRole('img', { name: 'Alex Rivera is editing this task' }).waitFor();
    await screenshot(b, `live-${viewport}-alex-editing`);
  });

  step(
    "Alex's rename reaches Sam's card (and Sam's open panel, keeping Sam's draft with a warning)",
    async () => {
      const mine = viewport === 'desktop';
      const samTitle = b.getByRole('dialog').getByLabel('Title', { exact: true });
      if (mine) {
        // Sam opens the same task and starts typing a title of their own.
        await card(column(b, 'To do'), 'Review the design')
          .getByRole('link', { name: 'Review the design' })
          .click();
        await samTitle.waitFor();
        await samTitle.click();
        await samTitle.press('End');
        await samTitle.pressSequentially(' and notes');
      }
      const alexTitle = a.getByRole('dialog').getByLabel('Title', { exact: true });
      await alexTitle.fill('Review the new design');
      const [saved] = await Promise.all([a.waitForResponse(isTaskPatch), alexTitle.press('Enter')]);
      expect(saved.status()).toBe(200);

      if (mine) {
        const warning = b.getByRole('dialog').getByRole('alert');
        await warning.getByText('Alex Rivera changed the title while you were editing.').waitFor();
        expect(await samTitle.inputValue()).toBe('Review the design and notes');
        await b.getByRole('dialog').getByRole('heading', { name: 'Review the new design' }).waitFor();
        await screenshot(b, `live-${viewport}-title-conflict`);
        await warning.getByRole('button', { name: 'Use theirs' }).click();
        expect(await samTitle.inputValue()).toBe('Review the new design');
        await b.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
        await b.getByRole('dialog').waitFor({ state: 'detached' });
      }
      await card(column(b, 'To do'), 'Review the new design').waitFor();
      expect((await getTask(alex.idToken, ids['Review the design']!)).title).toBe('Review the new design');
      await expectNoReload();
    },
  );

  step("Alex's comments: Sam's card counts them and Sam's open panel lists them", async () => {
    const comment = a.getByRole('dialog').getByLabel('Comment', { exact: true });
    await comment.fill('Looks good to me');
    await a.getByRole('dialog').getByRole('button', { name: 'Comment', exact: true }).click();
    const onCard = card(column(b, 'To do'), 'Review the new design');
    await waitForText(onCard, /1 comments/);

    await onCard.getByRole('link', { name: 'Review the new design' }).click();
    const panel = b.getByRole('dialog');
    await panel.getByText('Looks good to me').waitFor();
    await comment.fill('Ship it on Friday');
    await a.getByRole('dialog').getByRole('button', { name: 'Comment', exact: true }).click();
    await panel.getByText('Ship it on Friday').waitFor();
    await panel.getByRole('button', { name: 'Close' }).click();
    await panel.waitFor({ state: 'detached' });
    await waitForText(card(column(b, 'To do'), 'Review the new design'), /2 comments/);
    await expectNoReload();
  });

  step("when Alex's page closes, Alex's avatar leaves Sam's board", async () => {
    await onThisBoard(b).getByText('Alex Rivera').waitFor({ state: 'attached' });
    await a.close();
    await onThisBoard(b).getByText('Alex Rivera').waitFor({ state: 'detached', timeout: 30_000 });
  });

  step('offline, Sam is told; back online, Sam catches up on what Alex did meanwhile', async () => {
    await contextB.setOffline(true);
    await indicator(b, /^(Offline|Reconnecting…)$/).waitFor();
    await screenshot(b, `live-${viewport}-offline`);

    const ship = await getTask(alex.idToken, ids['Ship it']!);
    const renamed = await api(`/tasks/${ship.id}`, {
      method: 'PATCH',
      token: alex.idToken,
      body: { version: ship.version, title: 'Ship it today' },
    });
    expect(renamed.status).toBe(200);
    await createTask(alex.idToken, project.id, { title: 'Made while Sam was away', status: 'todo' });

    await contextB.setOffline(false);
    await indicator(b, /^Live$/).waitFor({ timeout: 45_000 });
    await card(column(b, 'In progress'), 'Ship it today').waitFor();
    await card(column(b, 'To do'), 'Made while Sam was away').waitFor();
    await expectNoReload();
  });
});
