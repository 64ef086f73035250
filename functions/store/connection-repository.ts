import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { WEBSOCKET_CONNECTION_TTL_SECONDS } from '#infra/definitions';
import type { ConnectionRecord, LiveRepository, SubscriptionRecord } from '#functions/domain/live';
import { queryAll, writeIf } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';

export type Connection = Omit<ConnectionRecord, 'projectIds'>;

type Item = Record<string, unknown>;

const toConnection = (item: Item): ConnectionRecord => ({
  connectionId: item.connectionId as string,
  userId: item.userId as string,
  email: (item.email as string | undefined) ?? '',
  connectedAt: item.connectedAt as string,
  projectIds: [...((item.projectIds as Set<string> | undefined) ?? [])],
});

export const toSubscription = (item: Item): SubscriptionRecord => ({
  connectionId: item.connectionId as string,
  userId: item.userId as string,
  projectId: item.projectId as string,
  workspaceId: item.workspaceId as string,
  session: item.session as string,
  viewing: (item.viewing as string | undefined) ?? null,
  editing: (item.editing as string | undefined) ?? null,
  subscribedAt: item.subscribedAt as string,
  updatedAt: item.updatedAt as string,
});

/**
 * WebSocket connections and their project subscriptions. A connection item (`CONN#<cid>`) lists the projects it
 * is subscribed to (`projectIds`, a string set), so `$disconnect` finds its subscriptions without a query; each
 * subscription lives in its project's subscriber partition (`PROJECT#<pid>#SUBS`), which the broadcast reads with
 * one Query. Both expire with the 2 h API Gateway connection limit (TTL), in case `$disconnect` never runs.
 */
export class ConnectionRepository implements LiveRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private static expiryOf(connectedAt: string): number {
    return Math.floor(Date.parse(connectedAt) / 1000) + WEBSOCKET_CONNECTION_TTL_SECONDS;
  }

  async save(connection: Connection): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.connection(connection.connectionId),
          ...keys.connectionByUser(connection.userId, connection.connectionId),
          type: ItemType.Connection,
          ...connection,
          ttl: ConnectionRepository.expiryOf(connection.connectedAt),
        },
      }),
    );
  }

  async connection(connectionId: string): Promise<ConnectionRecord | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: keys.connection(connectionId), ConsistentRead: true }),
    );
    return Item ? toConnection(Item) : undefined;
  }

  async subscribe(subscription: SubscriptionRecord, connectedAt: string): Promise<boolean> {
    const item: Item = {
      ...keys.subscription(subscription.projectId, subscription.connectionId),
      type: ItemType.Subscription,
      ...subscription,
      ttl: ConnectionRepository.expiryOf(connectedAt),
    };
    for (const field of ['viewing', 'editing'] as const) if (item[field] === null) delete item[field];
    try {
      // One transaction: a subscription never exists without its connection knowing of it (for $disconnect).
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.connection(subscription.connectionId),
                UpdateExpression: 'ADD projectIds :project',
                ConditionExpression: 'attribute_exists(PK)',
                ExpressionAttributeValues: { ':project': new Set([subscription.projectId]) },
              },
            },
            { Put: { TableName: this.tableName, Item: item } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'TransactionCanceledException') return false;
      throw error;
    }
  }

  async unsubscribe(connectionId: string, projectId: string): Promise<void> {
    await this.removeSubscription(projectId, connectionId);
    await writeIf(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.connection(connectionId),
          UpdateExpression: 'DELETE projectIds :project',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':project': new Set([projectId]) },
        }),
      ),
    );
  }

  async setPresence(
    subscription: Pick<
      SubscriptionRecord,
      'connectionId' | 'projectId' | 'viewing' | 'editing' | 'updatedAt'
    >,
  ): Promise<boolean> {
    const set = ['updatedAt = :at'];
    const remove: string[] = [];
    const values: Item = { ':at': subscription.updatedAt };
    for (const field of ['viewing', 'editing'] as const) {
      const value = subscription[field];
      if (value === null) remove.push(field);
      else {
        set.push(`${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    return writeIf(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.subscription(subscription.projectId, subscription.connectionId),
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async subscribers(projectId: string): Promise<SubscriptionRecord[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.subscribersOf(projectId) },
      ConsistentRead: true,
    });
    return items.map(toSubscription);
  }

  async memberIds(workspaceId: string): Promise<Set<string>> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :member)',
      ExpressionAttributeValues: { ':pk': keys.workspace(workspaceId).PK, ':member': keys.memberPrefix },
      ProjectionExpression: 'SK',
      ConsistentRead: true,
    });
    return new Set(items.map((item) => String(item.SK).slice(keys.memberPrefix.length)));
  }

  /** The ids of a user's open connections (GSI1, `USER#<id>#CONNS`): where a user's own news goes. */
  async connectionsOf(userId: string): Promise<string[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.connectionByUser(userId, '').GSI1PK },
      ProjectionExpression: 'connectionId',
    });
    return items.map((item) => item.connectionId as string);
  }

  async removeConnection(connectionId: string): Promise<void> {
    const { Attributes } = await this.ddb.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: keys.connection(connectionId),
        ReturnValues: 'ALL_OLD',
      }),
    );
    const projectIds = Attributes ? toConnection(Attributes).projectIds : [];
    await Promise.all(projectIds.map((projectId) => this.removeSubscription(projectId, connectionId)));
  }

  async removeSubscription(projectId: string, connectionId: string): Promise<void> {
    // Only when it is there: a delete of nothing must not look like a leave to anyone reading the stream.
    await writeIf(() =>
      this.ddb.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.subscription(projectId, connectionId),
          ConditionExpression: 'attribute_exists(PK)',
        }),
      ),
    );
  }
}
