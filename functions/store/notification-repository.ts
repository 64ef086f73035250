import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NotificationPrefs } from '#shared/schemas/me';
import type {
  NotificationRecord,
  NotificationRepository,
  NotifierRepository,
  NotifyContext,
} from '#functions/domain/notifications';
import type { Page } from '#functions/lib/pagination';
import { batchGetAll, queryAll, queryPage, putIfAbsent, writeIf } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';
import { toTask } from './task-repository.ts';
import { DynamoUserRepository } from './user-repository.ts';

type Item = Record<string, unknown>;

/** How long a notification is kept (read or not). */
export const NOTIFICATION_TTL_SECONDS = 90 * 24 * 3600;

export const toNotification = (item: Item): NotificationRecord => ({
  id: item.id as string,
  userId: item.userId as string,
  kind: item.kind as NotificationRecord['kind'],
  workspaceId: item.workspaceId as string,
  projectId: (item.projectId as string | undefined) ?? null,
  taskId: (item.taskId as string | undefined) ?? null,
  actorId: item.actorId as string,
  title: item.title as string,
  excerpt: (item.excerpt as string | undefined) ?? null,
  link: item.link as string,
  createdAt: item.createdAt as string,
  readAt: (item.readAt as string | undefined) ?? null,
});

/**
 * Notifications: `USER#<id>#NOTIFS` / `NOTIF#<ulid>`, newest last in SK order; unread ones also on GSI1
 * (`USER#<id>#UNREAD`), removed from it when read. See docs/data-model.md.
 */
export class DynamoNotificationRepository implements NotificationRepository, NotifierRepository {
  private readonly users: DynamoUserRepository;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.users = new DynamoUserRepository(ddb, tableName);
  }

  async context(
    workspaceId: string,
    taskId: string | null,
    projectId: string | null,
    userIds: string[],
  ): Promise<NotifyContext> {
    const wanted = taskId ? [keys.task(taskId)] : [];
    if (projectId) wanted.push(keys.project(workspaceId, projectId));
    const [items, members, names] = await Promise.all([
      wanted.length ? batchGetAll(this.ddb, this.tableName, wanted) : Promise.resolve([]),
      queryAll(this.ddb, {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :member)',
        ExpressionAttributeValues: { ':pk': keys.workspace(workspaceId).PK, ':member': keys.memberPrefix },
        ProjectionExpression: 'SK',
        ConsistentRead: true,
      }),
      this.users.names(userIds),
    ]);
    const taskItem = items.find((item) => item.type === ItemType.Task);
    const projectItem = items.find((item) => item.type === ItemType.Project && !item.deletedAt);
    const task = taskItem ? toTask(taskItem) : undefined;
    const projectKey = projectItem?.key as string | undefined;
    return {
      task,
      projectKey,
      taskKey: task && projectKey ? `${projectKey}-${task.number}` : undefined,
      memberIds: new Set(members.map((item) => String(item.SK).slice(keys.memberPrefix.length))),
      names,
    };
  }

  async prefsOf(userIds: string[]): Promise<Map<string, NotificationPrefs | null>> {
    const items = await batchGetAll(this.ddb, this.tableName, userIds.map(keys.user));
    const prefs = new Map<string, NotificationPrefs | null>(userIds.map((id) => [id, null]));
    for (const item of items) {
      prefs.set(item.id as string, (item.notificationPrefs as NotificationPrefs | undefined) ?? null);
    }
    return prefs;
  }

  async putIfAbsent(record: NotificationRecord): Promise<boolean> {
    const item: Item = {
      ...keys.notification(record.userId, record.id),
      ...keys.unreadNotification(record.userId, record.id),
      type: ItemType.Notification,
      ...record,
      ttl: Math.floor(Date.parse(record.createdAt) / 1000) + NOTIFICATION_TTL_SECONDS,
    };
    for (const field of ['projectId', 'taskId', 'excerpt', 'readAt'] as const) {
      if (item[field] === null) delete item[field];
    }
    return putIfAbsent(this.ddb, this.tableName, item);
  }

  async list(
    userId: string,
    unreadOnly: boolean,
    limit: number,
    cursor?: string,
  ): Promise<Page<NotificationRecord>> {
    const partition = unreadOnly
      ? { name: 'GSI1PK', value: keys.unreadOf(userId) }
      : { name: 'PK', value: keys.notificationsOf(userId) };
    const page = await queryPage(
      this.ddb,
      {
        TableName: this.tableName,
        ...(unreadOnly ? { IndexName: 'GSI1' } : { ConsistentRead: true }),
        KeyConditionExpression: `${partition.name} = :pk`,
        ExpressionAttributeValues: { ':pk': partition.value },
        ScanIndexForward: false,
        Limit: limit,
      },
      partition,
      cursor,
    );
    return { items: page.items.map(toNotification), nextCursor: page.nextCursor };
  }

  async unreadCount(userId: string): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'GSI1',
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': keys.unreadOf(userId) },
          Select: 'COUNT',
          ExclusiveStartKey: start,
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async unreadIds(userId: string): Promise<string[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.unreadOf(userId) },
      ProjectionExpression: 'id',
    });
    return items.map((item) => item.id as string);
  }

  /** One conditional update each (only an unread notification of this user changes), ten at a time. */
  async markRead(userId: string, ids: string[], at: string): Promise<void> {
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 10) {
      await Promise.all(
        unique.slice(i, i + 10).map((id) =>
          writeIf(() =>
            this.ddb.send(
              new UpdateCommand({
                TableName: this.tableName,
                Key: keys.notification(userId, id),
                UpdateExpression: 'SET readAt = :at REMOVE GSI1PK, GSI1SK',
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(readAt)',
                ExpressionAttributeValues: { ':at': at },
              }),
            ),
          ),
        ),
      );
    }
  }
}
