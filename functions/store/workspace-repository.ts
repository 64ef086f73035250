import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Role } from '#shared/schemas/workspaces';
import type { Page } from '#functions/lib/pagination';
import type {
  MembershipRecord,
  UpdateOutcome,
  WorkspaceRecord,
  WorkspaceRepository,
} from '#functions/domain/workspaces';
import { batchGetAll, failedConditions, oldItemOf, queryPage, queryPages, writeIf } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';

const toWorkspace = (item: Record<string, unknown>): WorkspaceRecord => ({
  id: item.id as string,
  name: item.name as string,
  createdAt: item.createdAt as string,
  updatedAt: item.updatedAt as string,
  version: item.version as number,
  ownerCount: item.ownerCount as number,
  memberCount: item.memberCount as number,
});

export const toMembership = (item: Record<string, unknown>): MembershipRecord => ({
  workspaceId: item.workspaceId as string,
  userId: item.userId as string,
  role: item.role as Role,
  email: item.email as string,
  joinedAt: item.joinedAt as string,
});

const membershipItem = (m: MembershipRecord) => ({
  ...keys.member(m.workspaceId, m.userId),
  ...keys.membershipByUser(m.userId, m.workspaceId),
  type: ItemType.Member,
  ...m,
});

/**
 * An item of a workspace and the user's membership of that workspace, in one BatchGetItem (what every
 * request on something inside a workspace starts with; see docs/data-model.md, "Membership checks").
 */
export async function readWithMembership(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  key: { PK: string; SK: string },
  workspaceId: string,
  userId: string,
): Promise<{ item?: Record<string, unknown>; membership?: MembershipRecord }> {
  const memberKey = keys.member(workspaceId, userId);
  const items = await batchGetAll(ddb, tableName, [key, memberKey]);
  const find = (k: { PK: string; SK: string }) => items.find((i) => i.PK === k.PK && i.SK === k.SK);
  const membership = find(memberKey);
  return { item: find(key), membership: membership ? toMembership(membership) : undefined };
}

export class DynamoWorkspaceRepository implements WorkspaceRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(workspace: WorkspaceRecord, owner: MembershipRecord): Promise<void> {
    await this.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...keys.workspace(workspace.id), type: ItemType.Workspace, ...workspace },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          { Put: { TableName: this.tableName, Item: membershipItem(owner) } },
        ],
      }),
    );
  }

  async getWithMembership(workspaceId: string, userId: string) {
    const { item, membership } = await readWithMembership(
      this.ddb,
      this.tableName,
      keys.workspace(workspaceId),
      workspaceId,
      userId,
    );
    return { workspace: item ? toWorkspace(item) : undefined, membership };
  }

  async membershipsOf(userId: string, limit: number, cursor?: string): Promise<Page<MembershipRecord>> {
    const pk = keys.membershipsOf(userId);
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
    return { items: page.items.map(toMembership), nextCursor: page.nextCursor };
  }

  async getMany(workspaceIds: string[]): Promise<WorkspaceRecord[]> {
    const items = await batchGetAll(this.ddb, this.tableName, workspaceIds.map(keys.workspace));
    return items.map(toWorkspace);
  }

  async rename(
    workspaceId: string,
    name: string,
    version: number,
    now: string,
  ): Promise<UpdateOutcome<WorkspaceRecord>> {
    try {
      const { Attributes } = await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.workspace(workspaceId),
          UpdateExpression: 'SET #name = :name, updatedAt = :now ADD version :one',
          ConditionExpression: 'attribute_exists(PK) AND version = :version',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':name': name, ':now': now, ':one': 1, ':version': version },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: toWorkspace(Attributes!) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const current = oldItemOf(error);
        return current ? { conflict: toWorkspace(current) } : { missing: true };
      }
      throw error;
    }
  }

  async delete(workspaceId: string): Promise<boolean> {
    const deleted = await writeIf(() =>
      this.ddb.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.workspace(workspaceId),
          ConditionExpression: 'attribute_exists(PK)',
        }),
      ),
    );
    if (!deleted) return false;
    // The workspace item is gone first: from then on no read shows it, and lists skip memberships without it.
    // The memberships themselves go next, so nobody keeps a dangling entry.
    const memberKeys = queryPages(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :member)',
      ExpressionAttributeValues: { ':pk': keys.workspace(workspaceId).PK, ':member': keys.memberPrefix },
      ProjectionExpression: 'PK, SK',
    });
    for await (const page of memberKeys) {
      for (let i = 0; i < page.length; i += 25) {
        let pending = page.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
        while (pending.length) {
          const { UnprocessedItems } = await this.ddb.send(
            new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
          );
          pending = (UnprocessedItems?.[this.tableName] as typeof pending | undefined) ?? [];
        }
      }
    }
    return true;
  }

  async members(workspaceId: string, limit: number, cursor?: string): Promise<Page<MembershipRecord>> {
    const pk = keys.workspace(workspaceId).PK;
    const page = await queryPage(
      this.ddb,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :member)',
        ExpressionAttributeValues: { ':pk': pk, ':member': keys.memberPrefix },
        Limit: limit,
        ConsistentRead: true,
      },
      { name: 'PK', value: pk },
      cursor,
    );
    return { items: page.items.map(toMembership), nextCursor: page.nextCursor };
  }

  async getMembership(workspaceId: string, userId: string): Promise<MembershipRecord | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.member(workspaceId, userId),
        ConsistentRead: true,
      }),
    );
    return Item ? toMembership(Item) : undefined;
  }

  /** The workspace-item part of a membership change: member and owner counts, never below one owner. */
  private countsUpdate(workspaceId: string, ownerDelta: number, memberDelta: number) {
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.workspace(workspaceId),
        UpdateExpression: 'ADD ownerCount :owners, memberCount :members',
        ConditionExpression:
          ownerDelta < 0 ? 'attribute_exists(PK) AND ownerCount > :one' : 'attribute_exists(PK)',
        ExpressionAttributeValues: {
          ':owners': ownerDelta,
          ':members': memberDelta,
          ...(ownerDelta < 0 ? { ':one': 1 } : {}),
        },
      },
    };
  }

  private async membershipChange(
    memberPart: object,
    workspaceId: string,
    ownerDelta: number,
    memberDelta: number,
  ): Promise<'ok' | 'last-owner' | 'changed'> {
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [memberPart, this.countsUpdate(workspaceId, ownerDelta, memberDelta)],
        }),
      );
      return 'ok';
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[0]) return 'changed';
      if (failed?.[1]) return 'last-owner';
      throw error;
    }
  }

  setRole(membership: MembershipRecord, to: Role) {
    const ownerDelta = (to === 'owner' ? 1 : 0) - (membership.role === 'owner' ? 1 : 0);
    return this.membershipChange(
      {
        Update: {
          TableName: this.tableName,
          Key: keys.member(membership.workspaceId, membership.userId),
          UpdateExpression: 'SET #role = :to',
          ConditionExpression: '#role = :from',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':to': to, ':from': membership.role },
        },
      },
      membership.workspaceId,
      ownerDelta,
      0,
    );
  }

  removeMember(membership: MembershipRecord) {
    return this.membershipChange(
      {
        Delete: {
          TableName: this.tableName,
          Key: keys.member(membership.workspaceId, membership.userId),
          ConditionExpression: '#role = :role',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':role': membership.role },
        },
      },
      membership.workspaceId,
      membership.role === 'owner' ? -1 : 0,
      -1,
    );
  }
}
