/**
 * Planning in a real browser (desktop): drag a task from the backlog into a sprint with the mouse and see it
 * persisted after a reload; reschedule a task on the calendar with the keyboard only (focus it, Space, an arrow,
 * Space) and see its new due date persisted; move the focus between board cards with the arrow keys and open one
 * with Enter, while a keyboard drag (Space) still moves the card with the arrows. Set-up (person, workspace,
 * project, tasks, sprint) goes through the API.
 */
import type { BrowserContext, Locator, Page, Response } from 'playwright-core';
import {
  card,
  column,
  createProject,
  createSprint,
  createTaskWith,
  createWorkspace,
  dragWithMouse,
  explainFailure,
  getTask,
  keyboardDragTo,
  newPage,
  reloadSignedIn,
  seriousA11yViolations,
  signInThroughUi,
  signUpUser,
  type Project,
  type Sprint,
  type TestUser,
} from './support.ts';

const KEY = 'PLN';
const isTaskPatch = (r: Response) =>
  r.request().method() === 'PATCH' && /\/api\/tasks\/[^/]+$/.test(new URL(r.url()).pathname);

const pad = (n: number) => String(n).padStart(2, '0');
const isoDay = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** A Wednesday of the current month between the 10th and the 16th (ArrowRight then stays in the same week row). */
function wednesdayThisMonth(): Date {
  const now = new Date();
  for (let day = 10; day <= 16; day++) {
    const date = new Date(now.getFullYear(), now.getMonth(), day);
    if (date.getDay() === 3) return date;
  }
  throw new Error('unreachable: seven days hold a Wednesday');
}

const isFocused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);

