import { monotonicFactory } from 'ulid';
import type {
  Activity,
  ActivityAction,
  ChangeEvent,
  ChangeType,
  EntityType,
  FieldChange,
} from '#shared/schemas/tasks';

/**
 * An activity: one change of a task, subtask, comment, project or sprint, written in the same transaction as
 * the change. It is the history (`GET .../activity`) and the change feed (`GET /projects/{id}/changes`) at once:
 * it carries the object after the change (`data`, null for a deletion).
 */
export interface ActivityRecord extends Activity {
  projectId: string;
  workspaceId: string;
  /** The task whose history it belongs to (task, subtask and comment activity); null for project and sprint. */
  taskId: string | null;
  /** The object after the change, as the API shows it; null when the change deleted it. */
  data: object | null;
}

/**
 * Texts longer than this are cut in an activity's `from`/`to` (flagged `truncated`): with the object itself in
 * `data`, two full 50,000-character descriptions of multi-byte text would not fit DynamoDB's 400 KB item.
 */
export const ACTIVITY_TEXT_MAX = 10_000;

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Field-level changes `{ field: { from, to } }` of `fields` between two states: exactly the fields that differ. */
export function fieldChanges<T extends object>(
  before: T,
  after: T,
  fields: ReadonlyArray<keyof T & string>,
): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {};
  for (const field of fields) {
    const from = before[field];
    const to = after[field];
    if (sameValue(from, to)) continue;
    const cut = (value: unknown) =>
      typeof value === 'string' && value.length > ACTIVITY_TEXT_MAX
        ? value.slice(0, ACTIVITY_TEXT_MAX)
        : value;
    const change: FieldChange = { from: cut(from), to: cut(to) };
    if (cut(from) !== from || cut(to) !== to) change.truncated = true;
    changes[field] = change;
  }
  return changes;
}

const nextActivityId = monotonicFactory();

export interface ActivityInput {
  actorId: string;
  action: ActivityAction;
  entityType: EntityType;
  entityId: string;
  projectId: string;
  workspaceId: string;
  taskId: string | null;
  changes: Record<string, FieldChange>;
  data: object | null;
}

/** A new activity at `now`; ids are ULIDs, monotonic within a process, so they sort by time. */
export function newActivity(input: ActivityInput, now: Date): ActivityRecord {
  return { id: nextActivityId(now.getTime()), at: now.toISOString(), ...input };
}

export function activityView(activity: ActivityRecord): Activity {
  return {
    id: activity.id,
    at: activity.at,
    actorId: activity.actorId,
    action: activity.action,
    entityType: activity.entityType,
    entityId: activity.entityId,
    changes: activity.changes,
  };
}

const TASK_TYPES: Partial<Record<ActivityAction, ChangeType>> = {
  created: 'TASK_CREATED',
  moved: 'TASK_MOVED',
  deleted: 'TASK_DELETED',
  restored: 'TASK_RESTORED',
};
const COMMENT_TYPES: Partial<Record<ActivityAction, ChangeType>> = {
  created: 'COMMENT_CREATED',
  deleted: 'COMMENT_DELETED',
};

/** The event type of a change (the change feed's and the WebSocket's `type`). */
export function changeType(entityType: EntityType, action: ActivityAction): ChangeType {
  switch (entityType) {
    case 'task':
      return TASK_TYPES[action] ?? 'TASK_UPDATED';
    case 'comment':
      return COMMENT_TYPES[action] ?? 'COMMENT_UPDATED';
    case 'subtask':
      return 'SUBTASK_CHANGED';
    case 'project':
      return 'PROJECT_UPDATED';
    case 'sprint':
      return 'SPRINT_UPDATED';
  }
}

/** An activity as an event of the change feed. */
export function changeEvent(activity: ActivityRecord): ChangeEvent {
  const version = (activity.data as { version?: unknown } | null)?.version;
  return {
    id: activity.id,
    type: changeType(activity.entityType, activity.action),
    projectId: activity.projectId,
    entityType: activity.entityType,
    entityId: activity.entityId,
    taskId: activity.taskId,
    action: activity.action,
    actorId: activity.actorId,
    at: activity.at,
    ...(typeof version === 'number' ? { version } : {}),
    changes: activity.changes,
    data: activity.data,
  };
}
