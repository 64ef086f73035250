import type { ActivityRecord } from '#functions/domain/activity';
import { ItemType, keys } from './keys.ts';

type Item = Record<string, unknown>;

/**
 * The stored activity: in its task's partition (task, subtask, comment) or its project's (project, sprint), and
 * in the project's history and change feed (GSI1, ULID order). Every writer of a change puts one of these in the
 * change's transaction.
 */
export function activityItem(activity: ActivityRecord): Item {
  const own = activity.taskId
    ? keys.taskActivity(activity.taskId, activity.id)
    : keys.projectOwnActivity(activity.projectId, activity.id);
  return {
    ...own,
    ...keys.projectActivity(activity.projectId, activity.id),
    type: ItemType.Activity,
    ...activity,
  };
}

export function toActivity(item: Item): ActivityRecord {
  return {
    id: item.id as string,
    at: item.at as string,
    actorId: item.actorId as string,
    action: item.action as ActivityRecord['action'],
    entityType: item.entityType as ActivityRecord['entityType'],
    entityId: item.entityId as string,
    projectId: item.projectId as string,
    workspaceId: item.workspaceId as string,
    taskId:
      (item.taskId as string | undefined) ?? (item.entityType === 'task' ? (item.entityId as string) : null),
    changes: (item.changes as ActivityRecord['changes'] | undefined) ?? {},
    data: (item.data as object | undefined) ?? null,
  };
}
