import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import type { Task } from '../../../shared/schemas/tasks.ts';
import { insertTask, removeTask, type ColumnData } from './board-logic.ts';

/**
 * Moves a dropped task from one paged list (`fromKey`) into another (`toKey`, at `index`) at once, then queues
 * the change in the outbox (`save`, web/src/offline/sync.ts), online or offline. The card stays where it was
 * dropped; the outbox puts the server's answer in place once sent, settles a conflict with the conflict dialog,
 * and puts the task back (with a message) when the API refuses the move.
 */
export function useOptimisticTaskMove() {
  const client = useQueryClient();
  return async ({
    task,
    moved,
    fromKey,
    toKey,
    index,
    scope,
    save,
  }: {
    task: Task;
    /** The task as it looks after the drop. */
    moved: Task;
    fromKey: QueryKey;
    toKey: QueryKey;
    index: number;
    /** The view's queries: cancelled before the change (an answer in flight would undo it). */
    scope: QueryKey;
    /** Queues the change. */
    save: () => Promise<void>;
  }) => {
    await client.cancelQueries({ queryKey: scope });
    client.setQueryData<ColumnData>(fromKey, (data) => data && removeTask(data, task.id));
    client.setQueryData<ColumnData>(toKey, (data) =>
      insertTask(data ?? { pages: [], pageParams: [] }, index, moved),
    );
    await save();
  };
}
