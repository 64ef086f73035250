/**
 * The rough edges a first-time user hit (issue 11), each reproduced in a real browser: an invitation link
 * followed by a new person through sign-up; someone else's, an unknown and a used invitation; one message for a
 * wrong password and an unknown email; a word after confirming the email; goals opened, edited and deleted; the
 * calendar's weekday headers and its phone layout; a long title in the list view; the session in a new tab.
 * Set-up (people, workspaces, projects, tasks, goals, invitations) goes through the API.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { invitationToken, mailTo } from '../test/support.ts';
import {
  accountButton,
  api,
  createProject,
  createTaskWith,
  createWorkspace,
  hasNoHorizontalPageScroll,
  newUiUser,
  screenshot,
  signInThroughUi,
  signUpUser,
  stack,
  type UiUser,
  type ViewportName,
  pageTests,
} from './support.ts';

const VIEWPORTS: ViewportName[] = ['desktop', 'phone'];

const inPage = pageTests('first-use');

const pad = (n: number) => String(n).padStart(2, '0');
/** The 15th of the current month (YYYY-MM-DD): inside the calendar's month whatever day the test runs. */
const midMonth = () => {
  const now = new Date();
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-15`;
};

async function inviteByEmail(token: string, workspaceId: string, email: string): Promise<string> {
  const r = await api(`/workspaces/${workspaceId}/invitations`, {
    method: 'POST',
    token,
    body: { email, role: 'member' },
  });
  if (r.status !== 201) throw new Error(`invite: ${r.status} ${JSON.stringify(r.body)}`);
  return invitationToken(await mailTo(email, /^Join /));
}

async function fillSignUpForm(page: Page, user: UiUser): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill(user.name);
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

async function confirmWithCode(page: Page): Promise<void> {
  await page.waitForURL(/\/confirm/);
  await page.getByLabel('Confirmation code').fill(stack().local.confirmationCode);
  await page.getByRole('button', { name: 'Confirm' }).click();
}

interface Goal {
  id: string;
  title: string;
  description: string | null;
  targetDate: string | null;
  version: number;
}

async function createGoal(token: string, body: Record<string, unknown>): Promise<Goal> {
  const r = await api<Goal>('/goals', { method: 'POST', token, body });
  if (r.status !== 201) throw new Error(`create goal: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The form's own error (the toasts' alert region is always there, empty). */
const formAlert = (page: Page) => page.locator('form').getByRole('alert');

