/**
 * The task panel's rough edges (issue 11), each reproduced in a real browser: errors about the panel's fields
 * shown in the panel (a description over the limit kept in its editor, a rate-limited save that says when to try
 * again); the label picker fully on screen at 1280x800, 1600x900 and on a phone, set by mouse and by tap; Escape
 * in a picker closes only the picker; the focus stays on a card moved with the keyboard; a title over the limit
 * is never cut silently (create form and panel); a goal linked, changed and cleared from the panel, opened by its
 * link. Set-up (people, workspaces, projects, tasks, labels, goals) goes through the API.
 */
import { randomUUID } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import {
  api,
  card,
  column,
  createProject,
  createTask,
  createWorkspace,
  getTask,
  keyboardDragTo,
  pageTests,
  screenshot,
  signInThroughUi,
  signUpUser,
  type Project,
  type Task,
  type TestUser,
  type ViewportName,
} from './support.ts';
import { eventually } from '../test/support.ts';

const VIEWPORTS: ViewportName[] = ['desktop', 'phone'];

const inPage = pageTests('task-panel');

interface Setup {
  person: TestUser;
  workspaceId: string;
  project: Project;
  task: Task;
}

/** A person (signed in on `page`) with a workspace, a project and one task in it. */
async function setUp(page: Page, taskTitle = 'Write the spec'): Promise<Setup> {
  const person = await signUpUser('Pat Panel');
  const workspace = await createWorkspace(person.idToken, `Panel ${randomUUID().slice(0, 6)}`);
  const key = `P${randomUUID()
    .replace(/[^A-Z]/gi, '')
    .slice(0, 4)
    .toUpperCase()}`.padEnd(4, 'Q');
  const project = await createProject(person.idToken, workspace.id, 'Panel project', key);
  const task = await createTask(person.idToken, project.id, { title: taskTitle });
  await signInThroughUi(page, person);
  return { person, workspaceId: workspace.id, project, task };
}

async function openPanel(page: Page, s: Setup): Promise<Locator> {
  await page.goto(`/p/${s.project.key}/${s.task.key}`);
  const panel = page.getByRole('dialog');
  await panel.getByRole('heading', { name: s.task.title }).waitFor();
  return panel;
}

/** True when the element's middle is inside the viewport and nothing covers it (no backdrop, no panel). */
const onTop = (locator: Locator) =>
  locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x > window.innerWidth || y > window.innerHeight) return false;
    const hit = document.elementFromPoint(x, y);
    return !!hit && (el === hit || el.contains(hit));
  });

/** True when the whole element lies inside the viewport. */
const fullyInViewport = (locator: Locator) =>
  locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.left >= 0 && r.top >= 0 && r.right <= window.innerWidth && r.bottom <= window.innerHeight;
  });

const isFocused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);

const isPatch = (taskId: string) => (r: { request(): { method(): string }; url(): string }) =>
  r.request().method() === 'PATCH' && new URL(r.url()).pathname.endsWith(`/api/tasks/${taskId}`);

/**
 * Spends the person's request budget through the API (the same user, the same limiter as the app's requests),
 * until the API answers 429. The window is a calendar minute: a run late in one waits for the next, so the save
 * that follows falls in the exhausted window.
 */
async function exhaustRateLimit(token: string): Promise<void> {
  const second = new Date().getSeconds();
  if (second > 35) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
  for (let round = 0; round < 40; round++) {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => api('/me', { token }).then((r) => r.status)),
    );
    if (answers.includes(429)) return;
  }
  throw new Error('the API never answered 429');
}

