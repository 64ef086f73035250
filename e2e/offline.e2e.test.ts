/**
 * Offline, in a real browser (the production build with its service worker, as people get it; the context set
 * offline as a lost network is): a board and a task visited once open offline, even after a reload; three field
 * edits and a card move made offline stay on screen, survive a reload, are counted in the header's indicator,
 * and reach the server once back online, each exactly once (versions and activity tell). A task never opened
 * on this device says so offline instead of blanking the app. A change made offline to a task someone else
 * changed meanwhile (through the API) opens the conflict dialog, the task's panel closed. Desktop and phone.
 */
import type { BrowserContext, Page } from 'playwright-core';
import {
  addNamedMember,
  api,
  card,
  column,
  createProject,
  createTask,
  createWorkspace,
  dragWithMouse,
  explainFailure,
  journeySteps,
  getTask,
  newPage,
  screenshot,
  signInThroughUi,
  signUpUser,
  type Project,
  type TestUser,
  type ViewportName,
} from './support.ts';

interface Activity {
  actorId: string;
  action: string;
  changes: Record<string, { from: unknown; to: unknown }>;
}

/** The header's sync indicator (a status region) once its text matches. */
const syncStatus = (page: Page, text: RegExp) =>
  page.locator('header').getByRole('status').filter({ hasText: text });

/** Whether the person's saved query cache in IndexedDB holds a task with this title (the warm-start copy). */
const cacheHolds = (page: Page, title: string) =>
  page.evaluate(
    (wanted) =>
      new Promise<boolean>((resolve) => {
        const open = indexedDB.open('teamflow-cache');
        open.onerror = () => resolve(false);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('clients')) return resolve(false);
          const all = db.transaction('clients').objectStore('clients').getAll();
          all.onsuccess = () => resolve(JSON.stringify(all.result).includes(wanted));
          all.onerror = () => resolve(false);
        };
      }),
    title,
  );

