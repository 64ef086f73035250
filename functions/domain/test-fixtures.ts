/**
 * Fixtures for the domain's unit tests: ids, records, callers, and the checks of a refused call. A module
 * of its own, imported by tests only (jest's unit project runs `*.test.ts` files; this is not one).
 */
import type { Role } from '#shared/schemas/workspaces';
import { AppError } from '#functions/lib/errors';
import type { ProjectRecord, TaskRecord } from './tasks.ts';
import type { Caller, MembershipRecord } from './workspaces.ts';

export const WS = '01J00000000000000000000000';
export const PROJECT = `${WS}.01J00000000000000000000001`;

/**
 * The `n`th made-up id under `parent` (`<parent>.<ulid>`): `idIn(WS, 2)` names a task, `idIn(task, 3)` a
 * subtask. `stamp`, the ULID's first characters, keeps two kinds of ids in one test apart.
 */
export const idIn = (parent: string, n: number, stamp = '01J') =>
  `${parent}.${stamp}${String(n).padStart(26 - stamp.length, '0')}`;

/** A live task of PROJECT with nothing set but what a task must have. */
export const taskRecord = (overrides: Partial<TaskRecord> = {}): TaskRecord => ({
  id: idIn(WS, 100),
  number: 7,
  projectId: PROJECT,
  workspaceId: WS,
  title: 'Write the docs',
  description: null,
  status: 'todo',
  priority: 'medium',
  storyPoints: null,
  dueDate: null,
  assigneeIds: [],
  labelIds: [],
  sprintId: null,
  goalId: null,
  parentId: null,
  rank: 'V',
  subtaskCount: 0,
  subtasksDone: 0,
  commentCount: 0,
  attachmentCount: 0,
  createdBy: 'user-1',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  completedAt: null,
  deletedAt: null,
  version: 1,
  ...overrides,
});

/** PROJECT, live, as the task code reads it. */
export const projectRecord = (overrides: Partial<ProjectRecord> = {}): ProjectRecord => ({
  id: PROJECT,
  workspaceId: WS,
  key: 'WEB',
  archived: false,
  taskSeq: 0,
  ...overrides,
});

/** A signed-in caller; `userId` names them (and their email). */
export const callerOf = (userId: string): Caller => ({ userId, email: `${userId}@x.test` });

/** `userId`'s membership of a workspace (WS unless told) with `role`. */
export const membershipOf = (userId: string, role: Role, workspaceId = WS): MembershipRecord => ({
  workspaceId,
  userId,
  role,
  email: `${userId}@x.test`,
  joinedAt: '',
});

/** The code of the AppError `promise` is refused with, 'ok' when it is not; any other error is thrown on. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

/** Expects `promise` to be refused with an AppError of `code`, and returns that error. */
export async function expectError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}