describe('errors about the panel’s fields show in the panel', () => {
  describe.each(VIEWPORTS)('on a %s', (viewport) => {
    inPage(
      'a description over 50,000 characters stays in its editor with the error next to it',
      viewport,
      async (page) => {
        const s = await setUp(page);
        const panel = await openPanel(page, s);
        await panel.getByRole('button', { name: 'Edit description' }).click();
        const editor = panel.getByLabel('Description (markdown)');
        const text = `# Notes\n${'x'.repeat(50_001)}`;
        await editor.fill(text);
        await panel.getByRole('button', { name: 'Save description' }).click();
        const error = panel.getByText(/Description is [\d,]+ characters over the 50,000-character limit/);
        await error.waitFor();
        expect(await onTop(error)).toBe(true);
        // The person's text is still in the editor, which is named invalid and points at the error.
        expect(await editor.inputValue()).toBe(text);
        expect(await editor.getAttribute('aria-invalid')).toBe('true');
        await screenshot(page, `task-panel-description-too-long-${viewport}`);
        // Shortened to the limit, it saves.
        const [saved] = await Promise.all([
          page.waitForResponse(isPatch(s.task.id)),
          (async () => {
            await editor.fill('y'.repeat(50_000));
            await panel.getByRole('button', { name: 'Save description' }).click();
          })(),
        ]);
        expect(saved.status()).toBe(200);
        await editor.waitFor({ state: 'detached' });
      },
    );

    inPage('a number out of range stays in its field with the error next to it', viewport, async (page) => {
      const s = await setUp(page);
      const panel = await openPanel(page, s);
      const patches: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'PATCH') patches.push(r.postData() ?? '');
      });
      const points = panel.getByLabel('Story points');
      await points.fill('30');
      await points.press('Enter');
      const error = panel.getByRole('alert').filter({ hasText: /^Story points: .*21/ });
      await error.waitFor();
      expect(await onTop(error)).toBe(true);
      expect(await points.inputValue()).toBe('30');
      expect(await points.getAttribute('aria-invalid')).toBe('true');
      expect(patches).toEqual([]);
    });

    inPage('a save the API refuses is said in the panel, naming the field', viewport, async (page) => {
      const s = await setUp(page);
      const created = await api<{ id: string; title: string; version: number }>('/goals', {
        method: 'POST',
        token: s.person.idToken,
        body: { title: 'Retired goal', workspaceId: s.workspaceId },
      });
      const panel = await openPanel(page, s);
      const goal = panel.getByLabel('Goal', { exact: true });
      await goal.locator('option', { hasText: 'Retired goal' }).waitFor({ state: 'attached' });
      // Deleted meanwhile (by someone else, say): the panel still offers it.
      const deleted = await api(`/goals/${created.body.id}?version=${created.body.version}`, {
        method: 'DELETE',
        token: s.person.idToken,
      });
      expect(deleted.status).toBe(204);
      const [refused] = await Promise.all([
        page.waitForResponse(isPatch(s.task.id)),
        goal.selectOption({ label: 'Retired goal' }),
      ]);
      expect(refused.status()).toBe(400);
      const error = panel.getByRole('alert').filter({ hasText: /goal change was not saved/i });
      await error.waitFor();
      expect(await onTop(error)).toBe(true);
      await screenshot(page, `task-panel-refused-${viewport}`);
    });

    inPage('a rate-limited save says when to try again, in the panel', viewport, async (page) => {
      const s = await setUp(page);
      const panel = await openPanel(page, s);
      const title = panel.getByLabel('Title', { exact: true });
      await exhaustRateLimit(s.person.idToken);
      await title.fill('Write the spec, rate limited');
      const [refused] = await Promise.all([page.waitForResponse(isPatch(s.task.id)), title.press('Enter')]);
      expect(refused.status()).toBe(429);
      const error = panel.getByRole('alert').filter({ hasText: /try again in \d+ seconds?/i });
      await error.waitFor();
      expect(await onTop(error)).toBe(true);
      expect(await error.textContent()).toMatch(/title/i);
      // Nothing typed is lost: the draft is still there, to save again.
      expect(await title.inputValue()).toBe('Write the spec, rate limited');
      await screenshot(page, `task-panel-rate-limited-${viewport}`);
    });
  });
});

