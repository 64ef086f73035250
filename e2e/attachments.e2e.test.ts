/**
 * Attachments in a real browser, desktop and phone (issue 14): an image picked in the task panel goes straight to
 * storage (s3rver) with a progress bar, shows as a preview (its thumbnail, made by the thumbnail worker), is
 * still there after a reload, downloads, and is deleted; a file over the limit and a refused type are refused
 * with a message before anything is sent. An image can be made the card's cover: the board's card shows it,
 * after a reload too, until it is removed; an unreadable image shows a file icon and offers no cover, and
 * deleting the cover's image takes the cover off the card. Set-up goes through the API.
 */
import { randomUUID } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import {
  api,
  card,
  getTask,
  createProject,
  createTask,
  createWorkspace,
  reloadSignedIn,
  screenshot,
  seriousA11yViolations,
  signInThroughUi,
  signUpUser,
  type Project,
  type Task,
  type TestUser,
  type ViewportName,
  pageTests,
} from './support.ts';
import { eventually } from '../test/support.ts';

const VIEWPORTS: ViewportName[] = ['desktop', 'phone'];

/** A valid 1×1 PNG, padded after its end (decoders stop at IEND) so the upload has a visible duration. */
const PNG = Buffer.concat([
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  ),
  Buffer.alloc(256 * 1024),
]);

const inPage = pageTests('attachments');

interface Setup {
  person: TestUser;
  project: Project;
  task: Task;
}

async function setUp(page: Page): Promise<Setup> {
  const person = await signUpUser('Fay Files');
  const workspace = await createWorkspace(person.idToken, `Files ${randomUUID().slice(0, 6)}`);
  const key = `F${randomUUID()
    .replace(/[^A-Z]/gi, '')
    .slice(0, 4)
    .toUpperCase()}`.padEnd(4, 'Q');
  const project = await createProject(person.idToken, workspace.id, 'Files project', key);
  const task = await createTask(person.idToken, project.id, { title: 'Collect the mock-ups' });
  await signInThroughUi(page, person);
  return { person, project, task };
}

async function openPanel(page: Page, s: Setup): Promise<Locator> {
  await page.goto(`/p/${s.project.key}/${s.task.key}`);
  const panel = page.getByRole('dialog');
  await panel.getByRole('heading', { name: s.task.title }).waitFor();
  return panel;
}

const attachmentsOf = async (s: Setup) =>
  (
    await api<{
      items: Array<{ id: string; fileName: string; downloadUrl: string; thumbnailStatus?: string | null }>;
    }>(`/tasks/${s.task.id}/attachments`, {
      token: s.person.idToken,
    })
  ).body.items;

/** Uploads a file through the panel's picker and waits until its upload is done. */
async function attach(panel: Locator, name: string, buffer: Buffer, mimeType: string) {
  await panel.getByLabel('Attach files').setInputFiles({ name, mimeType, buffer });
  await panel.getByRole('progressbar', { name: `Uploading ${name}` }).waitFor({ state: 'detached' });
}

/** The image's natural size once loaded (a broken image has none). */
const naturalSize = (image: Locator) =>
  image.evaluate((img: HTMLImageElement) => (img.complete ? [img.naturalWidth, img.naturalHeight] : [0, 0]));

/** Whether the preview image has loaded pixels (a broken image has no natural width). */
const loaded = (image: Locator) =>
  image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);