describe('planning on a desktop', () => {
  let context: BrowserContext;
  let page: Page;
  let person: TestUser;
  let project: Project;
  let sprint: Sprint;
  const ids: Record<string, string> = {};
  const dueDay = wednesdayThisMonth();
  const due = isoDay(dueDay);
  const nextDay = isoDay(new Date(dueDay.getFullYear(), dueDay.getMonth(), dueDay.getDate() + 1));

  // The tests share a page and build on the set-up; each leaves a screenshot and the page's problems on failure.
  const test = (name: string, fn: () => Promise<void>) =>
    it(name, async () => {
      try {
        await fn();
      } catch (error) {
        await explainFailure(page, `planning-${name}`, error);
      }
    });

  beforeAll(async () => {
    person = await signUpUser('Pat Planner');
    const workspace = await createWorkspace(person.idToken, 'Planning workspace');
    project = await createProject(person.idToken, workspace.id, 'Release planning', KEY);
    for (const [title, body] of [
      ['Plan the release', { status: 'todo' }],
      ['Write release notes', { status: 'todo' }],
      ['Fix the login bug', { status: 'in_progress' }],
      ['Book the venue', { status: 'in_review', dueDate: due }],
    ] as const) {
      ids[title] = (await createTaskWith(person.idToken, project.id, { title, ...body })).id;
    }
    const start = new Date();
    const end = new Date(start.getFullYear(), start.getMonth(), start.getDate() + 13);
    sprint = await createSprint(person.idToken, project.id, {
      name: 'Sprint 1',
      startDate: isoDay(start),
      endDate: isoDay(end),
    });
    ({ context, page } = await newPage('desktop'));
    await signInThroughUi(page, person);
  });
  afterAll(async () => {
    await context?.close();
  });

  test('drags a task from the backlog into the sprint with the mouse; it stays there after a reload', async () => {
    await page.goto(`/p/${KEY}/sprints`);
    const backlog = page.getByRole('region', { name: 'Backlog', exact: true });
    const planned = page.getByRole('region', { name: 'Sprint 1', exact: true });
    await card(backlog, 'Plan the release').waitFor();
    await planned.getByText('No tasks yet').waitFor();

    const [saved] = await Promise.all([
      page.waitForResponse(isTaskPatch),
      dragWithMouse(page, card(backlog, 'Plan the release'), planned),
    ]);
    expect(saved.status()).toBe(200);
    expect(JSON.parse(saved.request().postData() ?? '{}')).toEqual({ version: 1, sprintId: sprint.id });
    await card(planned, 'Plan the release').waitFor();

    await reloadSignedIn(page, person);
    await card(planned, 'Plan the release').waitFor();
    await card(backlog, 'Write release notes').waitFor();
    expect(await card(backlog, 'Plan the release').count()).toBe(0);
    const stored = (await getTask(person.idToken, ids['Plan the release']!)) as unknown as {
      sprintId: string | null;
    };
    expect(stored.sprintId).toBe(sprint.id);
  });

  test('reschedules a task on the calendar with the keyboard: Space, ArrowRight, Space', async () => {
    await page.goto(`/p/${KEY}/calendar`);
    const task = card(page, 'Book the venue');
    await task.waitFor();
    // Days as the page writes them (its locale): each day's list is named "Due <day>".
    const [dueName, nextName] = await page.evaluate(
      (days) =>
        days.map((day) =>
          new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, {
            weekday: 'long',
            year: 'numeric',
            month: 'long',
            day: 'numeric',
            timeZone: 'UTC',
          }),
        ),
      [due, nextDay],
    );
    await card(page.getByRole('list', { name: `Due ${dueName!}`, exact: true }), 'Book the venue').waitFor();

    await task.focus();
    await page.keyboard.press('Space');
    // dnd-kit announces the pick-up (then the day it is over) in its live region once the drag has started.
    await page.getByText(/^(Picked up Book the venue|Book the venue is over)/).waitFor({ state: 'attached' });
    await keyboardDragTo(page, 'ArrowRight', `Book the venue is over ${nextName!}.`);
    const [saved] = await Promise.all([page.waitForResponse(isTaskPatch), page.keyboard.press('Space')]);
    expect(saved.status()).toBe(200);
    expect(JSON.parse(saved.request().postData() ?? '{}')).toEqual({ version: 1, dueDate: nextDay });

    const stored = (await getTask(person.idToken, ids['Book the venue']!)) as unknown as { dueDate: string };
    expect(stored.dueDate).toBe(nextDay);
    await reloadSignedIn(page, person);
    await card(page.getByRole('list', { name: `Due ${nextName!}`, exact: true }), 'Book the venue').waitFor();
  });

  test('arrow keys move the focus between cards of the board; Enter opens the focused one', async () => {
    await page.goto(`/p/${KEY}`);
    const todo = column(page, 'To do');
    const first = card(todo, 'Plan the release');
    const second = card(todo, 'Write release notes');
    const inProgress = card(column(page, 'In progress'), 'Fix the login bug');
    await inProgress.waitFor();
    await first.focus();

    await page.keyboard.press('ArrowDown');
    expect(await isFocused(second)).toBe(true);
    await page.keyboard.press('ArrowRight');
    expect(await isFocused(inProgress)).toBe(true);
    await page.keyboard.press('ArrowLeft');
    // The nearest card of To do to "Fix the login bug" (both at the top of their columns).
    expect(await isFocused(first)).toBe(true);
    await page.keyboard.press('ArrowUp');
    expect(await isFocused(first)).toBe(true);

    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/p/${KEY}/${KEY}-3$`));
    await page.getByRole('dialog').getByRole('heading', { name: 'Fix the login bug' }).waitFor();
  });

  test('during a keyboard drag (Space) the arrows move the card, not the focus', async () => {
    await page.goto(`/p/${KEY}`);
    const second = card(column(page, 'To do'), 'Write release notes');
    await second.waitFor();
    await second.focus();
    await page.keyboard.press('Space');
    await page.getByText(/^(Picked up Write release notes|Write release notes is over)/).waitFor({
      state: 'attached',
    });
    await keyboardDragTo(page, 'ArrowRight', /^Write release notes is over In progress/);
    const [moved] = await Promise.all([
      page.waitForResponse(
        (r) =>
          r.request().method() === 'POST' && /\/api\/tasks\/[^/]+\/move$/.test(new URL(r.url()).pathname),
      ),
      page.keyboard.press('Space'),
    ]);
    expect(moved.status()).toBe(200);
    expect(JSON.parse(moved.request().postData() ?? '{}')).toMatchObject({ status: 'in_progress' });
    await card(column(page, 'In progress'), 'Write release notes').waitFor();
  });

  test('the sprint plan, the calendar and the list have no serious or critical axe violation', async () => {
    for (const [path, ready] of [
      ['sprints', () => page.getByRole('region', { name: 'Backlog', exact: true }).waitFor()],
      ['calendar', () => card(page, 'Book the venue').waitFor()],
      ['list', () => page.getByRole('link', { name: 'Fix the login bug' }).waitFor()],
    ] as const) {
      await page.goto(`/p/${KEY}/${path}`);
      await ready();
      expect({ path, violations: await seriousA11yViolations(page) }).toEqual({ path, violations: [] });
    }
  });

  test('manages labels from the filter bar: create, rename, delete', async () => {
    await page.goto(`/p/${KEY}`);
    await page.getByRole('button', { name: 'Manage labels' }).click();
    const dialog = page.getByRole('dialog', { name: 'Labels' });
    await dialog.getByLabel('New label name').fill('Urgent');
    await dialog.getByRole('button', { name: 'Add label' }).click();
    const name = dialog.getByLabel('Name of label Urgent');
    await name.waitFor();
    await name.fill('Blocker');
    const [renamed] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'PATCH' && /\/api\/labels\//.test(r.url())),
      dialog.getByRole('button', { name: 'Save label Urgent' }).click(),
    ]);
    expect(renamed.status()).toBe(200);
    await dialog.getByLabel('Name of label Blocker').waitFor();
    // The filter bar's label filter offers the renamed label.
    expect(
      await page.getByLabel('Label', { exact: true }).locator('option', { hasText: 'Blocker' }).count(),
    ).toBe(1);
    page.once('dialog', (confirm) => void confirm.accept());
    const [deleted] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'DELETE' && /\/api\/labels\//.test(r.url())),
      dialog.getByRole('button', { name: 'Delete label Blocker' }).click(),
    ]);
    expect(deleted.status()).toBe(204);
    await dialog.getByText('No labels yet.').waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });

  test('arrow keys move the focus between tasks of the calendar: days left and right, weeks up and down', async () => {
    // After the reschedule, "Book the venue" is due on Thursday (nextDay); one task the day after, one a week later.
    const [y, m, d] = nextDay.split('-').map(Number) as [number, number, number];
    for (const [title, days] of [
      ['Call the caterer', 1],
      ['Send the invites', 7],
    ] as const) {
      await createTaskWith(person.idToken, project.id, {
        title,
        dueDate: isoDay(new Date(y, m - 1, d + days)),
      });
    }
    await page.goto(`/p/${KEY}/calendar`);
    const venue = card(page, 'Book the venue');
    const caterer = card(page, 'Call the caterer');
    const invites = card(page, 'Send the invites');
    await invites.waitFor();
    await venue.focus();
    await page.keyboard.press('ArrowRight');
    expect(await isFocused(caterer)).toBe(true);
    await page.keyboard.press('ArrowLeft');
    expect(await isFocused(venue)).toBe(true);
    await page.keyboard.press('ArrowDown');
    expect(await isFocused(invites)).toBe(true);
    await page.keyboard.press('ArrowUp');
    expect(await isFocused(venue)).toBe(true);
  });

  test("edits one's own comment", async () => {
    await page.goto(`/p/${KEY}/${KEY}-1`);
    const panel = page.getByRole('dialog');
    await panel.getByPlaceholder('Write a comment').fill('First thoughts');
    await panel.getByRole('button', { name: 'Comment', exact: true }).click();
    await panel.getByText('First thoughts').waitFor();
    await panel.getByRole('button', { name: 'Edit comment' }).click();
    await panel.getByLabel('Edit your comment').fill('Second thoughts');
    const [saved] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'PATCH' && /\/api\/comments\//.test(r.url())),
      panel.getByRole('button', { name: 'Save comment' }).click(),
    ]);
    expect(saved.status()).toBe(200);
    await panel.getByText('Second thoughts').waitFor();
    await panel.getByText('(edited)').waitFor();
  });
});
