import type { Task } from '../../../shared/schemas/tasks.ts';

/** The fields a person edits in the task panel, with the words the conflict dialog uses for them. */
export const FIELD_TITLES: Record<string, string> = {
  title: 'Title',
  description: 'Description',
  status: 'Status',
  priority: 'Priority',
  storyPoints: 'Story points',
  dueDate: 'Due date',
  assigneeIds: 'Assignees',
  labelIds: 'Labels',
  sprintId: 'Sprint',
  goalId: 'Goal',
};

export type TaskChanges = Partial<
  Pick<
    Task,
    | 'title'
    | 'description'
    | 'status'
    | 'priority'
    | 'storyPoints'
    | 'dueDate'
    | 'assigneeIds'
    | 'labelIds'
    | 'sprintId'
    | 'goalId'
  >
>;

export interface ConflictRow {
  field: string;
  theirs: unknown;
  yours: unknown;
  /** Theirs already equals yours: applying mine changes nothing for this field. */
  same: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The rows of the "Conflicting change" dialog: for each field I changed, the stored value (theirs) and mine.
 */
export function conflictRows(theirs: Task, mine: TaskChanges): ConflictRow[] {
  return Object.entries(mine).map(([field, yours]) => {
    const stored = (theirs as unknown as Record<string, unknown>)[field];
    return { field, theirs: stored, yours, same: same(stored, yours) };
  });
}

/** The body that applies my changes on top of theirs: their version, and only the fields that still differ. */
export function applyMineBody(theirs: Task, mine: TaskChanges): (TaskChanges & { version: number }) | null {
  const changes = Object.fromEntries(
    conflictRows(theirs, mine)
      .filter((r) => !r.same)
      .map((r) => [r.field, r.yours]),
  );
  if (Object.keys(changes).length === 0) return null;
  return { version: theirs.version, ...changes };
}