describe('attachments', () => {
  for (const viewport of VIEWPORTS) {
    inPage(
      'upload an image with progress, preview, reload, download, delete',
      viewport,
      async (page, context) => {
        const s = await setUp(page);
        const panel = await openPanel(page, s);
        // The storage answers the PUT only once the test has seen the progress bar.
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        await page.route(
          (url) => url.pathname.includes('/tasks/') && url.port !== new URL(page.url()).port,
          async (route) => {
            if (route.request().method() === 'PUT') await released;
            await route.continue();
          },
        );
        await panel
          .getByLabel('Attach files')
          .setInputFiles({ name: 'mock-up.png', mimeType: 'image/png', buffer: PNG });
        const progress = panel.getByRole('progressbar', { name: 'Uploading mock-up.png' });
        await progress.waitFor();
        await panel.getByRole('button', { name: 'Cancel mock-up.png' }).waitFor();
        release();
        await progress.waitFor({ state: 'detached', timeout: 15_000 });

        const preview = panel.getByRole('img', { name: 'Preview of mock-up.png' });
        await preview.waitFor();
        await eventually(async () => ((await loaded(preview)) ? true : undefined));
        expect((await attachmentsOf(s)).map((a) => a.fileName)).toEqual(['mock-up.png']);

        await page.unroute(() => true);
        await reloadSignedIn(page, s.person);
        const again = page.getByRole('dialog').getByRole('img', { name: 'Preview of mock-up.png' });
        await again.waitFor();
        await eventually(async () => ((await loaded(again)) ? true : undefined));

        // Download: the link's URL serves the very file.
        const link = page.getByRole('dialog').getByRole('link', { name: 'mock-up.png', exact: true });
        const href = await link.getAttribute('href');
        const download = await context.request.get(href!);
        expect(download.status()).toBe(200);
        expect((await download.body()).equals(PNG)).toBe(true);

        await page.getByRole('dialog').getByRole('button', { name: 'Delete attachment mock-up.png' }).click();
        await again.waitFor({ state: 'detached' });
        expect(await attachmentsOf(s)).toEqual([]);
        await reloadSignedIn(page, s.person);
        await page.getByRole('dialog').getByRole('heading', { name: 'Attachments' }).waitFor();
        // A warm start may show the list kept on this device (docs/offline.md) until the fresh one arrives.
        await page
          .getByRole('dialog')
          .getByRole('img', { name: 'Preview of mock-up.png' })
          .waitFor({ state: 'detached' });
      },
    );

    inPage('a file too large or of a refused type is refused before any upload', viewport, async (page) => {
      const s = await setUp(page);
      const panel = await openPanel(page, s);
      // Anything that would start an upload: a create, or a PUT to storage.
      const starts: string[] = [];
      page.on('request', (request) => {
        if (request.method() !== 'GET' && /\/attachments|\/tasks\//.test(request.url()))
          starts.push(request.url());
      });
      await panel.getByLabel('Attach files').setInputFiles([
        { name: 'huge.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) },
        { name: 'tool.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') },
      ]);
      const alert = panel.getByRole('alert');
      await alert.getByText('“huge.pdf” is too large (10 MB): a file can be at most 10 MB.').waitFor();
      await alert.getByText(/“tool\.exe” cannot be attached/).waitFor();
      expect(await panel.getByRole('progressbar').count()).toBe(0);
      expect(starts).toEqual([]);
      expect(await attachmentsOf(s)).toEqual([]);
    });

    inPage('an image becomes the card cover, survives a reload, and is removed', viewport, async (page) => {
      const s = await setUp(page);
      const panel = await openPanel(page, s);
      // A 1600x1200 photo: the panel and the card get its 480x360 thumbnail, never the full image.
      const photo = await sharp({
        create: { width: 1600, height: 1200, channels: 3, background: { r: 30, g: 120, b: 200 } },
      })
        .jpeg()
        .toBuffer();
      await attach(panel, 'sketch.jpg', photo, 'image/jpeg');
      const preview = panel.getByRole('img', { name: 'Preview of sketch.jpg' });
      await preview.waitFor({ timeout: 15_000 });
      expect(
        await eventually(async () => ((await loaded(preview)) ? naturalSize(preview) : undefined)),
      ).toEqual([480, 360]);

      await panel.getByRole('button', { name: 'Make sketch.jpg the cover' }).click();
      await page.getByRole('status').getByText("“sketch.jpg” is now the card's cover").waitFor();
      await panel.getByText('Cover', { exact: true }).waitFor();
      await panel.getByRole('button', { name: 'Close', exact: true }).first().click();
      const cover = card(page, s.task.title).getByRole('img', { name: 'Cover' });
      await cover.waitFor();
      expect(await eventually(async () => ((await loaded(cover)) ? naturalSize(cover) : undefined))).toEqual([
        480, 360,
      ]);

      await screenshot(page, `attachments-cover-${viewport}`);
      expect(await seriousA11yViolations(page)).toEqual([]);

      // A reload reads the board afresh: the cover comes with it.
      await reloadSignedIn(page, s.person);
      const reloaded = card(page, s.task.title).getByRole('img', { name: 'Cover' });
      await reloaded.waitFor();
      await eventually(async () => ((await loaded(reloaded)) ? true : undefined));

      const again = await openPanel(page, s);
      await again.getByRole('button', { name: 'Remove cover' }).click();
      await page.getByRole('status').getByText('Cover removed').waitFor();
      await again.getByRole('button', { name: 'Make sketch.jpg the cover' }).waitFor();
      await again.getByRole('button', { name: 'Close', exact: true }).first().click();
      await card(page, s.task.title).getByRole('img', { name: 'Cover' }).waitFor({ state: 'detached' });
      // After a reload too (a warm start may first show the board kept on this device, then catches up).
      await reloadSignedIn(page, s.person);
      await card(page, s.task.title).waitFor();
      await card(page, s.task.title).getByRole('img', { name: 'Cover' }).waitFor({ state: 'detached' });
      expect(await getTask(s.person.idToken, s.task.id)).toMatchObject({ coverAttachmentId: null });
    });

    inPage(
      'an unreadable image shows a file icon and no cover; deleting the cover clears it',
      viewport,
      async (page) => {
        const s = await setUp(page);
        const panel = await openPanel(page, s);
        await attach(panel, 'broken.png', Buffer.from('not a png at all'), 'image/png');
        await panel.getByRole('img', { name: 'broken.png: no preview' }).waitFor({ timeout: 15_000 });
        expect(await seriousA11yViolations(page)).toEqual([]);
        expect(await panel.getByRole('button', { name: 'Make broken.png the cover' }).count()).toBe(0);
        expect((await attachmentsOf(s)).map((a) => a.thumbnailStatus)).toEqual(['failed']);

        // Deleting the image that is the cover takes the cover off the card with it.
        await attach(panel, 'cover.png', PNG, 'image/png');
        await panel.getByRole('button', { name: 'Make cover.png the cover' }).click({ timeout: 15_000 });
        await panel.getByText('Cover', { exact: true }).waitFor();
        await panel.getByRole('button', { name: 'Delete attachment cover.png' }).click();
        await panel.getByText('cover.png', { exact: true }).waitFor({ state: 'detached' });
        expect(await getTask(s.person.idToken, s.task.id)).toMatchObject({ coverAttachmentId: null });
        await panel.getByText('Cover', { exact: true }).waitFor({ state: 'detached' });
        await panel.getByRole('button', { name: 'Close', exact: true }).first().click();
        expect(await card(page, s.task.title).getByRole('img', { name: 'Cover' }).count()).toBe(0);
      },
    );
  }
});
