import * as z from 'zod';

/** Board columns, in board order (the list route returns them in this order). */
export const TASK_STATUSES = ['todo', 'in_progress', 'in_review', 'blocked', 'done', 'archived'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 50_000;
export const STORY_POINTS_MIN = 1;
export const STORY_POINTS_MAX = 21;
/** At most this many assignees and this many labels on one task. */
export const MAX_ASSIGNEES = 20;
export const MAX_LABELS = 20;
/** A deleted task can be restored for this many days. */
export const RESTORE_DAYS = 30;

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
/** Ids of things inside a workspace: `<workspaceId>.<ulid>` (docs/data-model.md, "Identifiers"). */
const CHILD_ID = new RegExp(`^${ULID}\\.${ULID}$`);

export const taskStatusSchema = z.enum(TASK_STATUSES);
export const taskPrioritySchema = z.enum(TASK_PRIORITIES);

/** An id of something inside a workspace (task, project, label, workspace goal). */
export const inWorkspaceIdSchema = z.string().regex(CHILD_ID, 'is not a valid id');

/** A sprint id: `<projectId>.<ulid>` (it names its project). */
export const sprintIdSchema = z
  .string()
  .regex(new RegExp(`^${ULID}\\.${ULID}\\.${ULID}$`), 'is not a sprint id');

/** A goal id: a workspace goal's `<workspaceId>.<ulid>` or a personal goal's plain ULID. */
export const goalIdSchema = z.string().regex(new RegExp(`^(${ULID}\\.)?${ULID}$`), 'is not a goal id');

/** A user id (the Cognito `sub`). */
export const userIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:@+-]+$/, 'is not a user id');

/** `YYYY-MM-DD`, and a day that exists (no 2026-02-30). */
export const isoDateSchema = z.string().refine((value) => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}, 'must be a calendar date as YYYY-MM-DD');

const idList = (item: z.ZodString, max: number) =>
  z
    .array(item)
    .max(max)
    .refine((ids) => new Set(ids).size === ids.length, 'must not list an id twice');

/** The writable fields of a task, as `POST` takes them (without defaults) and `PATCH` may change them. */
const taskFields = {
  title: z.string().trim().min(1, 'must not be blank').max(TITLE_MAX),
  description: z.string().max(DESCRIPTION_MAX).nullable(),
  status: taskStatusSchema,
  priority: taskPrioritySchema,
  storyPoints: z.number().int().min(STORY_POINTS_MIN).max(STORY_POINTS_MAX).nullable(),
  dueDate: isoDateSchema.nullable(),
  assigneeIds: idList(userIdSchema, MAX_ASSIGNEES),
  labelIds: idList(inWorkspaceIdSchema, MAX_LABELS),
  sprintId: sprintIdSchema.nullable(),
  goalId: goalIdSchema.nullable(),
  parentId: inWorkspaceIdSchema.nullable(),
};

const versionSchema = z.number().int().positive();

/** `POST /api/projects/{projectId}/tasks`: only `title` is required; absent values are null / defaults. */
export const createTaskSchema = z.strictObject({
  title: taskFields.title,
  description: taskFields.description.default(null),
  status: taskFields.status.default('todo'),
  priority: taskFields.priority.default('medium'),
  storyPoints: taskFields.storyPoints.default(null),
  dueDate: taskFields.dueDate.default(null),
  assigneeIds: taskFields.assigneeIds.default([]),
  labelIds: taskFields.labelIds.default([]),
  sprintId: taskFields.sprintId.default(null),
  goalId: taskFields.goalId.default(null),
  parentId: taskFields.parentId.default(null),
});
export type CreateTaskInput = z.infer<typeof createTaskSchema>;

/**
 * A card's cover: an image attachment of the task (`<taskId>.<ulid>`, ../docs/data-model.md "Identifiers"), or
 * null for none. Only `PATCH` sets it; the service checks it names a ready image of this very task.
 */
export const coverAttachmentIdSchema = z
  .string()
  .regex(new RegExp(`^${ULID}\\.${ULID}\\.${ULID}$`), 'is not an attachment id')
  .nullable();

/**
 * `PATCH /api/tasks/{taskId}`: the version last seen and at least one field of the create body (or the cover,
 * which only a change sets).
 */
export const patchTaskSchema = z
  .strictObject(taskFields)
  .partial()
  .extend({ version: versionSchema, coverAttachmentId: coverAttachmentIdSchema.optional() })
  .refine((body) => Object.keys(body).some((field) => field !== 'version'), {
    message: 'name at least one field to change besides version',
    when: (payload) => payload.issues.length === 0,
  });
export type PatchTaskInput = z.infer<typeof patchTaskSchema>;

/**
 * `POST /api/tasks/{taskId}/move`. In the target column, `beforeId` is the task that ends up directly ABOVE the
 * moved one and `afterId` the one directly BELOW it (think "insert after beforeId, before afterId"). Either may
 * be left out: only `beforeId` puts the task right under it, only `afterId` right over it, neither at the bottom.
 */
export const moveTaskSchema = z
  .strictObject({
    version: versionSchema,
    status: taskStatusSchema,
    beforeId: inWorkspaceIdSchema.nullish(),
    afterId: inWorkspaceIdSchema.nullish(),
  })
  .refine((body) => !body.beforeId || body.beforeId !== body.afterId, {
    message: 'must not be the same task as beforeId',
    path: ['afterId'],
    when: (payload) => payload.issues.length === 0,
  });
export type MoveTaskInput = z.infer<typeof moveTaskSchema>;

