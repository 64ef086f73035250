import { ApiError, describeError } from '../lib/api.ts';

/**
 * The toast after a drop the API refused (the card is already back where it was). A 409 means someone changed
 * the task meanwhile: the view reloads its tasks, and the person tries again.
 */
export function dropFailureMessage(
  taskKey: string,
  error: unknown,
  { action = 'moved', view = 'board' }: { action?: string; view?: string } = {},
): { message: string; conflict: boolean } {
  const conflict = error instanceof ApiError && error.status === 409;
  return {
    conflict,
    message: `${taskKey} could not be ${action}, so it is back where it was. ${
      conflict
        ? `Someone changed the ${view} meanwhile: the ${view} is reloaded, try again.`
        : describeError(error)
    }`,
  };
}
