import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { GoalChanges } from '#shared/schemas/goals';
import type { Page } from '#functions/lib/pagination';
import {
  goalKind,
  type GoalDeleteOutcome,
  type GoalRecord,
  type GoalRepository,
  type GoalUpdateOutcome,
} from '#functions/domain/goals';
import type { MembershipRecord } from '#functions/domain/workspaces';
import { failedConditions, oldItemOf, queryPage } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';
import { readWithMembership } from './workspace-repository.ts';

type Item = Record<string, unknown>;

/** Attributes stored only when set (REMOVEd when cleared), null in the record when absent. */
const OPTIONAL = ['description', 'targetDate', 'workspaceId', 'deletedAt'] as const;

/** The fields a PATCH may change. */
const CHANGEABLE = ['title', 'description', 'targetDate'] as const;

/** The list entry of a live goal: its owner's personal goals or its workspace's goals (GSI1). */
const listKeys = (goal: Pick<GoalRecord, 'id' | 'workspaceId' | 'ownerId'>) =>
  goal.workspaceId ? keys.workspaceGoal(goal.workspaceId, goal.id) : keys.personalGoal(goal.ownerId, goal.id);

/**
 * The stored goal, in a partition of its own (`GOAL#<id>` / `#META`) so a task transaction can ADD to its
 * counters knowing only the id. `workspaceId` is absent on a personal goal (the task code reads it that way).
 */
export function goalItem(goal: GoalRecord): Item {
  const item: Item = { ...keys.goal(goal.id), type: ItemType.Goal };
  if (!goal.deletedAt) Object.assign(item, listKeys(goal));
  for (const [field, value] of Object.entries(goal)) if (value !== null) item[field] = value;
  return item;
}

export function toGoal(item: Item): GoalRecord {
  const goal = {
    id: item.id as string,
    title: item.title as string,
    ownerId: item.ownerId as string,
    taskCount: (item.taskCount as number | undefined) ?? 0,
    doneCount: (item.doneCount as number | undefined) ?? 0,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    version: item.version as number,
  } as GoalRecord;
  for (const field of OPTIONAL) (goal as unknown as Item)[field] = item[field] ?? null;
  return goal;
}

/** Only a live goal at the version read may change (a tombstone is gone for good). */
const LIVE_AT_VERSION = 'attribute_exists(PK) AND attribute_not_exists(deletedAt) AND version = :version';

export class DynamoGoalRepository implements GoalRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(goal: GoalRecord): Promise<'ok' | 'workspace-gone'> {
    const put = {
      TableName: this.tableName,
      Item: goalItem(goal),
      ConditionExpression: 'attribute_not_exists(PK)',
    };
    if (!goal.workspaceId) {
      await this.ddb.send(new PutCommand(put));
      return 'ok';
    }
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: put },
            // A workspace deleted since the membership check gets no orphan goal.
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: keys.workspace(goal.workspaceId),
                ConditionExpression: 'attribute_exists(PK)',
              },
            },
          ],
        }),
      );
      return 'ok';
    } catch (error) {
      if (failedConditions(error)?.[1]) return 'workspace-gone';
      throw error;
    }
  }

  async getWithMembership(
    goalId: string,
    userId: string,
  ): Promise<{ goal?: GoalRecord; membership?: MembershipRecord }> {
    const kind = goalKind(goalId);
    if (!kind) return {};
    if ('personal' in kind) {
      const { Item } = await this.ddb.send(
        new GetCommand({ TableName: this.tableName, Key: keys.goal(goalId), ConsistentRead: true }),
      );
      return { goal: Item ? toGoal(Item) : undefined };
    }
    const { item, membership } = await readWithMembership(
      this.ddb,
      this.tableName,
      keys.goal(goalId),
      kind.workspaceId,
      userId,
    );
    return { goal: item ? toGoal(item) : undefined, membership };
  }

  listPersonal(userId: string, limit: number, cursor?: string): Promise<Page<GoalRecord>> {
    return this.listOf(keys.personalGoalsOf(userId), limit, cursor);
  }

  listOfWorkspace(workspaceId: string, limit: number, cursor?: string): Promise<Page<GoalRecord>> {
    return this.listOf(keys.workspaceGoalsOf(workspaceId), limit, cursor);
  }

  private async listOf(pk: string, limit: number, cursor?: string): Promise<Page<GoalRecord>> {
    const page = await queryPage(
      this.ddb,
      {
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        Limit: limit,
      },
      { name: 'GSI1PK', value: pk },
      cursor,
    );
    return { items: page.items.map(toGoal), nextCursor: page.nextCursor };
  }

  async update(
    goal: GoalRecord,
    changes: GoalChanges,
    version: number,
    now: string,
  ): Promise<GoalUpdateOutcome> {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt', '#version': 'version' };
    const values: Record<string, unknown> = { ':now': now, ':one': 1, ':version': version };
    const sets = ['#updatedAt = :now'];
    const removes: string[] = [];
    for (const field of CHANGEABLE) {
      const value = changes[field];
      if (value === undefined) continue;
      names[`#${field}`] = field;
      if (value === null) {
        removes.push(`#${field}`);
      } else {
        values[`:${field}`] = value;
        sets.push(`#${field} = :${field}`);
      }
    }
    try {
      // Only the fields sent: the counters the task transactions ADD to are never written here.
      const { Attributes } = await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.goal(goal.id),
          UpdateExpression: [
            `SET ${sets.join(', ')}`,
            removes.length ? `REMOVE ${removes.join(', ')}` : '',
            'ADD #version :one',
          ].join(' '),
          ConditionExpression: LIVE_AT_VERSION,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: toGoal(Attributes!) };
    } catch (error) {
      return this.refused(error);
    }
  }

  async delete(goal: GoalRecord, version: number, now: string): Promise<GoalDeleteOutcome> {
    try {
      // A tombstone, not a DeleteItem: a task unlinked later ADDs to the counters, which would re-create a
      // deleted item as a bare counter. Leaving GSI1 takes it off its list in the same write.
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.goal(goal.id),
          UpdateExpression: 'SET deletedAt = :now, updatedAt = :now REMOVE GSI1PK, GSI1SK ADD version :one',
          ConditionExpression: LIVE_AT_VERSION,
          ExpressionAttributeValues: { ':now': now, ':one': 1, ':version': version },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true };
    } catch (error) {
      return this.refused(error);
    }
  }

  /** A failed condition: a live goal at another version is a conflict; a missing or deleted one is gone. */
  private refused(error: unknown): { conflict: GoalRecord } | { missing: true } {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const current = oldItemOf(error);
    return current && !current.deletedAt ? { conflict: toGoal(current) } : { missing: true };
  }
}
