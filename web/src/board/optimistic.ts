import { useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import type { Task } from '../../../shared/schemas/tasks.ts';
import { keys } from '../lib/data.ts';
import { useToasts } from '../lib/toasts.tsx';
import { insertTask, removeTask, replaceTask, type ColumnData } from './board-logic.ts';
import { dropFailureMessage } from './drop-feedback.ts';

/**
 * After a drop the API refused (the caller has already put the task back): the error toast and, when someone
 * changed the task meanwhile, a reload of the view's queries (`scope`).
 */
export function reportDropFailure(
  client: QueryClient,
  toasts: ReturnType<typeof useToasts>,
  taskKey: string,
  error: unknown,
  scope: QueryKey,
  options?: Parameters<typeof dropFailureMessage>[2],
) {
  const { message, conflict } = dropFailureMessage(taskKey, error, options);
  toasts.error(message);
  if (conflict) void client.invalidateQueries({ queryKey: scope });
}

/**
 * Moves a dropped task from one paged list (`fromKey`) into another (`toKey`, at `index`) at once, then saves it;
 * when the API refuses, both lists are put back as they were and the person is told.
 */
export function useOptimisticTaskMove() {
  const client = useQueryClient();
  const toasts = useToasts();
  return async ({
    task,
    moved,
    fromKey,
    toKey,
    index,
    scope,
    view,
    save,
    onSaved,
  }: {
    task: Task;
    /** The task as it looks after the drop. */
    moved: Task;
    fromKey: QueryKey;
    toKey: QueryKey;
    index: number;
    /** The view's queries: cancelled before the change, reloaded after a conflict. */
    scope: QueryKey;
    /** The view's name in the failure toast. */
    view?: string;
    save: () => Promise<Task>;
    onSaved?: (saved: Task) => void;
  }) => {
    await client.cancelQueries({ queryKey: scope });
    const snapshot = [fromKey, toKey].map((key) => [key, client.getQueryData<ColumnData>(key)] as const);
    client.setQueryData<ColumnData>(fromKey, (data) => data && removeTask(data, task.id));
    client.setQueryData<ColumnData>(toKey, (data) =>
      insertTask(data ?? { pages: [], pageParams: [] }, index, moved),
    );
    try {
      const saved = await save();
      client.setQueryData<ColumnData>(toKey, (data) => data && replaceTask(data, saved));
      client.setQueryData(keys.task(saved.id), saved);
      onSaved?.(saved);
    } catch (error) {
      for (const [key, data] of snapshot) client.setQueryData(key, data);
      reportDropFailure(client, toasts, task.key, error, scope, view ? { view } : undefined);
    }
  };
}
