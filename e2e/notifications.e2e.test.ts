/**
 * Notifications in a real browser, desktop and phone: Ana mentions Ben in a comment (picking him from the
 * @mention autocomplete); the mention shows highlighted; Ben, in a browser of his own, sees the bell's count,
 * opens the notification and lands on the task, and the count goes. The error case: marking all read while the
 * API fails says so and keeps the count. Unsubscribing from the link of a real email (read back from the SES
 * emulator), signed out: the page reads, the button unsubscribes; a forged link says it is not valid. An
 * invitation to someone with an account reaches their bell and leads to accepting it (a revoked one says it is
 * not valid). Set-up goes through the API.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import {
  addNamedMember,
  api,
  createProject,
  createTaskWith,
  createWorkspace,
  explainFailure,
  newPage,
  screenshot,
  seriousA11yViolations,
  signInThroughUi,
  signUpUser,
  type ViewportName,
} from './support.ts';
import { mailTo } from '../test/support.ts';

const VIEWPORTS: ViewportName[] = ['desktop', 'phone'];

const projectKey = () =>
  `N${randomUUID()
    .replace(/[^A-Z]/gi, '')
    .slice(0, 4)
    .toUpperCase()}`.padEnd(5, 'Q');

async function setUp() {
  const ana = await signUpUser('Ana Author');
  const workspace = await createWorkspace(ana.idToken, `Notify ${randomUUID().slice(0, 6)}`);
  const ben = await addNamedMember(ana, workspace.id, `Ben ${randomUUID().slice(0, 4)}`);
  const project = await createProject(ana.idToken, workspace.id, 'Notify project', projectKey());
  const task = await createTaskWith(ana.idToken, project.id, { title: 'Review the release notes' });
  return { ana, ben, project, task };
}

/** Runs `fn` with one page per person, each in a browser context of its own at `viewport`. */
async function withPages(
  name: string,
  viewport: ViewportName,
  fn: (a: Page, b: Page) => Promise<void>,
): Promise<void> {
  const [a, b] = await Promise.all([newPage(viewport), newPage(viewport)]);
  try {
    await fn(a.page, b.page);
  } catch (error) {
    await explainFailure(b.page, `notifications-${viewport}-${name}-b`, error).catch(() => undefined);
    await explainFailure(a.page, `notifications-${viewport}-${name}-a`, error);
  } finally {
    await Promise.all([a.context.close(), b.context.close()]);
  }
}

const bell = (page: Page) => page.getByRole('button', { name: /^Notifications/ });

/** The bell once it counts `n` unread: the tab is focused again (as a person coming back to it) until it does. */
async function unreadBell(page: Page, n: number) {
  const counted = page.getByRole('button', { name: `Notifications, ${n} unread` });
  const deadline = Date.now() + 30_000;
  while ((await counted.count()) === 0) {
    if (Date.now() > deadline) throw new Error(`the bell never counted ${n}`);
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await page.waitForTimeout(500);
  }
  return counted;
}

