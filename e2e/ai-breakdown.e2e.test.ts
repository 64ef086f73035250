/**
 * AI breakdown in a real browser, desktop and phone, with the local default (the built-in planner behind the
 * `ai` queue and worker): break a task down, edit, reorder and drop suggestions, accept with a double click, and
 * see exactly the accepted subtasks in the panel. And the error case: a workspace whose hourly AI quota is used
 * up gets the reason and when to try again, and nothing is written. Set-up goes through the API.
 */
import { randomUUID } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import {
  api,
  createProject,
  createTaskWith,
  createWorkspace,
  signInThroughUi,
  signUpUser,
  type Project,
  type Task,
  type TestUser,
  type ViewportName,
  pageTests,
} from './support.ts';

const VIEWPORTS: ViewportName[] = ['desktop', 'phone'];

const inPage = pageTests('ai-breakdown');

interface Setup {
  person: TestUser;
  workspaceId: string;
  project: Project;
  task: Task;
}

const DESCRIPTION = [
  'The new plans need a page.',
  '- [ ] Write the comparison table',
  '- [ ] Add the FAQ',
  '- [x] Agree on prices',
  '- [ ] Wire the checkout button',
].join('\n');

async function setUp(page: Page): Promise<Setup> {
  const person = await signUpUser('Ada Breakdown');
  const workspace = await createWorkspace(person.idToken, `AI ${randomUUID().slice(0, 6)}`);
  const key = `A${randomUUID()
    .replace(/[^A-Z]/gi, '')
    .slice(0, 4)
    .toUpperCase()}`.padEnd(4, 'Q');
  const project = await createProject(person.idToken, workspace.id, 'AI project', key);
  const task = await createTaskWith(person.idToken, project.id, {
    title: 'Launch the pricing page',
    description: DESCRIPTION,
  });
  await signInThroughUi(page, person);
  return { person, workspaceId: workspace.id, project, task };
}

async function openPanel(page: Page, s: Setup): Promise<Locator> {
  await page.goto(`/p/${s.project.key}/${s.task.key}`);
  const panel = page.getByRole('dialog');
  await panel.getByRole('heading', { name: s.task.title }).waitFor();
  return panel;
}

const subtaskTitles = async (s: Setup) => {
  const res = await api<{ items: Array<{ title: string }> }>(`/tasks/${s.task.id}/subtasks`, {
    token: s.person.idToken,
  });
  return res.body.items.map((i) => i.title);
};

describe('AI breakdown', () => {
  for (const viewport of VIEWPORTS) {
    inPage('break down, edit, reorder, drop, accept once', viewport, async (page) => {
      const s = await setUp(page);
      const panel = await openPanel(page, s);
      await panel.getByRole('button', { name: 'Break down with AI' }).click();
      const list = panel.getByRole('list', { name: 'Suggested subtasks' });
      await list.waitFor({ timeout: 15_000 });
      await panel.getByText(/built-in planner/).waitFor();
      const title = (n: number) => panel.getByRole('textbox', { name: `Suggestion ${n} title` });
      // The built-in planner's suggestions come from the open checklist items first.
      expect(await title(1).inputValue()).toBe('Write the comparison table');
      expect(await title(2).inputValue()).toBe('Add the FAQ');
      expect(await title(3).inputValue()).toBe('Wire the checkout button');
      const count = await list.getByRole('listitem').count();
      expect(count).toBeGreaterThanOrEqual(3);

      await title(1).fill('Write the plan comparison table');
      // Keyboard: focus "move suggestion 3 up" and press Enter.
      await panel.getByRole('button', { name: 'Move suggestion 3 up' }).focus();
      await page.keyboard.press('Enter');
      expect(await title(2).inputValue()).toBe('Wire the checkout button');
      expect(await title(3).inputValue()).toBe('Add the FAQ');
      // Drop everything after the third, then the FAQ.
      for (let n = count; n > 3; n--)
        await panel.getByRole('button', { name: `Drop suggestion ${n}` }).click();
      await panel.getByRole('button', { name: 'Drop suggestion 3' }).click();

      const accept = panel.getByRole('button', { name: 'Add 2 subtasks' });
      await accept.dblclick();
      const subtasks = panel.getByRole('region', { name: 'Subtasks' });
      await subtasks.getByText('Wire the checkout button').waitFor();
      await subtasks.getByText('Write the plan comparison table').waitFor();
      await list.waitFor({ state: 'detached' });
      // Written once, in the preview's order, despite the double click.
      expect(await subtaskTitles(s)).toEqual(['Write the plan comparison table', 'Wire the checkout button']);
    });

    inPage('a used-up hourly quota is explained and nothing is written', viewport, async (page) => {
      const s = await setUp(page);
      // The workspace's 20 breakdowns of this hour, used through the API.
      for (let i = 0; i < 20; i++) {
        const res = await api(`/tasks/${s.task.id}/ai-breakdown`, {
          method: 'POST',
          token: s.person.idToken,
          body: {},
        });
        if (res.status !== 202) throw new Error(`breakdown ${i} answered ${res.status}`);
      }
      const panel = await openPanel(page, s);
      await panel.getByRole('button', { name: 'Break down with AI' }).click();
      const alert = panel.getByRole('alert').filter({ hasText: /used its AI breakdowns/ });
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/try again in \d+ minutes?/);
      expect(await panel.getByRole('list', { name: 'Suggested subtasks' }).count()).toBe(0);
      expect(await subtaskTitles(s)).toEqual([]);
    });
  }
});
