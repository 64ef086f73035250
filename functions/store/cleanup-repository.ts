import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ActivityRecord } from '#functions/domain/activity';
import type { Cleanup, CleanupRepository, ItemKey, TaskUpdateOutcome } from '#functions/domain/cleanup';
import { goalContribution, type TaskRecord } from '#functions/domain/tasks';
import { activityItem } from './activity.ts';
import { failedConditions, oldItemOf, queryAll, queryPages } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';
import { taskUpdate, toTask } from './task-repository.ts';

type Item = Record<string, unknown>;

/** Task ids per page of a project's tasks: one page is one unit of work (all their partitions). */
const TASK_PAGE = 25;
/** Item keys per page of a partition (one unit of work: 20 BatchWriteItem calls at most). */
const ITEM_PAGE = 500;
/** Items a filtered Query (tasks carrying a label) evaluates per call. */
const FILTERED_EVALUATE = 200;
/** Task partitions read at once. */
const PARTITION_READS = 8;
/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_MAX = 25;
/** Retries of a transaction that lost to a concurrent one on the same item (TransactionConflict). */
const MAX_CONTENTION_RETRIES = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The clean-up a REMOVE record's old image asks for: a project, a workspace or a label; else undefined. */
export function cleanupOf(removed: Item): Cleanup | undefined {
  const { type, id, workspaceId } = removed;
  if (typeof id !== 'string' || id === '') return undefined;
  if (type === ItemType.Workspace) return { kind: 'workspace', workspaceId: id };
  if (typeof workspaceId !== 'string' || workspaceId === '') return undefined;
  if (type === ItemType.Project) return { kind: 'project', workspaceId, projectId: id };
  if (type === ItemType.Label) return { kind: 'label', workspaceId, labelId: id };
  return undefined;
}

