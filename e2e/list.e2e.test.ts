/**
 * The list view's virtualized table in a real browser (desktop), with 300 tasks made through the API: only a
 * window of rows is in the DOM, `aria-rowcount` tells the whole table's size once every page has loaded, and
 * scrolling to the end loads the remaining pages and shows the last task.
 */
import type { BrowserContext, Page } from 'playwright-core';
import {
  createProject,
  createTaskWith,
  createWorkspace,
  explainFailure,
  newPage,
  signInThroughUi,
  signUpUser,
} from './support.ts';

const KEY = 'LST';
const TASKS = 300;

describe('the list view with many tasks', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const person = await signUpUser('Lee Lister');
    const workspace = await createWorkspace(person.idToken, 'List workspace');
    const project = await createProject(person.idToken, workspace.id, 'Long backlog', KEY);
    // A few requests at a time: the keys follow the order the API receives them, which the test does not need.
    let next = 1;
    const worker = async () => {
      while (next <= TASKS) {
        const n = next++;
        await createTaskWith(person.idToken, project.id, { title: `Backlog item ${n}` });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    ({ context, page } = await newPage('desktop'));
    await signInThroughUi(page, person);
  }, 120_000);
  afterAll(async () => {
    await context?.close();
  });

  it('keeps only a window of rows in the DOM and shows the last task after scrolling to the end', async () => {
    try {
      await page.goto(`/p/${KEY}/list`);
      const table = page.getByRole('table');
      const keyCell = (key: string) => table.getByRole('cell', { name: key, exact: true });
      await keyCell(`${KEY}-1`).waitFor();
      // The first page (100 tasks) is loaded, but only the rows in view and a few around are rendered.
      expect(await table.locator('tr').count()).toBeLessThan(60);
      // More pages to come: the table's size is not known yet.
      expect(await table.getAttribute('aria-rowcount')).toBe('-1');

      // Scroll the table's own scroll area to its end until the last task's row is rendered (pages load as
      // the end comes near).
      await table.evaluate(
        (el, lastKey) =>
          new Promise<void>((resolve, reject) => {
            const scroller = el.parentElement!;
            const deadline = Date.now() + 20_000;
            const tick = () => {
              scroller.scrollTop = scroller.scrollHeight;
              const cells = [...el.querySelectorAll('td')];
              if (cells.some((td) => td.textContent === lastKey)) resolve();
              else if (Date.now() > deadline) reject(new Error(`${lastKey} never showed`));
              else setTimeout(tick, 100);
            };
            tick();
          }),
        `${KEY}-${TASKS}`,
      );
      const last = keyCell(`${KEY}-${TASKS}`);
      await last.waitFor();
      expect(await last.isVisible()).toBe(true);
      const lastRow = table
        .getByRole('row')
        .filter({ has: page.getByRole('cell', { name: `${KEY}-${TASKS}`, exact: true }) });
      expect(await lastRow.getAttribute('aria-rowindex')).toBe(String(TASKS + 1));
      // Every page is in: the header row plus one row per task, of which still only a window is rendered.
      await page.waitForFunction(
        (count) => document.querySelector('table')?.getAttribute('aria-rowcount') === count,
        String(TASKS + 1),
      );
      expect(await table.locator('tr').count()).toBeLessThan(60);
      expect(await keyCell(`${KEY}-1`).count()).toBe(0);
    } catch (error) {
      await explainFailure(page, 'list-virtualized', error);
    }
  });
});
