import { TransactionConflictException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { TaskFilters, TaskStatus } from '#shared/schemas/tasks';
import { ConflictError, ValidationError } from '#functions/lib/errors';
import { parentOf } from '#functions/lib/ids';
import { decodeCursor, encodeCursor, type Page } from '#functions/lib/pagination';
import {
  assignmentsOf,
  goalDeltas,
  statusIndex,
  type AcrossRequest,
  type AcrossResult,
  type AssignedQuery,
  type AssignmentRecord,
  type ReferenceField,
  type SprintRef,
  type ActivityRecord,
  type InsertOutcome,
  type ProjectRecord,
  type ReadRequest,
  type ReadResult,
  type TaskRecord,
  type TaskRepository,
  type TaskWrite,
  type WriteOutcome,
} from '#functions/domain/tasks';
import { remindable } from '#functions/domain/reminders';
import { activityItem, toActivity } from './activity.ts';
import { batchGetAll, diffUpdate, queryFilled, queryPage, transactWrite } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';
import { toMembership } from './workspace-repository.ts';
import { toAttachment } from './attachment-repository.ts';

type Item = Record<string, unknown>;
type TransactParts = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** Attributes of a task that are null when absent: stored only when set (REMOVEd when cleared). */
const OPTIONAL = [
  'description',
  'storyPoints',
  'dueDate',
  'sprintId',
  'goalId',
  'parentId',
  'coverAttachmentId',
  'completedAt',
  'deletedAt',
] as const;

/** The board (or, once deleted, the deleted-tasks) entry of a task in GSI1. */
const boardKeys = (task: TaskRecord) =>
  task.deletedAt
    ? keys.taskDeleted(task.projectId, task.deletedAt)
    : keys.taskOnBoard(task.projectId, statusIndex(task.status), task.rank);

/**
 * The stored item. Besides the task: its keys, and lower-cased copies of title and description for `?q=`
 * (never returned). `descriptionLower` is only stored when it differs from the description (text without
 * upper case, e.g. most non-Latin scripts, is matched on the description itself), which keeps a long
 * multi-byte description within the item size limit.
 */
export function taskItem(task: TaskRecord): Item {
  const item: Item = { ...keys.task(task.id), ...boardKeys(task), type: ItemType.Task };
  // A live task is in its sprint's list and in its workspace's search; a deleted one in neither, but in the
  // day of its deletion (the daily run purges it once past the restore window).
  if (!task.deletedAt) {
    if (task.sprintId) Object.assign(item, keys.taskInSprint(task.sprintId, task.id));
    Object.assign(item, keys.taskInWorkspace(task.workspaceId, task.updatedAt, task.id));
  } else {
    Object.assign(item, keys.taskDeletedOnDay(task.deletedAt, task.id));
  }
  for (const [field, value] of Object.entries(task)) if (value !== null) item[field] = value;
  item.titleLower = task.title.toLowerCase();
  const descriptionLower = task.description?.toLowerCase();
  if (descriptionLower !== undefined && descriptionLower !== task.description)
    item.descriptionLower = descriptionLower;
  return item;
}

export const toTask = (item: Item): TaskRecord => {
  const task = {
    id: item.id as string,
    number: item.number as number,
    projectId: item.projectId as string,
    workspaceId: item.workspaceId as string,
    title: item.title as string,
    status: item.status as TaskStatus,
    priority: item.priority as TaskRecord['priority'],
    assigneeIds: (item.assigneeIds as string[] | undefined) ?? [],
    labelIds: (item.labelIds as string[] | undefined) ?? [],
    rank: item.rank as string,
    subtaskCount: (item.subtaskCount as number | undefined) ?? 0,
    subtasksDone: (item.subtasksDone as number | undefined) ?? 0,
    commentCount: (item.commentCount as number | undefined) ?? 0,
    attachmentCount: (item.attachmentCount as number | undefined) ?? 0,
    createdBy: item.createdBy as string,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    version: item.version as number,
  } as TaskRecord;
  for (const field of OPTIONAL) (task as Record<string, unknown>)[field] = item[field] ?? null;
  return task;
};

const toProject = (item: Item): ProjectRecord => ({
  id: item.id as string,
  workspaceId: item.workspaceId as string,
  key: item.key as string,
  archived: item.archived === true,
  taskSeq: typeof item.taskSeq === 'number' ? item.taskSeq : undefined,
});

/** A project that was deleted (if the projects code marks deletions rather than removing the item) is gone. */
const liveProject = (item: Item | undefined) => (item && !item.deletedAt ? toProject(item) : undefined);

/** Conditions on the project item when a task change counts on it: it exists and is not archived. */
export const PROJECT_WRITABLE =
  'attribute_exists(PK) AND attribute_not_exists(deletedAt) AND (attribute_not_exists(archived) OR archived = :false)';

/** Tries of a single read or write of the project item that lost to a transaction on it (TransactionConflict). */
const CONFLICT_TRIES = 10;

/** A single request, tried again (after a short random pause) while it conflicts with a transaction on its item. */
async function conflictRetrying<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof TransactionConflictException) || attempt >= CONFLICT_TRIES) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 10 * 2 ** attempt)));
    }
  }
}

