import { useCallback, useEffect, useSyncExternalStore } from 'react';
import type { Task } from '../../../shared/schemas/tasks.ts';
import type { TaskChanges } from '../task/conflict.ts';

/**
 * Conflicts waiting for the person: a change of theirs met someone else's newer version (the outbox raises
 * them, the panel too). The task's open panel shows its own; one with no panel open is shown by the app
 * (ConflictHost), so a change sent later (after being offline) never fails unseen.
 */
export interface PendingConflict {
  taskId: string;
  theirs: Task;
  mine: TaskChanges;
}

let conflicts: PendingConflict[] = [];
const openPanels = new Map<string, number>();
const listeners = new Set<() => void>();
const emit = () => {
  for (const listener of listeners) listener();
};
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => void listeners.delete(listener);
};

/** Shows a conflict (replacing an earlier one of the same task: the newer copy and all my changes). */
export function raiseConflict(conflict: PendingConflict) {
  const earlier = conflicts.find((c) => c.taskId === conflict.taskId);
  const merged = earlier ? { ...conflict, mine: { ...earlier.mine, ...conflict.mine } } : conflict;
  conflicts = [...conflicts.filter((c) => c.taskId !== conflict.taskId), merged];
  emit();
}

export function settleConflict(taskId: string) {
  if (!conflicts.some((c) => c.taskId === taskId)) return;
  conflicts = conflicts.filter((c) => c.taskId !== taskId);
  emit();
}

export const clearConflicts = () => {
  conflicts = [];
  emit();
};

/** The open task panel's conflict (and the panel counts as open while mounted), as a state pair. */
export function useTaskConflict(
  taskId: string,
): [{ theirs: Task; mine: TaskChanges } | null, (next: { theirs: Task; mine: TaskChanges } | null) => void] {
  useEffect(() => {
    openPanels.set(taskId, (openPanels.get(taskId) ?? 0) + 1);
    emit();
    return () => {
      const left = (openPanels.get(taskId) ?? 1) - 1;
      if (left) openPanels.set(taskId, left);
      else openPanels.delete(taskId);
      emit();
    };
  }, [taskId]);
  const conflict = useSyncExternalStore(subscribe, () => conflicts.find((c) => c.taskId === taskId) ?? null);
  const set = useCallback(
    (next: { theirs: Task; mine: TaskChanges } | null) => {
      if (!next) settleConflict(taskId);
      else {
        conflicts = [...conflicts.filter((c) => c.taskId !== taskId), { taskId, ...next }];
        emit();
      }
    },
    [taskId],
  );
  return [conflict, set];
}

/** The first conflict of a task whose panel is not open. */
export const useUnshownConflict = () =>
  useSyncExternalStore(subscribe, () => conflicts.find((c) => !openPanels.has(c.taskId)));
