import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NotificationPrefs } from '#shared/schemas/me';
import {
  memberKey,
  type DueEntry,
  type ReminderProfile,
  type ReminderReads,
  type ReminderRepository,
} from '#functions/domain/reminders';
import { batchGetAll, putIfAbsent, queryPages, shardQueries } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';
import { toTask } from './task-repository.ts';

type Item = Record<string, unknown>;

/**
 * The reminders' reads and markers. Entries come from the sparse GSI1 `DUE#<date>#<shard>` on assignment items
 * (written by the task transactions, see assignmentItem in task-repository.ts): one Query per shard, no Scan.
 */
export class DynamoReminderRepository implements ReminderRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async *dueOn(dueDate: string): AsyncIterable<DueEntry[]> {
    for (const query of shardQueries(this.tableName, 'GSI1', (shard) => keys.dueOnShard(dueDate, shard))) {
      const entries: DueEntry[] = [];
      for await (const page of queryPages(this.ddb, query)) {
        for (const item of page) {
          if (item.type !== ItemType.Assignment) continue;
          entries.push({
            userId: item.userId as string,
            taskId: item.taskId as string,
            workspaceId: item.workspaceId as string,
            projectId: item.projectId as string,
            dueDate: item.dueDate as string,
          });
        }
      }
      // A person's entries of a day are all in one shard: one array per shard keeps them together.
      yield entries;
    }
  }

  async profiles(userIds: string[]): Promise<Map<string, ReminderProfile>> {
    const items = await batchGetAll(this.ddb, this.tableName, [...new Set(userIds)].map(keys.user), false);
    const profiles = new Map<string, ReminderProfile>();
    for (const item of items) {
      if (typeof item.email !== 'string') continue;
      profiles.set(item.id as string, {
        userId: item.id as string,
        email: item.email,
        name: typeof item.name === 'string' ? item.name : item.email,
        timezone: typeof item.timezone === 'string' ? item.timezone : null,
        notificationPrefs: (item.notificationPrefs as NotificationPrefs | undefined) ?? null,
      });
    }
    return profiles;
  }

  /** The entries' tasks, projects and the assignees' memberships, in BatchGetItems of 100 keys. */
  async read(entries: DueEntry[]): Promise<ReminderReads> {
    const wanted = new Map<string, Record<string, string>>();
    const add = (key: Record<string, string>) => wanted.set(`${key.PK}|${key.SK}`, key);
    for (const e of entries) {
      add(keys.task(e.taskId));
      add(keys.project(e.workspaceId, e.projectId));
      add(keys.member(e.workspaceId, e.userId));
    }
    const reads: ReminderReads = { tasks: new Map(), projects: new Map(), members: new Set() };
    for (const item of await batchGetAll(this.ddb, this.tableName, [...wanted.values()])) {
      if (item.type === ItemType.Task) reads.tasks.set(item.id as string, toTask(item));
      else if (item.type === ItemType.Member)
        reads.members.add(memberKey(item.workspaceId as string, item.userId as string));
      else if (item.type === ItemType.Project && !item.deletedAt)
        reads.projects.set(item.id as string, toReminderProject(item));
    }
    return reads;
  }

  claim(userId: string, dueDate: string, expiresAt: number): Promise<boolean> {
    return putIfAbsent(this.ddb, this.tableName, {
      ...keys.reminder(userId, dueDate),
      type: ItemType.Reminder,
      userId,
      dueDate,
      sentAt: new Date().toISOString(),
      ttl: expiresAt,
    });
  }

  async release(userId: string, dueDate: string): Promise<void> {
    await this.ddb.send(
      new DeleteCommand({ TableName: this.tableName, Key: keys.reminder(userId, dueDate) }),
    );
  }
}

const toReminderProject = (item: Item) => ({
  id: item.id as string,
  workspaceId: item.workspaceId as string,
  key: item.key as string,
  name: item.name as string,
  archived: item.archived === true,
});