describe('the label picker', () => {
  const SIZES = [
    ['desktop', { width: 1280, height: 800 }],
    ['desktop', { width: 1600, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ] as const;
  describe.each(SIZES)('on a %s at %o', (viewport, size) => {
    inPage(
      `opens on screen and sets labels by ${viewport === 'phone' ? 'tap' : 'mouse'}`,
      viewport,
      async (page) => {
        await page.setViewportSize(size);
        const s = await setUp(page);
        for (const [name, color] of [
          ['Bug', '#d93f0b'],
          ['Design', '#1d76db'],
        ])
          await api(`/workspaces/${s.workspaceId}/labels`, {
            method: 'POST',
            token: s.person.idToken,
            body: { name, color },
          });
        const panel = await openPanel(page, s);
        await panel.getByRole('button', { name: 'Edit labels' }).click();
        const picker = panel.getByRole('group', { name: 'Labels' });
        await picker.waitFor();
        expect(await fullyInViewport(picker)).toBe(true);
        for (const name of ['Bug', 'Design']) {
          const box = picker.getByRole('checkbox', { name });
          expect(await onTop(box)).toBe(true);
          const [saved] = await Promise.all([
            page.waitForResponse(isPatch(s.task.id)),
            viewport === 'phone' ? box.tap() : box.click(),
          ]);
          expect(saved.status()).toBe(200);
          expect(await box.isChecked()).toBe(true);
        }
        await screenshot(page, `task-panel-labels-${size.width}x${size.height}`);
        const stored = await api<{ labelIds: string[] }>(`/tasks/${s.task.id}`, { token: s.person.idToken });
        expect(stored.body.labelIds).toHaveLength(2);
        await panel.getByText('Design', { exact: true }).first().waitFor();
      },
    );
  });
});

describe('Escape in a picker', () => {
  inPage('closes only the picker, then the panel', 'desktop', async (page) => {
    const s = await setUp(page);
    const panel = await openPanel(page, s);
    for (const name of ['Edit assignees', 'Edit labels']) {
      const button = panel.getByRole('button', { name });
      await button.click();
      await panel
        .getByRole('group', { name: name.replace('Edit ', '').replace(/^./, (c) => c.toUpperCase()) })
        .waitFor();
      await page.keyboard.press('Escape');
      await panel.getByRole('group', { name: /^(Assignees|Labels)$/ }).waitFor({ state: 'detached' });
      expect(await panel.isVisible()).toBe(true);
      expect(await isFocused(button)).toBe(true);
    }
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
  });
});

describe('Escape in the description editor', () => {
  inPage('never closes the panel; unsaved text needs a second Escape to go', 'desktop', async (page) => {
    const s = await setUp(page);
    const panel = await openPanel(page, s);
    await panel.getByRole('button', { name: 'Edit description' }).click();
    const editor = panel.getByRole('textbox', { name: 'Description (markdown)' });
    await editor.fill('A long careful description');
    await page.keyboard.press('Escape');
    // Still open, the text kept, and told what a second Escape does.
    await panel.getByText('press Escape again to discard').waitFor();
    expect(await editor.inputValue()).toBe('A long careful description');
    expect(await panel.isVisible()).toBe(true);
    await editor.fill('A long careful description, saved');
    await panel.getByRole('button', { name: 'Save description' }).click();
    await panel.getByText('A long careful description, saved').waitFor();
    await eventually(async () => {
      const stored = (await getTask(s.person.idToken, s.task.id)) as Task & { description: string };
      return stored.description === 'A long careful description, saved' ? true : undefined;
    });

    // Unsaved text: Escape twice discards it and leaves the editor; the panel stays.
    await panel.getByRole('button', { name: 'Edit description' }).click();
    await editor.fill('Never mind');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });
    expect(await panel.isVisible()).toBe(true);
    await panel.getByText('A long careful description, saved').waitFor();
    // Unchanged: one Escape leaves the editor, the panel still open.
    await panel.getByRole('button', { name: 'Edit description' }).click();
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });
    expect(await panel.isVisible()).toBe(true);
  });
});

describe('a keyboard drop on the board', () => {
  inPage('keeps the focus on the moved card in its new place', 'desktop', async (page) => {
    const s = await setUp(page);
    await createTask(s.person.idToken, s.project.id, { title: 'Review the design', status: 'in_progress' });
    await createTask(s.person.idToken, s.project.id, { title: 'Book the venue' });
    await page.goto(`/p/${s.project.key}`);
    const moving = card(column(page, 'To do'), 'Write the spec');
    await moving.focus();
    await page.keyboard.press('Space');
    await page.getByText(/^(Picked up Write the spec|Write the spec is over)/).waitFor({ state: 'attached' });
    await keyboardDragTo(page, 'ArrowRight', /^Write the spec is over In progress/);
    const [moved] = await Promise.all([
      page.waitForResponse(
        (r) =>
          r.request().method() === 'POST' && /\/api\/tasks\/[^/]+\/move$/.test(new URL(r.url()).pathname),
      ),
      page.keyboard.press('Space'),
    ]);
    expect(moved.status()).toBe(200);
    const placed = card(column(page, 'In progress'), 'Write the spec');
    await placed.waitFor();
    await page.waitForFunction(() => document.activeElement?.closest('[data-card-id]') !== null);
    expect(await isFocused(placed)).toBe(true);
    // The announcement of the drop is still there for a screen reader.
    await page.getByText(/^Write the spec dropped in In progress/).waitFor({ state: 'attached' });
    // The arrows go on from the new place: left, back to the column it came from.
    await page.keyboard.press('ArrowLeft');
    expect(await isFocused(card(column(page, 'To do'), 'Book the venue'))).toBe(true);
  });
});