/** The GSI1 key of an item, as a cursor (ExclusiveStartKey) of the board and deleted queries. */
const gsiKeyOf = (item: Item) => ({ PK: item.PK, SK: item.SK, GSI1PK: item.GSI1PK, GSI1SK: item.GSI1SK });

/** Queries one list request may make while filling a page through a FilterExpression (see `list`). */
const MAX_LIST_QUERIES = 10;
/** Items a filtered Query evaluates per call. */
const FILTERED_EVALUATE = 200;
/**
 * The transaction part that turns the stored task `before` into `after`: SETs exactly the attributes that differ
 * (index keys included, so the board, sprint and search entries follow), REMOVEs those that went, adds 1 to
 * `version`, on condition that the stored task is still `before` (same version, same deletion state). Every
 * writer of a task (tasks, sprint completion) builds its change with this, so none can forget an index key.
 * On a failed condition the stored item comes back (ALL_OLD).
 */
export function taskUpdate(
  tableName: string,
  before: TaskRecord,
  after: TaskRecord,
): { Update: NonNullable<TransactParts[number]['Update']> } {
  // A deleted task changes (e.g. is restored) only while it is still deleted since the same moment.
  const deleted = before.deletedAt ? { ':seenDeletedAt': before.deletedAt } : undefined;
  return diffUpdate({
    tableName,
    key: keys.task(before.id),
    before: taskItem(before),
    after: taskItem(after),
    condition: deleted
      ? '#version = :seen AND #deletedAt = :seenDeletedAt'
      : '#version = :seen AND attribute_not_exists(#deletedAt)',
    names: { '#deletedAt': 'deletedAt' },
    values: { ':seen': before.version, ...deleted },
  });
}

/**
 * Text search (`:q`, lower case) over a task's lower-cased title and description; a description without upper
 * case is stored once and matched as is (see taskItem).
 */
const CONTAINS_Q =
  '(contains(#titleLower, :q) OR contains(#descriptionLower, :q) OR contains(#description, :q))';
const Q_NAMES = {
  '#titleLower': 'titleLower',
  '#descriptionLower': 'descriptionLower',
  '#description': 'description',
};

/** What a part of a task transaction is, to tell which condition failed. */
type PartKind =
  'task' | 'activity' | 'project' | 'other' | { unchanged: string } | { reference: ReferenceField };

/**
 * The parts that keep a task's followers in step with a change from `before` (undefined: a new task) to
 * `after`: its "My day" assignment items (put when new or changed, deleted when gone) and its goals' counters
 * (a goal being linked must exist and not be deleted; one being unlinked only must exist).
 */
