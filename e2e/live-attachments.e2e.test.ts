/**
 * Attachments on the live board, in real browsers (issue 14, ATTACHMENT_READY): two people, two browser contexts.
 * Sam (a viewer of the workspace) has a task's panel open; Alex (desktop) picks an image in the same task's panel.
 * Sam sees it appear, preview included (Sam's panel reads the list, with URLs of its own), without reloading; Sam, a viewer,
 * can neither attach nor delete. Alex deletes it: it leaves Sam's panel, again without a reload. Sam watches at a
 * desktop and a phone viewport; set-up goes through the API.
 */
import type { BrowserContext, Locator, Page } from 'playwright-core';
import {
  addNamedMember,
  api,
  createProject,
  createTask,
  createWorkspace,
  explainFailure,
  journeySteps,
  newPage,
  screenshot,
  signInThroughUi,
  signUpUser,
  type Project,
  type Task,
  type TestUser,
  type ViewportName,
} from './support.ts';
import { eventually } from '../test/support.ts';

/** A valid 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const indicator = (page: Page, text: RegExp) => page.getByRole('status').filter({ hasText: text }).first();

/** Whether the preview image has loaded pixels (a broken image has no natural width). */
const loaded = (image: Locator) =>
  image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);

describe.each<[ViewportName, string]>([
  ['desktop', 'LAD'],
  ['phone', 'LAP'],
])('attachments on the live board, watched on a %s', (viewport, KEY) => {
  let alex: TestUser;
  let sam: TestUser;
  let project: Project;
  let task: Task;
  let contextA: BrowserContext;
  let contextB: BrowserContext;
  let a: Page;
  let b: Page;

  const step = journeySteps(async (name, error) => {
    if (a && !a.isClosed())
      await screenshot(a, `live-attachments-${viewport}-alex-failed`).catch(() => undefined);
    return explainFailure(b, `live-attachments-${viewport}-${name}`, error);
  });

  const alexPanel = () => a.getByRole('dialog');
  const samPanel = () => b.getByRole('dialog');
  const samCard = () => b.locator('article.card', { hasText: task.title });
  /** Sam's page has not reloaded since the panel opened (a marker set then is still there). */
  const expectNoReload = async () =>
    expect(await b.evaluate(() => (window as unknown as { liveMarker?: string }).liveMarker)).toBe('set');

  beforeAll(async () => {
    alex = await signUpUser('Alex Rivera');
    const workspace = await createWorkspace(alex.idToken, `Live files ${viewport}`);
    project = await createProject(alex.idToken, workspace.id, `Live files ${viewport}`, KEY);
    task = await createTask(alex.idToken, project.id, { title: 'Collect the mock-ups' });
    sam = await addNamedMember(alex, workspace.id, 'Sam Lee', 'viewer');
    ({ context: contextA, page: a } = await newPage('desktop'));
    ({ context: contextB, page: b } = await newPage(viewport));
    await Promise.all([signInThroughUi(a, alex), signInThroughUi(b, sam)]);
  });
  afterAll(async () => {
    await Promise.allSettled([contextA?.close(), contextB?.close()]);
  });

  step('both have the task open, live; Sam, a viewer, has no way to attach', async () => {
    await Promise.all([a.goto(`/p/${KEY}/${task.key}`), b.goto(`/p/${KEY}/${task.key}`)]);
    for (const page of [a, b])
      await page.getByRole('dialog').getByRole('heading', { name: 'Attachments' }).waitFor();
    await Promise.all([indicator(a, /^Live$/).waitFor(), indicator(b, /^Live$/).waitFor()]);
    await b.evaluate(() => ((window as unknown as { liveMarker?: string }).liveMarker = 'set'));
    await alexPanel().getByLabel('Attach files').waitFor({ state: 'attached' });
    expect(await samPanel().getByLabel('Attach files').count()).toBe(0);
  });

  step(
    "the image Alex attaches appears in Sam's open panel, preview included, without a reload",
    async () => {
      await alexPanel()
        .getByLabel('Attach files')
        .setInputFiles({ name: 'mock-up.png', mimeType: 'image/png', buffer: PNG });
      await alexPanel().getByRole('link', { name: 'mock-up.png', exact: true }).waitFor();

      const link = samPanel().getByRole('link', { name: 'mock-up.png', exact: true });
      await link.waitFor();
      const preview = samPanel().getByRole('img', { name: 'mock-up.png' });
      await preview.waitFor();
      await eventually(async () => ((await loaded(preview)) ? true : undefined));
      // The task's card on the board behind the panel counts it too.
      await samCard().getByText('1 attachments').waitFor({ state: 'attached' });
      await expectNoReload();
      await screenshot(b, `live-attachments-${viewport}-appeared`);
    },
  );

  step(
    'Sam, a viewer, sees the file but cannot delete it (the button is not there, the API says 403)',
    async () => {
      expect(await samPanel().getByRole('button', { name: 'Delete attachment mock-up.png' }).count()).toBe(0);
      await alexPanel().getByRole('button', { name: 'Delete attachment mock-up.png' }).waitFor();
      const [listed] = (
        await api<{ items: Array<{ id: string }> }>(`/tasks/${task.id}/attachments`, { token: sam.idToken })
      ).body.items;
      const refused = await api(`/attachments/${listed!.id}`, { method: 'DELETE', token: sam.idToken });
      expect(refused.status).toBe(403);
      await samPanel().getByRole('link', { name: 'mock-up.png', exact: true }).waitFor();
    },
  );

  step("the file Alex deletes leaves Sam's open panel, without a reload", async () => {
    await alexPanel().getByRole('button', { name: 'Delete attachment mock-up.png' }).click();
    await alexPanel().getByRole('link', { name: 'mock-up.png', exact: true }).waitFor({ state: 'detached' });
    await samPanel().getByRole('link', { name: 'mock-up.png', exact: true }).waitFor({ state: 'detached' });
    await samPanel().getByRole('img', { name: 'mock-up.png' }).waitFor({ state: 'detached' });
    await samCard().getByText('attachments').waitFor({ state: 'detached' });
    await expectNoReload();
  });
});
