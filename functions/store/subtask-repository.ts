import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '#functions/lib/errors';
import { workspaceOf } from '#functions/lib/ids';
import { decodeCursor, type Page } from '#functions/lib/pagination';
import type {
  SubtaskRead,
  SubtaskRecord,
  SubtaskRepository,
  SubtaskWrite,
  SubtaskWriteOutcome,
} from '#functions/domain/subtasks';
import { activityItem } from './activity.ts';
import { batchGetAll, queryPage, transactWrite } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';
import { DynamoTaskRepository, toTask } from './task-repository.ts';
import { toMembership } from './workspace-repository.ts';

type Item = Record<string, unknown>;
type TransactParts = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** The stored item: the subtask in its task's partition (`SUBTASK#<id>`, creation order); nulls not stored. */
export function subtaskItem(subtask: SubtaskRecord): Item {
  const item: Item = { ...keys.subtask(subtask.taskId, subtask.id), type: ItemType.Subtask };
  for (const [field, value] of Object.entries(subtask)) if (value !== null) item[field] = value;
  return item;
}

export const toSubtask = (item: Item): SubtaskRecord => ({
  id: item.id as string,
  taskId: item.taskId as string,
  projectId: item.projectId as string,
  workspaceId: item.workspaceId as string,
  title: item.title as string,
  done: item.done === true,
  estimatedHours: (item.estimatedHours as number | undefined) ?? null,
  createdBy: item.createdBy as string,
  createdAt: item.createdAt as string,
  updatedAt: item.updatedAt as string,
  completedAt: (item.completedAt as string | undefined) ?? null,
  version: item.version as number,
});

/** The task a subtask or comment change counts on must exist and not be deleted. */
export const TASK_LIVE = 'attribute_exists(PK) AND attribute_not_exists(deletedAt)';

/**
 * The part of a subtask or comment transaction on the task item: `ADD` of the counters when there is something
 * to count (never `version`: other people's open edits of the task stay valid), else a check; either way on
 * condition that the task is live, returning the stored task when it is not.
 */
export function taskCounterPart(
  tableName: string,
  taskId: string,
  counters: Record<string, number>,
): TransactParts[number] {
  const counted = Object.entries(counters).filter(([, delta]) => delta !== 0);
  if (counted.length === 0) {
    return {
      ConditionCheck: {
        TableName: tableName,
        Key: keys.task(taskId),
        ConditionExpression: TASK_LIVE,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }
  return {
    Update: {
      TableName: tableName,
      Key: keys.task(taskId),
      UpdateExpression: `ADD ${counted.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
      ConditionExpression: TASK_LIVE,
      ExpressionAttributeNames: Object.fromEntries(counted.map(([name], i) => [`#c${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(counted.map(([, delta], i) => [`:c${i}`, delta])),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/**
 * The part that writes one versioned child of a task (subtask, comment): a new one is put if absent, a changed
 * one put and a removed one deleted only if the stored version is still the one read.
 */
export function childPart(
  tableName: string,
  before: { version: number } | undefined,
  after: Item | undefined,
  key: { PK: string; SK: string },
): TransactParts[number] {
  if (after && !before) {
    return { Put: { TableName: tableName, Item: after, ConditionExpression: 'attribute_not_exists(PK)' } };
  }
  const condition = {
    ConditionExpression: '#version = :seen',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':seen': before!.version },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
  return after
    ? { Put: { TableName: tableName, Item: after, ...condition } }
    : { Delete: { TableName: tableName, Key: key, ...condition } };
}

export class DynamoSubtaskRepository implements SubtaskRepository {
  private readonly tasks: DynamoTaskRepository;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.tasks = new DynamoTaskRepository(ddb, tableName);
  }

  async read(taskId: string, userId: string, subtaskId?: string): Promise<SubtaskRead> {
    const taskKey = keys.task(taskId);
    const memberKey = keys.member(workspaceOf(taskId)!, userId);
    const subtaskKey = subtaskId ? keys.subtask(taskId, subtaskId) : undefined;
    const items = await batchGetAll(this.ddb, this.tableName, [
      taskKey,
      memberKey,
      ...(subtaskKey ? [subtaskKey] : []),
    ]);
    const find = (key: { PK: string; SK: string } | undefined) =>
      key && items.find((i) => i.PK === key.PK && i.SK === key.SK);
    const task = find(taskKey);
    const membership = find(memberKey);
    const subtask = find(subtaskKey);
    return {
      task: task ? toTask(task) : undefined,
      membership: membership ? toMembership(membership) : undefined,
      subtask: subtask ? toSubtask(subtask) : undefined,
    };
  }

  getProject(workspaceId: string, projectId: string) {
    return this.tasks.getProject(workspaceId, projectId);
  }

  async list(taskId: string, limit: number, cursor?: string): Promise<Page<SubtaskRecord>> {
    const pk = keys.task(taskId).PK;
    if (!String(decodeCursor(cursor)?.SK ?? keys.subtaskPrefix).startsWith(keys.subtaskPrefix)) {
      throw new ValidationError([{ field: 'cursor', message: 'does not belong to this list' }]);
    }
    const page = await queryPage(
      this.ddb,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': keys.subtaskPrefix },
        ConsistentRead: true,
        Limit: limit,
      },
      { name: 'PK', value: pk },
      cursor,
    );
    return { items: page.items.map(toSubtask), nextCursor: page.nextCursor };
  }

  async write(change: SubtaskWrite): Promise<SubtaskWriteOutcome> {
    // The task first, then the subtasks (in order), then the activities: a failed part is found by position.
    const parts: TransactParts = [
      taskCounterPart(this.tableName, change.taskId, { ...change.counters }),
      ...change.changes.map(({ before, after }) => {
        const id = (after ?? before)!.id;
        return childPart(
          this.tableName,
          before,
          after && subtaskItem(after),
          keys.subtask(change.taskId, id),
        );
      }),
      ...change.activities.map((activity) => ({
        Put: { TableName: this.tableName, Item: activityItem(activity) },
      })),
    ];
    const outcome = await transactWrite(this.ddb, parts);
    if ('ok' in outcome || 'busy' in outcome) return outcome;
    if (outcome.failed[0]) {
      const task = outcome.old[0];
      return { task: task ? toTask(task) : undefined };
    }
    const failed = outcome.failed.findIndex((f, index) => f && index > 0 && index <= change.changes.length);
    if (failed > 0) {
      const current = outcome.old[failed];
      return { subtask: current ? toSubtask(current) : undefined };
    }
    throw new Error('A subtask transaction failed a condition it does not have');
  }
}