function followerParts(
  tableName: string,
  before: TaskRecord | undefined,
  after: TaskRecord,
): Array<{ kind: PartKind; part: TransactParts[number] }> {
  const parts: Array<{ kind: PartKind; part: TransactParts[number] }> = [];
  const old = new Map((before ? assignmentsOf(before) : []).map((a) => [a.userId, a]));
  const next = assignmentsOf(after);
  for (const assignment of next) {
    const previous = old.get(assignment.userId);
    old.delete(assignment.userId);
    if (previous && JSON.stringify(previous) === JSON.stringify(assignment)) continue;
    parts.push({ kind: 'other', part: { Put: { TableName: tableName, Item: assignmentItem(assignment) } } });
  }
  for (const gone of old.values()) {
    parts.push({
      kind: 'other',
      part: { Delete: { TableName: tableName, Key: keys.assignment(gone.taskId, gone.userId) } },
    });
  }
  // Labels and assignees newly named must still exist when the change commits (a label deleted or a member
  // removed between the read and the write would otherwise leave a dangling id).
  const added = (now: string[], was: string[] = []) => now.filter((id) => !was.includes(id));
  for (const labelId of added(after.labelIds, before?.labelIds)) {
    parts.push({
      kind: { reference: 'labelIds' },
      part: {
        ConditionCheck: {
          TableName: tableName,
          Key: keys.label(after.workspaceId, labelId),
          ConditionExpression: 'attribute_exists(PK)',
        },
      },
    });
  }
  for (const userId of added(after.assigneeIds, before?.assigneeIds)) {
    parts.push({
      kind: { reference: 'assigneeIds' },
      part: {
        ConditionCheck: {
          TableName: tableName,
          Key: keys.member(after.workspaceId, userId),
          ConditionExpression: 'attribute_exists(PK)',
        },
      },
    });
  }
  // A sprint newly named must still take tasks (not completed meanwhile, which would leave the task behind).
  const sprintProject = after.sprintId ? parentOf(after.sprintId) : undefined;
  if (after.sprintId && sprintProject && after.sprintId !== before?.sprintId) {
    parts.push({
      kind: { reference: 'sprintId' },
      part: {
        ConditionCheck: {
          TableName: tableName,
          Key: keys.sprint(sprintProject, after.sprintId),
          ConditionExpression: 'attribute_exists(PK) AND #status <> :completed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':completed': 'completed' },
        },
      },
    });
  }
  // A cover newly named must still be a ready image with a thumbnail made or pending (deleted meanwhile: its
  // delete would have cleared a cover it saw; this keeps one set just after that delete from dangling).
  const cover = after.coverAttachmentId;
  if (cover && cover !== before?.coverAttachmentId) {
    parts.push({
      kind: { reference: 'coverAttachmentId' },
      part: {
        ConditionCheck: {
          TableName: tableName,
          Key: keys.attachment(after.id, cover),
          ConditionExpression: '#status = :ready AND #thumb IN (:ready, :pending)',
          ExpressionAttributeNames: { '#status': 'status', '#thumb': 'thumbnailStatus' },
          ExpressionAttributeValues: { ':ready': 'ready', ':pending': 'pending' },
        },
      },
    });
  }
  for (const delta of goalDeltas(before, after)) {
    parts.push({
      kind: { reference: 'goalId' },
      part: {
        Update: {
          TableName: tableName,
          Key: keys.goal(delta.goalId),
          UpdateExpression: 'ADD taskCount :tasks, doneCount :done',
          ConditionExpression:
            delta.tasks > 0
              ? 'attribute_exists(PK) AND attribute_not_exists(deletedAt)'
              : 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':tasks': delta.tasks, ':done': delta.done },
        },
      },
    });
  }
  return parts;
}

/**
 * The one place an assignment item (and so its index keys) is made: "My day" (GSI2) always, the due-date
 * reminders' index (GSI1) only while the assignment is worth a reminder. A change of due date or status changes
 * the record, so followerParts puts the item again and the reminder key follows.
 */