/** `DELETE /api/tasks/{taskId}?version=N`. */
export const deleteTaskQuerySchema = z.strictObject({ version: z.coerce.number().int().positive() });

/** `POST /api/tasks/{taskId}/restore`: no body, or the version last seen (then checked like any change). */
export const restoreTaskSchema = z.strictObject({ version: versionSchema.optional() });

/**
 * The filters of `GET /api/projects/{projectId}/tasks` (limit and cursor come with the list convention).
 * `sprintId=none` selects the tasks in no sprint (the backlog); `dueBefore` is strictly before that day;
 * `q` matches title or description, case-insensitively.
 */
export const taskFiltersShape = {
  status: taskStatusSchema.optional(),
  assigneeId: userIdSchema.optional(),
  labelId: inWorkspaceIdSchema.optional(),
  sprintId: z.union([z.literal('none'), sprintIdSchema]).optional(),
  dueBefore: isoDateSchema.optional(),
  q: z.string().trim().min(1).max(TITLE_MAX).optional(),
  includeDeleted: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
};
export const taskFiltersSchema = z.strictObject(taskFiltersShape);
export type TaskFilters = z.infer<typeof taskFiltersSchema>;

/**
 * `GET /api/me/tasks`: tasks assigned to the caller across workspaces, by due date (undated last). `due` is
 * relative to the caller's time zone (profile): `today`, `overdue` (before today), `week` (today and the next 6
 * days), `all` (default). Without `status`, done and archived tasks are left out (the view is about work to do).
 */
export const MY_TASKS_DUE = ['today', 'overdue', 'week', 'all'] as const;
export const myTasksQuerySchema = z.strictObject({
  due: z.enum(MY_TASKS_DUE).default('all'),
  status: taskStatusSchema.optional(),
});
export type MyTasksQuery = z.infer<typeof myTasksQuerySchema>;

/** `GET /api/workspaces/{workspaceId}/search?q=`: title or description contains `q`, case-insensitively. */
export const searchQuerySchema = z.strictObject({
  q: z.string().trim().min(1, 'must not be blank').max(TITLE_MAX),
});

/** `GET /api/projects/{projectId}/changes?since=`: `since` inclusive; at most `limit` (1..500, default 200) events. */
export const CHANGES_MAX = 500;
export const changesQuerySchema = z.strictObject({
  since: z.iso.datetime({ offset: true }),
  limit: z.coerce.number().int().min(1).max(CHANGES_MAX).default(200),
});

export interface Task {
  id: string;
  number: number;
  /** `<project key>-<number>`, from the project's current key. */
  key: string;
  projectId: string;
  workspaceId: string;
  title: string;
  description: string | null;
  status: TaskStatus;
  priority: TaskPriority;
  storyPoints: number | null;
  dueDate: string | null;
  assigneeIds: string[];
  labelIds: string[];
  sprintId: string | null;
  goalId: string | null;
  parentId: string | null;
  rank: string;
  subtaskCount: number;
  subtasksDone: number;
  commentCount: number;
  attachmentCount: number;
  /** The card's cover image: one of the task's image attachments, or null. */
  coverAttachmentId: string | null;
  /**
   * Board reads only (`GET /api/projects/{projectId}/tasks`), and only for a task with a cover: a short-lived URL
   * of the cover's thumbnail.
   */
  coverUrl?: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  deletedAt: string | null;
  version: number;
}

export const ACTIVITY_ACTIONS = [
  'created',
  'updated',
  'moved',
  'deleted',
  'restored',
  'started',
  'completed',
] as const;
export type ActivityAction = (typeof ACTIVITY_ACTIONS)[number];

/** What an activity is about. Subtask and comment activity is part of its task's history too. */
export const ENTITY_TYPES = ['task', 'subtask', 'comment', 'project', 'sprint'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/**
 * One field's change. Text longer than the activity keeps (see ACTIVITY_TEXT_MAX in functions/domain/activity.ts)
 * is cut there, and the change says `truncated: true`.
 */
export interface FieldChange {
  from: unknown;
  to: unknown;
  truncated?: true;
}

/** `GET /api/tasks/{taskId}/activity`, `GET /api/projects/{projectId}/activity`: newest first. */
export interface Activity {
  id: string;
  at: string;
  actorId: string;
  action: ActivityAction;
  entityType: EntityType;
  entityId: string;
  changes: Record<string, FieldChange>;
}

/** Event types of the change feed (and of the WebSocket), by entity and action. */
export type ChangeType =
  | 'TASK_CREATED'
  | 'TASK_UPDATED'
  | 'TASK_MOVED'
  | 'TASK_DELETED'
  | 'TASK_RESTORED'
  | 'COMMENT_CREATED'
  | 'COMMENT_UPDATED'
  | 'COMMENT_DELETED'
  | 'SUBTASK_CHANGED'
  | 'PROJECT_UPDATED'
  | 'SPRINT_UPDATED';

/**
 * One event of `GET /api/projects/{projectId}/changes`: `data` is the object after the change, null when the
 * change deleted it (then `entityType` and `entityId` say what went).
 */
export interface ChangeEvent {
  id: string;
  type: ChangeType;
  projectId: string;
  entityType: EntityType;
  entityId: string;
  taskId: string | null;
  action: ActivityAction;
  actorId: string;
  at: string;
  version?: number;
  changes: Record<string, FieldChange>;
  data: unknown;
}

/**
 * The change feed's answer. Pass `until` as the next `since`. Events are in time order; `since` is inclusive,
 * so an event may come twice across calls: clients apply each `id` once. `hasMore`: call again at once.
 */
export interface ChangesPage {
  items: ChangeEvent[];
  until: string;
  hasMore: boolean;
}
