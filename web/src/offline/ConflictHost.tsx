import { useQueryClient } from '@tanstack/react-query';
import type { Label } from '../../../shared/schemas/projects.ts';
import type { Member } from '../../../shared/schemas/workspaces.ts';
import { useToasts } from '../lib/toasts.tsx';
import { localDate } from '../board/board-logic.ts';
import { ConflictDialog } from '../task/TaskDetail.tsx';
import { applyMineBody } from '../task/conflict.ts';
import { settleConflict, type PendingConflict } from './conflicts.ts';
import { keepTheirs, saveTaskChanges } from './sync.ts';

/**
 * The conflict dialog for a change sent while its task's panel was closed (after being offline, typically):
 * the person sees it wherever they are and chooses, as in the panel.
 */
export function ConflictHost({ conflict }: { conflict: PendingConflict }) {
  const client = useQueryClient();
  const toasts = useToasts();
  const members = new Map<string, Member>();
  for (const [, list] of client.getQueriesData<Member[]>({ queryKey: ['members'] }))
    for (const m of list ?? []) members.set(m.userId, m);
  const labels = new Map<string, Label>();
  for (const [, list] of client.getQueriesData<Label[]>({ queryKey: ['labels'] }))
    for (const l of list ?? []) labels.set(l.id, l);
  const { theirs, mine } = conflict;
  return (
    <ConflictDialog
      conflict={conflict}
      lookups={{ members, labels, today: localDate(), projectKey: theirs.key.split('-')[0] ?? '' }}
      onKeepTheirs={() => {
        keepTheirs(theirs);
        settleConflict(conflict.taskId);
      }}
      onApplyMine={async () => {
        const body = applyMineBody(theirs, mine);
        settleConflict(conflict.taskId);
        if (!body) {
          keepTheirs(theirs);
          return;
        }
        const { version, ...changes } = body;
        await saveTaskChanges({ ...theirs, version }, changes);
        toasts.show('Your change is saved on top of theirs');
      }}
    />
  );
}