/** `work` over `inputs`, at most `limit` at a time, results in input order. */
async function mapLimited<T, R>(inputs: T[], limit: number, work: (input: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const index = next++;
      results[index] = await work(inputs[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}

const KEY_NAMES = { '#pk': 'PK', '#sk': 'SK' };
const keyOf = (item: Item): ItemKey => ({ PK: item.PK as string, SK: item.SK as string });

export class DynamoCleanupRepository implements CleanupRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  keyId(key: ItemKey): string {
    return `${key.PK}|${key.SK}`;
  }

  async *projectTaskIds(projectId: string): AsyncIterable<string[]> {
    // The board holds the live tasks, the deleted index the soft-deleted ones: together every task item.
    for (const pk of [keys.boardOf(projectId), keys.deletedOf(projectId)]) {
      const pages = queryPages(this.ddb, {
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeNames: { '#id': 'id' },
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: '#id',
        Limit: TASK_PAGE,
      });
      for await (const page of pages) {
        const ids = page.map((item) => item.id).filter((id): id is string => typeof id === 'string');
        if (ids.length) yield ids;
      }
    }
  }

  /** Every key of a partition (consistent read, so nothing written before it is missed). */
  private partitionKeys(pk: string): Promise<ItemKey[]> {
    return queryAll(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: KEY_NAMES,
      ExpressionAttributeValues: { ':pk': pk },
      ProjectionExpression: '#pk, #sk',
      ConsistentRead: true,
    }).then((items) => items.map(keyOf));
  }

  /**
   * Each task's partition (`TASK#<tid>`, every SK) goes, the task item last: until then the project's index
   * still lists the task, so a retry after a partial run finds it again. Every writer of a task's partition
   * conditions on the task item (its version or its existence), so once the task item is gone nothing more
   * can arrive; the partitions are read again until empty, which catches what was committed just before.
   */
  async deleteTasks(taskIds: string[]): Promise<void> {
    let pending = taskIds;
    while (pending.length) {
      const contents = await mapLimited(pending, PARTITION_READS, (id) =>
        this.partitionKeys(keys.task(id).PK),
      );
      const all = contents.flat();
      if (all.length === 0) return;
      const isTaskItem = (key: ItemKey) => key.SK === keys.task('').SK;
      await this.deleteItems(all.filter((key) => !isTaskItem(key)));
      await mapLimited(all.filter(isTaskItem), PARTITION_READS, (key) => this.deleteTaskItem(key));
      pending = pending.filter((_, index) => contents[index]!.length > 0);
    }
  }

  /**
   * The task item itself, last: a task linked to a goal gives its share of the goal's counters back in the
   * same transaction (so a goal's progress never counts tasks of a deleted project). Safe to repeat: once the
   * task is gone there is nothing left to give back.
   */
  private async deleteTaskItem(key: ItemKey): Promise<void> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    if (!Item) return;
    const share = goalContribution(toTask(Item));
    if (!share) {
      await this.deleteItems([key]);
      return;
    }
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: key,
                ConditionExpression: 'version = :version',
                ExpressionAttributeValues: { ':version': Item.version },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.goal(share.goalId),
                UpdateExpression: 'ADD taskCount :tasks, doneCount :done',
                ConditionExpression: 'attribute_exists(PK)',
                ExpressionAttributeValues: { ':tasks': -share.tasks, ':done': -share.done },
              },
            },
          ],
        }),
      );
    } catch (error) {
      const failed = failedConditions(error);
      if (!failed) throw error;
      // The goal is gone (nothing to give back): delete the task alone. The task changed: the next pass retries.
      if (failed[1] && !failed[0]) await this.deleteItems([key]);
      else throw new Error(`Task ${key.PK} changed while its project was being cleaned up; retrying`);
    }
  }

  /** Pages of item keys of one partition (consistent read). */
  private async *partitionPages(pk: string, extra: Partial<QueryCommandInput> = {}): AsyncIterable<Item[]> {
    const pages = queryPages(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: KEY_NAMES,
      ExpressionAttributeValues: { ':pk': pk },
      ProjectionExpression: '#pk, #sk',
      ConsistentRead: true,
      Limit: ITEM_PAGE,
      ...extra,
    });
    for await (const page of pages) if (page.length) yield page;
  }

  async *projectItems(projectId: string): AsyncIterable<ItemKey[]> {
    // The project's own partition (`PROJECT#<pid>`): sprints and the project's and sprints' activity.
    for await (const page of this.partitionPages(keys.sprint(projectId, '').PK)) yield page.map(keyOf);
  }

  async *workspaceItems(workspaceId: string): AsyncIterable<ItemKey[]> {
    // The workspace's partition: members, invitations and their email guards, labels and their name guards,
    // projects and their key guards (whatever else comes to live there goes too).
    const pages = this.partitionPages(keys.workspace(workspaceId).PK, {
      ExpressionAttributeNames: { ...KEY_NAMES, '#type': 'type', '#tokenHash': 'tokenHash' },
      ProjectionExpression: '#pk, #sk, #type, #tokenHash',
    });
    for await (const page of pages) {
      const out: ItemKey[] = [];
      for (const item of page) {
        // An invitation's accept-by-token item lives in a partition of its own; the invitation names it.
        // (Tokens of accepted invitations have no invitation left to name them: they expire by TTL.)
        if (item.type === ItemType.Invitation && typeof item.tokenHash === 'string' && item.tokenHash) {
          out.push(keys.invitationToken(item.tokenHash));
        }
        out.push(keyOf(item));
      }
      yield out;
    }
    // The workspace's goals, each in a partition of its own, listed by the workspace's goals index.
    const goals = queryPages(this.ddb, {
      TableName: this.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeNames: KEY_NAMES,
      ExpressionAttributeValues: { ':pk': keys.workspaceGoalsOf(workspaceId) },
      ProjectionExpression: '#pk, #sk',
      Limit: ITEM_PAGE,
    });
    for await (const page of goals) if (page.length) yield page.map(keyOf);
  }

  /** BatchWriteItem deletes, 25 a call, retrying what DynamoDB leaves unprocessed (with a growing pause). */
  async deleteItems(itemKeys: ItemKey[]): Promise<void> {
    const unique = [...new Map(itemKeys.map((key) => [this.keyId(key), key])).values()];
    for (let i = 0; i < unique.length; i += BATCH_WRITE_MAX) {
      let pending = unique.slice(i, i + BATCH_WRITE_MAX).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
        const { UnprocessedItems } = await this.ddb.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        pending = (UnprocessedItems?.[this.tableName] as typeof pending | undefined) ?? [];
      }
    }
  }

  async workspaceExists(workspaceId: string): Promise<boolean> {
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.workspace(workspaceId),
        ConsistentRead: true,
        ProjectionExpression: '#pk',
        ExpressionAttributeNames: { '#pk': 'PK' },
      }),
    );
    return Item !== undefined;
  }

  async projectKey(workspaceId: string, projectId: string): Promise<string | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.project(workspaceId, projectId),
        ConsistentRead: true,
      }),
    );
    return Item && !Item.deletedAt && typeof Item.key === 'string' ? Item.key : undefined;
  }

  async *tasksCarryingLabel(workspaceId: string, labelId: string): AsyncIterable<TaskRecord[]> {
    const carrying = {
      FilterExpression: 'contains(#labelIds, :label)',
      ExpressionAttributeNames: { '#labelIds': 'labelIds' },
    };
    // Live tasks, least recently updated first: a task someone changes meanwhile moves to the end, ahead of
    // this reading, instead of behind it.
    const live = queryPages(this.ddb, {
      TableName: this.tableName,
      IndexName: 'GSI3',
      KeyConditionExpression: 'GSI3PK = :pk',
      ...carrying,
      ExpressionAttributeValues: { ':pk': keys.tasksOfWorkspace(workspaceId), ':label': labelId },
      ScanIndexForward: true,
      Limit: FILTERED_EVALUATE,
    });
    for await (const page of live) if (page.length) yield page.map(toTask);
    // Deleted tasks (restorable, so their labels must be right too), project by project; after the live ones,
    // so a task deleted during the first pass is still met here.
    const projects = queryPages(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.workspace(workspaceId).PK, ':prefix': keys.projectPrefix },
      ExpressionAttributeNames: { '#id': 'id' },
      ProjectionExpression: '#id',
    });
    for await (const page of projects) {
      for (const project of page) {
        const deleted = queryPages(this.ddb, {
          TableName: this.tableName,
          IndexName: 'GSI1',
          KeyConditionExpression: 'GSI1PK = :pk',
          ...carrying,
          ExpressionAttributeValues: { ':pk': keys.deletedOf(project.id as string), ':label': labelId },
          Limit: FILTERED_EVALUATE,
        });
        for await (const tasks of deleted) if (tasks.length) yield tasks.map(toTask);
      }
    }
  }

  async updateTask(
    before: TaskRecord,
    after: TaskRecord,
    activity: ActivityRecord,
  ): Promise<TaskUpdateOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ddb.send(
          new TransactWriteCommand({
            TransactItems: [
              taskUpdate(this.tableName, before, after),
              { Put: { TableName: this.tableName, Item: activityItem(activity) } },
            ],
          }),
        );
        return { ok: true };
      } catch (error) {
        if (failedConditions(error)?.[0]) {
          const current = oldItemOf(error, 0);
          return { current: current ? toTask(current) : undefined };
        }
        const contended =
          error instanceof TransactionCanceledException &&
          (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict');
        if (!contended || attempt >= MAX_CONTENTION_RETRIES) throw error;
        await sleep(Math.random() * Math.min(200, 10 * 2 ** attempt));
      }
    }
  }
}