async function until(probe: () => Promise<boolean>, what: string, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.each<[ViewportName, string]>([
  ['desktop', 'OFD'],
  ['phone', 'OFP'],
])('offline on a %s', (viewport, KEY) => {
  let owner: TestUser;
  let other: TestUser;
  let project: Project;
  const ids: Record<string, string> = {};
  const versions: Record<string, number> = {};
  let context: BrowserContext;
  let page: Page;

  const step = journeySteps((name, error) => explainFailure(page, `offline-${viewport}-${name}`, error));

  const panel = () => page.getByRole('dialog');
  const openTask = async (title: string) => {
    await card(page, title).click();
    await panel().getByLabel('Title', { exact: true }).waitFor();
  };
  const closePanel = async () => {
    await panel().getByRole('button', { name: 'Close', exact: true }).first().click();
    await panel().waitFor({ state: 'detached' });
  };

  beforeAll(async () => {
    owner = await signUpUser('Olive Offline');
    const workspace = await createWorkspace(owner.idToken, `Offline ${viewport}`);
    project = await createProject(owner.idToken, workspace.id, `Offline board ${viewport}`, KEY);
    for (const [title, status] of [
      ['Plan the offsite', 'todo'],
      ['Book the venue', 'todo'],
      ['Send the invites', 'in_progress'],
    ] as const) {
      const created = await createTask(owner.idToken, project.id, { title, status });
      ids[title] = created.id;
      versions[title] = created.version;
    }
    other = await addNamedMember(owner, workspace.id, 'Oscar Online');
    ({ context, page } = await newPage(viewport));
    await signInThroughUi(page, owner);
  });
  afterAll(async () => {
    await context?.close();
  });

  step('visits the board and a task while online; the app is installed for offline use', async () => {
    await page.goto(`/p/${KEY}`);
    await card(column(page, 'To do'), 'Plan the offsite').waitFor();
    await openTask('Plan the offsite');
    await closePanel();
    // The service worker has precached the app (shell and every route chunk) and the cache is on disk.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await until(() => cacheHolds(page, 'Send the invites'), 'the query cache in IndexedDB');
    const manifest = await page.evaluate(async () => {
      const link = document.querySelector<HTMLLinkElement>('link[rel=manifest]');
      return link ? ((await (await fetch(link.href)).json()) as { icons: { sizes: string }[] }) : null;
    });
    expect(manifest?.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
  });

  step('offline, a reload opens the app and the board from this device, and says it is offline', async () => {
    await context.setOffline(true);
    await page.reload();
    await card(column(page, 'To do'), 'Plan the offsite').waitFor();
    await syncStatus(page, /^Offline$/).waitFor();
    await screenshot(page, `offline-${viewport}-board`);
  });

  step('edits three fields and moves a card offline: all stay on screen, counted as waiting', async () => {
    await openTask('Plan the offsite');
    const title = panel().getByLabel('Title', { exact: true });
    await title.fill('Plan the offsite (offline edit)');
    await title.press('Enter');
    await panel().getByLabel('Priority').selectOption('high');
    const due = panel().getByLabel('Due date');
    await due.fill('2031-03-14');
    await due.press('Enter');
    await syncStatus(page, /3 changes waiting/).waitFor();
    // No snap back: the panel shows the edits.
    expect(await title.inputValue()).toBe('Plan the offsite (offline edit)');
    expect(await panel().getByLabel('Priority').inputValue()).toBe('high');
    await closePanel();
    await card(column(page, 'To do'), 'Plan the offsite (offline edit)').waitFor();

    await dragWithMouse(page, card(column(page, 'To do'), 'Book the venue'), column(page, 'In progress'));
    await card(column(page, 'In progress'), 'Book the venue').waitFor();
    await syncStatus(page, /Offline · 4 changes waiting/).waitFor();
    await screenshot(page, `offline-${viewport}-waiting`);
  });

  step('a reload while offline keeps the app, the edits on screen and the changes waiting', async () => {
    await page.reload();
    await syncStatus(page, /Offline · 4 changes waiting/).waitFor();
    await card(column(page, 'In progress'), 'Book the venue').waitFor();
    await card(column(page, 'To do'), 'Plan the offsite (offline edit)').waitFor();
    await openTask('Plan the offsite (offline edit)');
    expect(await panel().getByLabel('Priority').inputValue()).toBe('high');
    expect(await panel().getByLabel('Due date').inputValue()).toBe('2031-03-14');
    await closePanel();
    // Nothing reached the server yet.
    expect((await getTask(owner.idToken, ids['Plan the offsite']!)).title).toBe('Plan the offsite');
  });

  step('a task never opened on this device says so offline; the app stays', async () => {
    const unseen = await createTask(other.idToken, project.id, {
      title: 'Created elsewhere',
      status: 'todo',
    });
    await page.goto(`/p/${KEY}/${unseen.key}`);
    await panel()
      .getByText(/You are offline/)
      .waitFor();
    await panel()
      .getByRole('heading', { name: `${unseen.key} is not available offline` })
      .waitFor();
    await page
      .getByRole('button', { name: /^Account/ })
      .first()
      .waitFor();
    await screenshot(page, `offline-${viewport}-unseen-task`);
    await page.goto(`/p/${KEY}`);
    await card(column(page, 'To do'), 'Plan the offsite (offline edit)').waitFor();
  });

  step('back online, the server holds exactly those changes, each once', async () => {
    await context.setOffline(false);
    await syncStatus(page, /waiting|Saving/).waitFor({ state: 'detached' });
    await until(
      async () => (await getTask(owner.idToken, ids['Book the venue']!)).status === 'in_progress',
      'the move on the server',
    );
    const plan = (await getTask(owner.idToken, ids['Plan the offsite']!)) as unknown as Record<
      string,
      unknown
    >;
    expect(plan).toMatchObject({
      title: 'Plan the offsite (offline edit)',
      priority: 'high',
      dueDate: '2031-03-14',
      // Three edits, chained on each other's versions: three new versions, no conflict with itself.
      version: versions['Plan the offsite']! + 3,
    });
    const moved = await getTask(owner.idToken, ids['Book the venue']!);
    expect(moved.version).toBe(versions['Book the venue']! + 1);
    const activity = await api<{ items: Activity[] }>(`/tasks/${ids['Plan the offsite']}/activity`, {
      token: owner.idToken,
    });
    const updates = activity.body.items.filter((a) => a.action !== 'created');
    expect(updates.map((a) => Object.keys(a.changes).sort().join(','))).toEqual([
      'dueDate',
      'priority',
      'title',
    ]);
    // The board shows the saved state, and nothing is left waiting.
    await card(column(page, 'In progress'), 'Book the venue').waitFor();
    expect(await syncStatus(page, /./).count()).toBe(0);
  });

  step(
    'an offline edit of a task someone changed meanwhile opens the conflict dialog, the panel closed',
    async () => {
      await context.setOffline(true);
      await syncStatus(page, /^Offline$/).waitFor();
      await openTask('Send the invites');
      const title = panel().getByLabel('Title', { exact: true });
      await title.fill('Send the invites (mine)');
      await title.press('Enter');
      await closePanel();
      await syncStatus(page, /1 change waiting/).waitFor();
      const current = await getTask(other.idToken, ids['Send the invites']!);
      const theirs = await api(`/tasks/${current.id}`, {
        method: 'PATCH',
        token: other.idToken,
        body: { version: current.version, title: 'Send the invites (theirs)' },
      });
      expect(theirs.status).toBe(200);

      await context.setOffline(false);
      const dialog = page.getByRole('dialog', { name: 'Conflicting change' });
      await dialog.waitFor();
      await dialog.getByText('Send the invites (theirs)').waitFor();
      await dialog.getByText('Send the invites (mine)').waitFor();
      await screenshot(page, `offline-${viewport}-conflict`);
      // Nothing was overwritten while the person chooses.
      expect((await getTask(owner.idToken, current.id)).title).toBe('Send the invites (theirs)');
      await dialog.getByRole('button', { name: 'Keep theirs' }).click();
      await dialog.waitFor({ state: 'detached' });
      await card(page, 'Send the invites (theirs)').waitFor();
    },
  );
});