describe('a title over 200 characters', () => {
  const long = `${'A long title '.repeat(23)}end`.slice(0, 300);
  describe.each(VIEWPORTS)('on a %s', (viewport) => {
    inPage('is kept whole in the create form, with the limit shown, and not sent', viewport, async (page) => {
      const s = await setUp(page);
      await page.goto(`/p/${s.project.key}`);
      const todo = column(page, 'To do');
      await todo.getByRole('button', { name: 'Add task' }).click();
      const input = todo.getByLabel('Task title');
      await input.fill('x'.repeat(190));
      await todo.getByText('190/200').waitFor();
      await input.fill(long);
      expect(await input.inputValue()).toBe(long);
      const message = todo.getByText(/100 characters over the 200-character limit/);
      await message.waitFor();
      expect(await input.getAttribute('aria-invalid')).toBe('true');
      expect(await todo.getByRole('button', { name: 'Add', exact: true }).isDisabled()).toBe(true);
      await input.press('Enter');
      expect(await input.inputValue()).toBe(long);
      await screenshot(page, `task-panel-long-title-create-${viewport}`);
    });

    inPage('is kept whole in the panel, with the limit shown, and not saved cut', viewport, async (page) => {
      const s = await setUp(page);
      const panel = await openPanel(page, s);
      const title = panel.getByLabel('Title', { exact: true });
      const patches: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'PATCH') patches.push(r.postData() ?? '');
      });
      await title.fill(long);
      await title.press('Enter');
      expect(await title.inputValue()).toBe(long);
      const message = panel.getByText(/100 characters over the 200-character limit/);
      await message.waitFor();
      expect(await onTop(message)).toBe(true);
      expect(await title.getAttribute('aria-invalid')).toBe('true');
      await panel.getByRole('heading', { name: s.task.title }).click();
      expect(await title.inputValue()).toBe(long);
      expect(patches).toEqual([]);
      // Shortened, it saves.
      const [saved] = await Promise.all([
        page.waitForResponse(isPatch(s.task.id)),
        (async () => {
          await title.fill(long.slice(0, 200));
          await title.press('Enter');
        })(),
      ]);
      expect(saved.status()).toBe(200);
      expect(JSON.parse(saved.request().postData() ?? '{}')).toMatchObject({
        title: long.slice(0, 200).trim(),
      });
    });
  });
});

describe('a goal linked from the task panel', () => {
  describe.each(VIEWPORTS)('on a %s', (viewport) => {
    inPage('is picked, opened by its link, changed and cleared', viewport, async (page) => {
      const s = await setUp(page);
      const goals: { id: string; title: string }[] = [];
      for (const title of ['Launch the beta', 'Grow to 100 teams']) {
        const r = await api<{ id: string; title: string }>('/goals', {
          method: 'POST',
          token: s.person.idToken,
          body: { title, workspaceId: s.workspaceId },
        });
        expect(r.status).toBe(201);
        goals.push(r.body);
      }
      const [launch, grow] = goals as [(typeof goals)[0], (typeof goals)[0]];
      const panel = await openPanel(page, s);
      const field = panel.getByLabel('Goal', { exact: true });
      await field.locator('option', { hasText: launch.title }).waitFor({ state: 'attached' });
      const [linked] = await Promise.all([
        page.waitForResponse(isPatch(s.task.id)),
        field.selectOption({ label: launch.title }),
      ]);
      expect(linked.status()).toBe(200);
      expect(JSON.parse(linked.request().postData() ?? '{}')).toMatchObject({ goalId: launch.id });
      await screenshot(page, `task-panel-goal-${viewport}`);
      await panel.getByRole('link', { name: `Open goal ${launch.title}` }).click();
      await page.waitForURL(new RegExp(`/goals/${launch.id}$`));
      await page.getByRole('heading', { name: launch.title }).waitFor();
      await page.getByText('0 of 1 task done').waitFor();

      // Back to the task, as a person goes back.
      await page.goBack();
      const again = page.getByRole('dialog');
      await again.getByRole('heading', { name: s.task.title }).waitFor();
      const goalField = again.getByLabel('Goal', { exact: true });
      expect(await goalField.inputValue()).toBe(launch.id);
      const [changed] = await Promise.all([
        page.waitForResponse(isPatch(s.task.id)),
        goalField.selectOption({ label: grow.title }),
      ]);
      expect(JSON.parse(changed.request().postData() ?? '{}')).toMatchObject({ goalId: grow.id });
      await again.getByRole('link', { name: `Open goal ${grow.title}` }).waitFor();
      const [cleared] = await Promise.all([
        page.waitForResponse(isPatch(s.task.id)),
        goalField.selectOption({ label: 'No goal' }),
      ]);
      expect(JSON.parse(cleared.request().postData() ?? '{}')).toMatchObject({ goalId: null });
      await again.getByRole('link', { name: /^Open goal/ }).waitFor({ state: 'detached' });
      const stored = await api<{ goalId: string | null }>(`/tasks/${s.task.id}`, { token: s.person.idToken });
      expect(stored.body.goalId).toBeNull();
    });
  });
});