export const assignmentItem = (assignment: AssignmentRecord): Item => {
  const { dueDate } = assignment;
  return {
    ...keys.assignment(assignment.taskId, assignment.userId),
    ...keys.assignedTo(assignment.userId, dueDate, assignment.taskId),
    ...(dueDate !== null && remindable(assignment)
      ? keys.dueOn(dueDate, assignment.userId, assignment.taskId)
      : {}),
    type: ItemType.Assignment,
    ...assignment,
  };
};

export class DynamoTaskRepository implements TaskRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(request: ReadRequest): Promise<ReadResult> {
    const { workspaceId, userId } = request;
    const wanted = new Map<string, Record<string, string>>();
    const add = (key: Record<string, string>) => wanted.set(`${key.PK}|${key.SK}`, key);
    add(keys.member(workspaceId, userId));
    if (request.projectId) add(keys.project(workspaceId, request.projectId));
    for (const id of request.taskIds ?? []) add(keys.task(id));
    for (const id of request.memberIds ?? []) add(keys.member(workspaceId, id));
    for (const id of request.labelIds ?? []) add(keys.label(workspaceId, id));
    const sprintProject = request.sprintId ? parentOf(request.sprintId) : undefined;
    if (request.sprintId && sprintProject) add(keys.sprint(sprintProject, request.sprintId));
    if (request.goalId) add(keys.goal(request.goalId));
    const coverTask = request.coverAttachmentId ? parentOf(request.coverAttachmentId) : undefined;
    if (request.coverAttachmentId && coverTask) add(keys.attachment(coverTask, request.coverAttachmentId));
    const items = await batchGetAll(this.ddb, this.tableName, [...wanted.values()]);