describe.each(VIEWPORTS)('notifications (%s)', (viewport) => {
  it('a mention reaches the bell and opens the task', async () => {
    const { ana, ben, project, task } = await setUp();
    await withPages('mention', viewport, async (a, b) => {
      await signInThroughUi(a, ana);
      await signInThroughUi(b, ben);
      await b.goto('/me');
      await bell(b).waitFor();
      await expect(bell(b).getAttribute('aria-label')).resolves.toBe('Notifications');

      await a.goto(`/p/${project.key}/${task.key}`);
      const panel = a.getByRole('dialog');
      await panel.getByRole('heading', { name: task.title }).waitFor();
      const box = panel.getByRole('combobox', { name: 'Comment' });
      await box.click();
      await box.pressSequentially('Please look, @be');
      const option = panel.getByRole('option', { name: new RegExp(ben.name) });
      await option.waitFor();
      await box.press('Enter');
      await box.pressSequentially('thanks');
      const handle = ben.email.split('@')[0]!;
      await expect(box.inputValue()).resolves.toBe(`Please look, @${handle} thanks`);
      await panel.getByRole('button', { name: 'Comment', exact: true }).click();
      await panel.locator('.mention', { hasText: `@${handle}` }).waitFor();
      await screenshot(a, `notifications-mention-${viewport}`);

      // Ben's bell counts it (coming back to the tab reads it again); opening it leads to the task.
      await (await unreadBell(b, 1)).click();
      await screenshot(b, `notifications-bell-${viewport}`);
      await b.getByRole('button', { name: new RegExp(`Ana Author mentioned you on ${task.key}`) }).click();
      await b.waitForURL(`**/p/${project.key}/${task.key}`);
      await b.getByRole('dialog').getByRole('heading', { name: task.title }).waitFor();
      await b.getByRole('button', { name: 'Notifications', exact: true }).waitFor();
    });
  });

  it('says so when marking read fails, and keeps the count', async () => {
    const { ana, ben, project } = await setUp();
    await createTaskWith(ana.idToken, project.id, { title: 'Assigned to Ben', assigneeIds: [ben.userId] });
    await withPages('error', viewport, async (_a, b) => {
      await signInThroughUi(b, ben);
      await b.goto('/me');
      const counted = await unreadBell(b, 1);
      await b.route('**/api/notifications/read', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({
            error: { code: 'UNAVAILABLE', message: 'Try again later', requestId: 'x' },
          }),
        }),
      );
      await counted.click();
      await b.getByRole('button', { name: 'Mark all read' }).click();
      await b
        .getByRole('alert')
        .filter({ hasText: /again later|unavailable/i })
        .waitFor();
      await expect(counted.count()).resolves.toBe(1);
    });
  });

  it('profile settings: name, time zone and where notifications go', async () => {
    const { ben } = await setUp();
    await withPages('settings', viewport, async (_a, b) => {
      await signInThroughUi(b, ben);
      await bell(b).click();
      await b.getByRole('link', { name: 'Settings' }).click();
      await b.getByRole('heading', { name: 'Settings' }).waitFor();
      await b.getByLabel('Name', { exact: true }).fill('Ben Renamed');
      await b.getByLabel('Time zone', { exact: true }).selectOption('Europe/Berlin');
      await b.getByLabel('Mentioned in a comment', { exact: true }).selectOption('off');
      await b.getByRole('button', { name: 'Save settings' }).click();
      await b.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await screenshot(b, `notifications-settings-${viewport}`);
      const me = await api<{ name: string; timezone: string; notificationPrefs: { channels: object } }>(
        '/me',
        {
          token: ben.idToken,
        },
      );
      expect(me.body).toEqual(
        expect.objectContaining({
          name: 'Ben Renamed',
          timezone: 'Europe/Berlin',
          notificationPrefs: expect.objectContaining({
            channels: expect.objectContaining({ mentioned: 'off', assigned: 'email' }),
          }),
        }),
      );
    });
  });

  it('unsubscribes from the link in an email, without signing in; a forged link says so', async () => {
    const { ana, ben, project } = await setUp();
    const task = await createTaskWith(ana.idToken, project.id, {
      title: 'Mail Ben about this',
      assigneeIds: [ben.userId],
    });
    const mail = await mailTo(ben.email, new RegExp(`assigned you to ${task.key}`));
    const link = /Unsubscribe from these emails: (\S+)/.exec(mail.body.text ?? '')?.[1];
    expect(link).toMatch(/\/unsubscribe\?token=/);
    expect(mail.body.html).toContain(`href="${link}"`);
    const channels = async () =>
      (await api<{ notificationPrefs: { channels?: Record<string, string> } }>('/me', { token: ben.idToken }))
        .body.notificationPrefs.channels ?? {};
    await withPages('unsubscribe', viewport, async (page) => {
      // A browser where nobody is signed in, as a mail client opens a link.
      await page.goto(link!);
      await page.getByRole('heading', { name: 'Unsubscribe from TeamFlow emails' }).waitFor();
      await page.getByRole('listitem').filter({ hasText: 'Assigned to me' }).waitFor();
      // Opening the page changed nothing.
      await expect(channels()).resolves.toEqual({});
      await screenshot(page, `notifications-unsubscribe-${viewport}`);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Unsubscribe', exact: true }).click();
      await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
      await page
        .getByRole('status')
        .filter({ hasText: /no longer come by email/ })
        .getByText('Assigned to me')
        .waitFor();
      await expect(channels()).resolves.toEqual(
        expect.objectContaining({ assigned: 'inApp', mentioned: 'inApp', dueSoon: 'inApp' }),
      );
      // On to the settings (signing in first).
      await page.getByRole('link', { name: 'Choose which emails you get in Settings' }).click();
      await page.waitForURL(/\/sign-in/);
      await signInThroughUi(page, ben, { navigate: false });
      await page.getByRole('heading', { name: 'Settings' }).waitFor();
      await expect(page.getByLabel('Assigned to me', { exact: true }).inputValue()).resolves.toBe('inApp');

      // The same link again: already unsubscribed.
      await page.goto(link!);
      await page.getByRole('heading', { name: 'You are already unsubscribed' }).waitFor();

      // A forged (or cut) link: a clear error, nothing else.
      const forged = new URL(link!);
      forged.searchParams.set('token', `${forged.searchParams.get('token')!.slice(0, -2)}xx`);
      await page.goto(forged.toString());
      await page.getByRole('heading', { name: 'This unsubscribe link is not valid' }).waitFor();
      await page
        .getByRole('alert')
        .filter({ hasText: /whole link/ })
        .waitFor();
      await expect(page.getByRole('button', { name: 'Unsubscribe', exact: true }).count()).resolves.toBe(0);
      await screenshot(page, `notifications-unsubscribe-invalid-${viewport}`);
    });
  });

  it('an invitation reaches the bell of someone with an account and leads to accepting it', async () => {
    const { ana, ben } = await setUp();
    const invite = async (name: string) => {
      const workspaceName = `${name} ${randomUUID().slice(0, 6)}`;
      const workspace = { ...(await createWorkspace(ana.idToken, workspaceName)), name: workspaceName };
      const res = await api<{ id: string }>(`/workspaces/${workspace.id}/invitations`, {
        method: 'POST',
        token: ana.idToken,
        body: { email: ben.email, role: 'member' },
      });
      expect(res.status).toBe(201);
      return { workspace, invitationId: res.body.id };
    };
    // One invitation Ana takes back (the error path), then the one Ben accepts.
    const revoked = await invite('Revoked');
    expect(
      (await api(`/invitations/${revoked.invitationId}`, { method: 'DELETE', token: ana.idToken })).status,
    ).toBe(204);
    const { workspace } = await invite('Joined');
    await withPages('invitation', viewport, async (_a, b) => {
      await signInThroughUi(b, ben);
      await b.goto('/me');
      await (await unreadBell(b, 2)).click();
      await b
        .getByRole('button', { name: new RegExp(`invited you to join ${revoked.workspace.name}`) })
        .click();
      await b.getByRole('heading', { name: 'This invitation link is not valid' }).waitFor();

      await (await unreadBell(b, 1)).click();
      await screenshot(b, `notifications-invitation-${viewport}`);
      await b.getByRole('button', { name: new RegExp(`invited you to join ${workspace.name}`) }).click();
      await b.waitForURL(/\/invitations\//);
      await b.getByRole('heading', { name: `Join ${workspace.name}` }).waitFor();
      await b.getByRole('button', { name: 'Accept invitation' }).click();
      await b.waitForURL(`**/w/${workspace.id}`);
      await b.getByRole('button', { name: 'Notifications', exact: true }).waitFor();
    });
  });
});