describe('invitations', () => {
  describe.each(VIEWPORTS)('on a %s', (viewport) => {
    inPage(
      'a new person follows an invitation link through sign-up and lands back on it',
      viewport,
      async (page) => {
        const owner = await signUpUser('Olive Owner');
        const workspaceName = `Acme ${viewport} ${randomUUID().slice(0, 4)}`;
        const workspace = await createWorkspace(owner.idToken, workspaceName);
        const invitee = newUiUser('Ivy Invitee');
        const token = await inviteByEmail(owner.idToken, workspace.id, invitee.email);

        await page.goto(`/invitations/${token}`);
        await page.waitForURL(/\/sign-in/);
        await page.getByRole('link', { name: 'Create an account' }).click();
        await page.waitForURL(/\/sign-up/);
        await fillSignUpForm(page, invitee);
        await confirmWithCode(page);

        // Back on the invitation, which names the workspace, the inviter and the role before accepting.
        await page.waitForURL(new RegExp(`/invitations/${token}$`));
        await page.getByRole('heading', { name: `Join ${workspaceName}` }).waitFor();
        await page.getByText(`Olive Owner invited you to join ${workspaceName} as member`).waitFor();
        expect(await page.getByRole('heading', { name: 'Create your first workspace' }).count()).toBe(0);
        if (viewport === 'phone') expect(await hasNoHorizontalPageScroll(page)).toBe(true);
        await screenshot(page, `invitation-${viewport}`);

        await page.getByRole('button', { name: 'Accept invitation' }).click();
        await page.waitForURL(new RegExp(`/w/${workspace.id}$`));
        await page.getByRole('heading', { name: 'Projects', exact: true }).waitFor();

        // The link again: already used, no Accept button.
        await page.goto(`/invitations/${token}`);
        await page.getByRole('heading', { name: `You're already in ${workspaceName}` }).waitFor();
        await page.getByRole('link', { name: `Open ${workspaceName}` }).waitFor();
        expect(await page.getByRole('button', { name: 'Accept invitation' }).count()).toBe(0);
      },
    );
  });

  inPage("someone else's invitation says whose it is, with no Accept button", 'desktop', async (page) => {
    const owner = await signUpUser('Olive Owner');
    const workspace = await createWorkspace(owner.idToken, 'Someone else’s workspace');
    const invitedEmail = `e2e-${randomUUID().slice(0, 8)}@example.com`;
    const token = await inviteByEmail(owner.idToken, workspace.id, invitedEmail);
    const stranger = await signUpUser('Sam Stranger');

    await signInThroughUi(page, stranger);
    await page.goto(`/invitations/${token}`);
    await page.getByRole('heading', { name: 'This invitation is for someone else' }).waitFor();
    await page.getByText('This invitation is for e***@example.com.').waitFor();
    await page.getByText(`You're signed in as ${stranger.email}`).waitFor();
    expect(await page.getByRole('button', { name: 'Accept invitation' }).count()).toBe(0);
    expect(await page.getByText('Your role does not allow that').count()).toBe(0);

    // Signing out from here comes back to the invitation after signing in with the right address.
    await page.getByRole('button', { name: 'Sign out and switch account' }).click();
    await page.waitForURL(/\/sign-in\?next=/);
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/invitations/${token}`);
  });

  inPage('an unknown or malformed link is "not valid", with no Accept button', 'desktop', async (page) => {
    const person = await signUpUser('Una Known');
    await signInThroughUi(page, person);
    for (const token of ['A'.repeat(43), 'not-a-token']) {
      await page.goto(`/invitations/${token}`);
      await page.getByRole('heading', { name: 'This invitation link is not valid' }).waitFor();
      expect(await page.getByRole('button', { name: 'Accept invitation' }).count()).toBe(0);
    }
  });
});

describe('signing in and confirming', () => {
  inPage('a wrong password and an unknown email get the same message', 'desktop', async (page) => {
    const person = await signUpUser('Wanda Wrong');
    const messages: string[] = [];
    for (const [email, password] of [
      [person.email, 'Wrong-passw0rd'],
      [`nobody-${randomUUID().slice(0, 8)}@example.com`, 'Wrong-passw0rd'],
    ] as const) {
      await page.goto('/sign-in');
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await formAlert(page).waitFor();
      messages.push((await formAlert(page).innerText()).trim());
    }
    expect(messages).toEqual(['Wrong email or password.', 'Wrong email or password.']);
  });

  inPage('confirming the email says so, and signs in', 'desktop', async (page) => {
    const user = newUiUser('Cora Confirmed');
    await page.goto('/sign-up');
    await fillSignUpForm(page, user);
    await confirmWithCode(page);
    await page.getByRole('status').getByText('Email confirmed').waitFor();
    await accountButton(page).waitFor();
  });

  inPage('confirming after a reload says so on the sign-in page', 'desktop', async (page) => {
    const user = newUiUser('Rita Reload');
    await page.goto('/sign-up');
    await fillSignUpForm(page, user);
    await page.waitForURL(/\/confirm/);
    // A reload forgets the password typed at sign-up: the person signs in themselves after confirming.
    await page.reload();
    await confirmWithCode(page);
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('status').getByText('Email confirmed — you can sign in now.').waitFor();
    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await accountButton(page).waitFor();
  });
});

describe('goals', () => {
  describe.each(VIEWPORTS)('on a %s', (viewport) => {
    inPage('a goal opens, is edited and deleted; the empty state is for people', viewport, async (page) => {
      const person = await signUpUser('Gail Goals');
      const workspace = await createWorkspace(person.idToken, `Goals ${viewport}`);
      await signInThroughUi(page, person);
      await page.goto('/goals');
      await page.getByRole('heading', { name: `Goals ${viewport} goals` }).waitFor();
      const empty = page.getByText(/^No goals/).first();
      await empty.waitFor();
      expect(await page.getByText(/goalId/).count()).toBe(0);

      const goal = await createGoal(person.idToken, {
        title: 'Launch the beta',
        workspaceId: workspace.id,
        targetDate: '2030-06-30',
        description: 'The first **public** release.',
      });
      await page.reload();
      await page.getByRole('link', { name: 'Launch the beta' }).click();
      await page.waitForURL(new RegExp(`/goals/${goal.id.replace('.', '\\.')}$`));
      await page.getByRole('heading', { name: 'Launch the beta', level: 1 }).waitFor();
      await page.getByText('The first public release.').waitFor();

      // Edit: title, description and target date, saved with the version read.
      await page.getByRole('button', { name: 'Edit goal' }).click();
      const edit = page.getByRole('dialog', { name: 'Edit goal' });
      await edit.getByLabel('Title').fill('Launch the public beta');
      await edit.getByLabel('Description').fill('Open to everyone on the waiting list.');
      await edit.getByLabel('Target date').fill('2030-07-15');
      const [saved] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/api/goals/')),
        edit.getByRole('button', { name: 'Save' }).click(),
      ]);
      expect(saved.status()).toBe(200);
      await edit.waitFor({ state: 'hidden' });
      await page.getByRole('heading', { name: 'Launch the public beta', level: 1 }).waitFor();
      await page.getByText('Open to everyone on the waiting list.').waitFor();
      const stored = await api<Goal>(`/goals/${goal.id}`, { token: person.idToken });
      expect(stored.body).toMatchObject({
        title: 'Launch the public beta',
        description: 'Open to everyone on the waiting list.',
        targetDate: '2030-07-15',
        version: 2,
      });
      if (viewport === 'phone') expect(await hasNoHorizontalPageScroll(page)).toBe(true);
      await screenshot(page, `goal-${viewport}`);

      // Delete, after a confirmation.
      await page.getByRole('button', { name: 'Delete goal' }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete “Launch the public beta”?' });
      await confirm.getByRole('button', { name: 'Delete goal' }).click();
      await page.waitForURL(/\/goals$/);
      await page
        .getByText(/^No goals/)
        .first()
        .waitFor();
      expect(await page.getByRole('link', { name: 'Launch the public beta' }).count()).toBe(0);
      expect((await api(`/goals/${goal.id}`, { token: person.idToken })).status).toBe(404);
    });
  });
});

describe('calendar and list views', () => {
  // The longest title the API takes (200 characters; it trims, so no space at the end).
  const longTitle =
    `Rewrite the onboarding checklist so that ${'every new teammate finds their way '.repeat(5)}`
      .slice(0, 200)
      .trim();
  let person: Awaited<ReturnType<typeof signUpUser>>;
  beforeAll(async () => {
    person = await signUpUser('Cal Endar');
    const workspace = await createWorkspace(person.idToken, 'Views workspace');
    const project = await createProject(person.idToken, workspace.id, 'Views', 'VEW');
    await createTaskWith(person.idToken, project.id, { title: longTitle, dueDate: midMonth() });
    await createTaskWith(person.idToken, project.id, {
      title: 'Book the quarterly review room',
      status: 'in_progress',
      dueDate: midMonth(),
    });
    await createTaskWith(person.idToken, project.id, { title: 'Short one', priority: 'high' });
  });

  inPage('the calendar has weekday headers, Monday first', 'desktop', async (page) => {
    await signInThroughUi(page, person);
    await page.goto('/p/VEW/calendar');
    await page.getByRole('link', { name: /Book the quarterly review room/ }).waitFor();
    const names = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    const xs: number[] = [];
    for (const name of names) {
      const header = page.getByText(name, { exact: true });
      await header.waitFor();
      xs.push((await header.boundingBox())!.x);
    }
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    await screenshot(page, 'calendar-desktop');
  });

  inPage('the calendar is readable and tappable on a phone', 'phone', async (page) => {
    await signInThroughUi(page, person);
    await page.goto('/p/VEW/calendar');
    const task = page.getByRole('link', { name: /Book the quarterly review room/ });
    await task.waitFor();
    expect(await hasNoHorizontalPageScroll(page)).toBe(true);
    // The whole title shows (not cut to a few letters), inside the screen, on a target a finger can hit.
    const box = (await task.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(box.height).toBeGreaterThanOrEqual(44);
    expect(await task.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    // Its day is named in words above it.
    const day = new Date(`${midMonth()}T00:00:00Z`).toLocaleDateString('en-US', {
      weekday: 'long',
      month: 'long',
      day: 'numeric',
      timeZone: 'UTC',
    });
    await page.getByRole('heading', { name: day }).waitFor();
    await screenshot(page, 'calendar-phone');
    await task.click();
    await page.waitForURL(/\/p\/VEW\/VEW-\d+$/);
  });

  describe.each(VIEWPORTS)('the list view on a %s', (viewport) => {
    inPage('a long title does not squeeze the other columns', viewport, async (page) => {
      await signInThroughUi(page, person);
      await page.goto('/p/VEW/list');
      const table = page.getByRole('table');
      const long = table
        .getByRole('row')
        .filter({ has: page.getByRole('cell', { name: 'VEW-1', exact: true }) });
      const short = table
        .getByRole('row')
        .filter({ has: page.getByRole('cell', { name: 'VEW-3', exact: true }) });
      await long.waitFor();
      await short.waitFor();
      // One line per row: the long title is cut with an ellipsis, its whole text in the link's title.
      const longBox = (await long.boundingBox())!;
      const shortBox = (await short.boundingBox())!;
      expect(longBox.height).toBeLessThanOrEqual(shortBox.height + 1);
      const link = long.getByRole('link');
      expect(await link.getAttribute('title')).toBe(longTitle);
      expect(await link.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
      // The other columns keep their width: the status reads on one line.
      const status = long.getByRole('cell', { name: 'To do', exact: true });
      expect((await status.boundingBox())!.width).toBeGreaterThanOrEqual(80);
      if (viewport === 'phone') expect(await hasNoHorizontalPageScroll(page)).toBe(true);
      await screenshot(page, `list-${viewport}`);
    });
  });
});

describe('the session', () => {
  inPage(
    'carries to a new tab, and signing out there signs out everywhere',
    'desktop',
    async (page, context) => {
      const person = await signUpUser('Tess Tabs');
      await createWorkspace(person.idToken, 'Tabs workspace');
      await signInThroughUi(page, person);
      await accountButton(page).waitFor();

      const other = await context.newPage();
      await other.goto('/me');
      await accountButton(other).waitFor();
      expect(new URL(other.url()).pathname).toBe('/me');

      await other.reload();
      await accountButton(other).waitFor();
      expect(new URL(other.url()).pathname).toBe('/me');

      // Signing out in one tab ends the session in the others too.
      await accountButton(other).click();
      await other.getByRole('button', { name: 'Sign out' }).click();
      await other.waitForURL(/\/sign-in/);
      await page.waitForURL(/\/sign-in/);
      await other.close();
    },
  );
});