    const result: ReadResult = { tasks: new Map(), memberIds: new Set(), labelIds: new Set() };
    const projectSk = request.projectId ? keys.project(workspaceId, request.projectId).SK : undefined;
    for (const item of items) {
      const sk = item.SK as string;
      const asTask = keys.task(String(item.id));
      if (item.PK === asTask.PK && sk === asTask.SK) {
        result.tasks.set(item.id as string, toTask(item));
      } else if (sk.startsWith(keys.memberPrefix)) {
        const member = toMembership(item);
        result.memberIds.add(member.userId);
        if (member.userId === userId) result.membership = member;
      } else if (sk === projectSk) {
        result.project = liveProject(item);
      } else if (sk.startsWith(keys.labelPrefix)) {
        result.labelIds.add(item.id as string);
      } else if (sk.startsWith(keys.sprintPrefix)) {
        result.sprint = {
          id: item.id as string,
          projectId: item.projectId as string,
          status: item.status as SprintRef['status'],
        };
      } else if (item.type === ItemType.Attachment) {
        result.cover = toAttachment(item);
      } else if (item.type === ItemType.Goal) {
        result.goal = {
          id: item.id as string,
          workspaceId: (item.workspaceId as string | undefined) ?? null,
          ownerId: item.ownerId as string,
          deleted: Boolean(item.deletedAt),
        };
      }
    }
    return result;
  }

  async getProject(workspaceId: string, projectId: string): Promise<ProjectRecord | undefined> {
    const { Item } = await conflictRetrying(() =>
      this.ddb.send(
        new GetCommand({
          TableName: this.tableName,
          Key: keys.project(workspaceId, projectId),
          ConsistentRead: true,
        }),
      ),
    );
    return liveProject(Item);
  }

  async takeNumber(workspaceId: string, projectId: string, floor: number): Promise<number> {
    // An atomic counter on an item of its own: no condition, and no transaction ever holds it, so concurrent
    // creations never refuse or wait for one another (the project item is written by every creation's
    // transaction). A project numbered before the counter moved here goes on from its own `taskSeq` (`floor`).
    const { Attributes } = await conflictRetrying(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.projectCounter(workspaceId, projectId),
          UpdateExpression: 'SET taskSeq = if_not_exists(taskSeq, :floor) + :one, #type = :type',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':floor': floor, ':one': 1, ':type': ItemType.ProjectCounter },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return Attributes?.taskSeq as number;
  }

  async getTask(taskId: string): Promise<TaskRecord | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: keys.task(taskId), ConsistentRead: true }),
    );
    return Item ? toTask(Item) : undefined;
  }

  /** Up to `limit` board entries from `condition`, skipping `exceptId`. */
  private async column(
    input: Pick<
      QueryCommandInput,
      'KeyConditionExpression' | 'ExpressionAttributeValues' | 'ScanIndexForward'
    >,
    exceptId: string | undefined,
  ): Promise<TaskRecord | undefined> {
    const { Items } = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI1',
        ...input,
        // One more when the task itself may be the first hit.
        Limit: exceptId ? 2 : 1,
      }),
    );
    const item = (Items ?? []).find((i) => i.id !== exceptId);
    return item ? toTask(item) : undefined;
  }

  lastInColumn(projectId: string, status: TaskStatus, exceptId?: string) {
    return this.column(
      {
        KeyConditionExpression: 'GSI1PK = :pk AND begins_with(GSI1SK, :column)',
        ExpressionAttributeValues: { ':pk': keys.boardOf(projectId), ':column': `${statusIndex(status)}#` },
        ScanIndexForward: false,
      },
      exceptId,
    );
  }

  async nextInColumn(of: TaskRecord, direction: 'below' | 'above', exceptId: string) {
    const { GSI1PK, GSI1SK } = keys.taskOnBoard(of.projectId, statusIndex(of.status), of.rank);
    const next = await this.column(
      {
        KeyConditionExpression: `GSI1PK = :pk AND GSI1SK ${direction === 'below' ? '>' : '<'} :sk`,
        ExpressionAttributeValues: { ':pk': GSI1PK, ':sk': GSI1SK },
        ScanIndexForward: direction === 'below',
      },
      exceptId,
    );
    // The next entry of the index may already be in the neighbouring column.
    return next && next.status === of.status ? next : undefined;
  }

  async insert(task: TaskRecord, activity: ActivityRecord): Promise<InsertOutcome> {
    const parts: Array<{ kind: PartKind; part: TransactParts[number] }> = [
      {
        kind: 'project',
        part: {
          Update: {
            TableName: this.tableName,
            Key: keys.project(task.workspaceId, task.projectId),
            // The number was taken already (takeNumber); the project must still take tasks when this commits.
            UpdateExpression: 'ADD taskCount :one',
            ConditionExpression: PROJECT_WRITABLE,
            ExpressionAttributeValues: { ':one': 1, ':false': false },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      },
      {
        kind: 'task',
        part: {
          Put: {
            TableName: this.tableName,
            Item: taskItem(task),
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      },
      { kind: 'activity', part: { Put: { TableName: this.tableName, Item: activityItem(activity) } } },
      ...followerParts(this.tableName, undefined, task),
    ];
    // Creations in one project all add to its count: one that loses to another's transaction on the project
    // item (TransactionConflict, cloud) is tried again after a random pause, within the budget.
    const outcome = await transactWrite(
      this.ddb,
      parts.map((p) => p.part),
    );
    if ('ok' in outcome || 'busy' in outcome) return outcome;
    if (outcome.failed[0]) {
      const project = outcome.old[0];
      return { project: project && !project.deletedAt ? 'archived' : 'gone' };
    }
    const failed = parts.find((_, index) => outcome.failed[index])?.kind;
    if (failed && typeof failed === 'object' && 'reference' in failed) return failed;
    throw new Error(`Task ${task.id} could not be inserted: ${JSON.stringify(failed)} failed its condition`);
  }

  async write(change: TaskWrite): Promise<WriteOutcome> {
    const { before, after } = change;
    const parts: Array<{ kind: PartKind; part: TransactParts[number] }> = [
      { kind: 'task', part: taskUpdate(this.tableName, before, after) },
      { kind: 'activity', part: { Put: { TableName: this.tableName, Item: activityItem(change.activity) } } },
    ];
    if (change.taskCountDelta) {
      parts.push({
        kind: 'project',
        part: {
          Update: {
            TableName: this.tableName,
            Key: keys.project(before.workspaceId, before.projectId),
            UpdateExpression: 'ADD taskCount :delta',
            ConditionExpression: PROJECT_WRITABLE,
            ExpressionAttributeValues: { ':delta': change.taskCountDelta, ':false': false },
          },
        },
      });
    }
    for (const { field, task } of change.unchanged ?? []) {
      const board = boardKeys(task);
      parts.push({
        kind: { unchanged: field },
        part: {
          ConditionCheck: {
            TableName: this.tableName,
            Key: keys.task(task.id),
            ConditionExpression: 'GSI1PK = :pk AND GSI1SK = :sk AND attribute_not_exists(deletedAt)',
            ExpressionAttributeValues: { ':pk': board.GSI1PK, ':sk': board.GSI1SK },
          },
        },
      });
    }
    parts.push(...followerParts(this.tableName, before, after));

    const outcome = await transactWrite(
      this.ddb,
      parts.map((p) => p.part),
    );
    if ('ok' in outcome) return outcome;
    if ('busy' in outcome) throw new ConflictError('The task is being changed by someone else; try again');
    if (outcome.failed[0]) {
      const current = outcome.old[0];
      return { task: current ? toTask(current) : undefined };
    }
    const failed = parts.find((_, index) => outcome.failed[index])?.kind;
    if (failed === 'project') return { project: true };
    if (failed && typeof failed === 'object')
      return 'reference' in failed ? failed : { moved: failed.unchanged };
    throw new Error('A task transaction failed a condition it does not have');
  }

  /**
   * A project's tasks in board order (status order, rank within), then, with `includeDeleted`, its deleted
   * tasks (oldest deletion first): one Query of the board index per phase (`begins_with` for a status), the
   * other filters as a FilterExpression.
   *
   * A filtered Query page can hold fewer matches than asked for (the filter runs after DynamoDB's `Limit`), so
   * this keeps querying until it has `limit` + 1 matches (the extra one proves there is a next page), the end,
   * or MAX_LIST_QUERIES calls; only a very selective filter over a very large project returns a short page,
   * and then still with a cursor to go on. The cursor is the index key of the last task returned (or, at the
   * start of the deleted phase, that phase's partition alone), so a page boundary may fall anywhere, including
   * between the live and the deleted tasks.
   */
  async list(
    projectId: string,
    filters: TaskFilters,
    limit: number,
    cursor?: string,
  ): Promise<Page<TaskRecord>> {
    const phases = [keys.boardOf(projectId), ...(filters.includeDeleted ? [keys.deletedOf(projectId)] : [])];
    const column = filters.status === undefined ? undefined : `${statusIndex(filters.status)}#`;
    const start = this.startOf(cursor, phases, column);

    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const conditions: string[] = [];
    if (filters.assigneeId !== undefined) {
      names['#assigneeIds'] = 'assigneeIds';
      values[':assignee'] = filters.assigneeId;
      conditions.push('contains(#assigneeIds, :assignee)');
    }
    if (filters.labelId !== undefined) {
      names['#labelIds'] = 'labelIds';
      values[':label'] = filters.labelId;
      conditions.push('contains(#labelIds, :label)');
    }
    if (filters.sprintId !== undefined) {
      names['#sprintId'] = 'sprintId';
      if (filters.sprintId === 'none') {
        conditions.push('attribute_not_exists(#sprintId)');
      } else {
        values[':sprint'] = filters.sprintId;
        conditions.push('#sprintId = :sprint');
      }
    }
    if (filters.dueBefore !== undefined) {
      names['#dueDate'] = 'dueDate';
      values[':due'] = filters.dueBefore;
      conditions.push('#dueDate < :due');
    }
    if (filters.q !== undefined) {
      Object.assign(names, Q_NAMES);
      values[':q'] = filters.q;
      conditions.push(CONTAINS_Q);
    }

    const matches: Item[] = [];
    let queries = 0;
    for (let phase = start.phase; phase < phases.length; phase++) {
      const deleted = phase === 1;
      const pk = phases[phase]!;
      const phaseConditions = [...conditions];
      const phaseNames = { ...names };
      const phaseValues: Record<string, unknown> = { ...values, ':pk': pk };
      let keyCondition = 'GSI1PK = :pk';
      if (column !== undefined && !deleted) {
        keyCondition += ' AND begins_with(GSI1SK, :column)';
        phaseValues[':column'] = column;
      } else if (filters.status !== undefined && deleted) {
        // Deleted tasks are indexed by deletion time: their status is a filter.
        phaseNames['#status'] = 'status';
        phaseValues[':status'] = filters.status;
        phaseConditions.push('#status = :status');
      }
      let exclusive = phase === start.phase ? start.key : undefined;
      do {
        if (queries >= MAX_LIST_QUERIES) {
          return {
            items: matches.map(toTask),
            nextCursor: encodeCursor(exclusive ?? { GSI1PK: pk }),
          };
        }
        const needed = limit + 1 - matches.length;
        const { Items, LastEvaluatedKey } = await this.ddb.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'GSI1',
            KeyConditionExpression: keyCondition,
            ...(phaseConditions.length ? { FilterExpression: phaseConditions.join(' AND ') } : {}),
            ...(Object.keys(phaseNames).length ? { ExpressionAttributeNames: phaseNames } : {}),
            ExpressionAttributeValues: phaseValues,
            ExclusiveStartKey: exclusive,
            Limit: phaseConditions.length ? Math.max(needed, FILTERED_EVALUATE) : needed,
          }),
        );
        queries++;
        for (const item of Items ?? []) {
          matches.push(item);
          if (matches.length > limit) {
            return {
              items: matches.slice(0, limit).map(toTask),
              nextCursor: encodeCursor(gsiKeyOf(matches[limit - 1]!)),
            };
          }
        }
        exclusive = LastEvaluatedKey;
      } while (exclusive);
    }
    return { items: matches.map(toTask), nextCursor: null };
  }

  /** Where a list request starts: the phase and key its cursor names, which must be of this very list. */
  private startOf(
    cursor: string | undefined,
    phases: string[],
    column: string | undefined,
  ): { phase: number; key?: Item } {
    const key = decodeCursor(cursor);
    if (!key) return { phase: 0 };
    const phase = phases.indexOf(key.GSI1PK as string);
    const fields = Object.keys(key).sort().join(',');
    const valid =
      phase >= 0 &&
      Object.values(key).every((v) => typeof v === 'string') &&
      (fields === 'GSI1PK' ||
        (fields === 'GSI1PK,GSI1SK,PK,SK' &&
          (phase === 1 || column === undefined || (key.GSI1SK as string).startsWith(column))));
    if (!valid) throw new ValidationError([{ field: 'cursor', message: 'does not belong to this list' }]);
    return fields === 'GSI1PK' ? { phase } : { phase, key };
  }

  async assigned(
    userId: string,
    query: AssignedQuery,
    limit: number,
    cursor?: string,
  ): Promise<Page<AssignmentRecord>> {
    const pk = keys.assignedOf(userId);
    const values: Record<string, unknown> = { ':pk': pk };
    let keyCondition = 'GSI2PK = :pk';
    if (query.before !== undefined) {
      keyCondition += ' AND GSI2SK < :before';
      values[':before'] = query.before;
    } else if (query.from !== undefined && query.to !== undefined) {
      keyCondition += ' AND GSI2SK BETWEEN :from AND :to';
      values[':from'] = `${query.from}#`;
      values[':to'] = `${query.to}#~`;
    }
    let filter: string;
    if (query.status !== undefined) {
      filter = '#status = :status';
      values[':status'] = query.status;
    } else {
      filter = 'NOT #status IN (:done, :archived)';
      values[':done'] = 'done';
      values[':archived'] = 'archived';
    }
    const page = await queryFilled(
      this.ddb,
      {
        TableName: this.tableName,
        IndexName: 'GSI2',
        KeyConditionExpression: keyCondition,
        FilterExpression: filter,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      },
      { name: 'GSI2PK', value: pk },
      ['PK', 'SK', 'GSI2PK', 'GSI2SK'],
      limit,
      cursor,
    );
    return {
      items: page.items.map((item) => ({
        taskId: item.taskId as string,
        userId: item.userId as string,
        workspaceId: item.workspaceId as string,
        projectId: item.projectId as string,
        dueDate: (item.dueDate as string | undefined) ?? null,
        status: item.status as TaskStatus,
      })),
      nextCursor: page.nextCursor,
    };
  }

  async readAcross(userId: string, refs: AcrossRequest): Promise<AcrossResult> {
    const wanted = new Map<string, Record<string, string>>();
    const add = (key: Record<string, string>) => wanted.set(`${key.PK}|${key.SK}`, key);
    for (const id of refs.taskIds) add(keys.task(id));
    for (const id of refs.workspaceIds) add(keys.member(id, userId));
    for (const { workspaceId, projectId } of refs.projects) add(keys.project(workspaceId, projectId));
    const result: AcrossResult = { tasks: new Map(), memberOf: new Set(), projects: new Map() };
    if (wanted.size === 0) return result;
    for (const item of await batchGetAll(this.ddb, this.tableName, [...wanted.values()])) {
      if (item.type === ItemType.Task) result.tasks.set(item.id as string, toTask(item));
      else if (item.type === ItemType.Member) result.memberOf.add(toMembership(item).workspaceId);
      else if (item.type === ItemType.Project) {
        const project = liveProject(item);
        if (project) result.projects.set(project.id, project);
      }
    }
    return result;
  }

  async search(workspaceId: string, q: string, limit: number, cursor?: string): Promise<Page<TaskRecord>> {
    const pk = keys.tasksOfWorkspace(workspaceId);
    const page = await queryFilled(
      this.ddb,
      {
        TableName: this.tableName,
        IndexName: 'GSI3',
        KeyConditionExpression: 'GSI3PK = :pk',
        FilterExpression: CONTAINS_Q,
        ExpressionAttributeNames: Q_NAMES,
        ExpressionAttributeValues: { ':pk': pk, ':q': q },
        ScanIndexForward: false,
      },
      { name: 'GSI3PK', value: pk },
      ['PK', 'SK', 'GSI3PK', 'GSI3SK'],
      limit,
      cursor,
    );
    return { items: page.items.map(toTask), nextCursor: page.nextCursor };
  }

  async changes(projectId: string, fromId: string, limit: number) {
    const { Items, LastEvaluatedKey } = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK >= :from',
        ExpressionAttributeValues: { ':pk': keys.activityOf(projectId), ':from': fromId },
        Limit: limit,
      }),
    );
    return { items: (Items ?? []).map(toActivity), hasMore: LastEvaluatedKey !== undefined };
  }

  async taskActivity(taskId: string, limit: number, cursor?: string): Promise<Page<ActivityRecord>> {
    const pk = keys.task(taskId).PK;
    const start = decodeCursor(cursor);
    if (start && !String(start.SK).startsWith(keys.activityPrefix)) {
      throw new ValidationError([{ field: 'cursor', message: 'does not belong to this list' }]);
    }
    const page = await queryPage(
      this.ddb,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :act)',
        ExpressionAttributeValues: { ':pk': pk, ':act': keys.activityPrefix },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: limit,
      },
      { name: 'PK', value: pk },
      cursor,
    );
    return { items: page.items.map(toActivity), nextCursor: page.nextCursor };
  }

  async projectActivity(projectId: string, limit: number, cursor?: string): Promise<Page<ActivityRecord>> {
    const pk = keys.activityOf(projectId);
    const page = await queryPage(
      this.ddb,
      {
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: false,
        Limit: limit,
      },
      { name: 'GSI1PK', value: pk },
      cursor,
    );
    return { items: page.items.map(toActivity), nextCursor: page.nextCursor };
  }
}
