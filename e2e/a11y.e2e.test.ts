/**
 * axe-core on the main pages, signed out (sign-in) and signed in (a board with cards): no serious or critical
 * violation, in light and dark mode (the app follows the system's colour scheme).
 */
import {
  card,
  column,
  createProject,
  createTask,
  createWorkspace,
  newPage,
  seriousA11yViolations,
  signInThroughUi,
  signUpUser,
} from './support.ts';

describe.each(['light', 'dark'] as const)('accessibility (axe-core), %s mode', (colorScheme) => {
  it('the sign-in page has no serious or critical violation', async () => {
    const { context, page } = await newPage('desktop', { colorScheme });
    try {
      await page.goto('/sign-in');
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a board with cards has no serious or critical violation', async () => {
    const person = await signUpUser('Ada Axe');
    const workspace = await createWorkspace(person.idToken, 'Axe workspace');
    const project = await createProject(person.idToken, workspace.id, 'Accessible board', 'AXE');
    for (const [title, status] of [
      ['Audit colour contrast', 'todo'],
      ['Label every control', 'in_progress'],
      ['Ship it', 'done'],
    ] as const) {
      await createTask(person.idToken, project.id, { title, status });
    }
    const { context, page } = await newPage('desktop', { colorScheme });
    try {
      await signInThroughUi(page, person);
      await page.goto('/p/AXE');
      await card(column(page, 'In progress'), 'Label every control').waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
