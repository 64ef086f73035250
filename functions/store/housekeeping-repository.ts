import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { HousekeepingRepository, PendingUpload } from '#functions/domain/housekeeping';
import type { TaskRecord } from '#functions/domain/tasks';
import { DynamoCleanupRepository } from './cleanup-repository.ts';
import { queryPages, shardQueries, writeIf } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';
import { toTask } from './task-repository.ts';

/** Tasks a purge page takes (one unit of work: each task's whole partition). */
const PURGE_PAGE = 25;

/**
 * The housekeeping's reads (GSI2 `DELETED#<day>#<shard>` on deleted task items, see taskItem) and its deletes,
 * which are the clean-up's own (`DynamoCleanupRepository.deleteTasks`, the path a deleted project's tasks take).
 */
export class DynamoHousekeepingRepository implements HousekeepingRepository {
  private readonly cleanup: DynamoCleanupRepository;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.cleanup = new DynamoCleanupRepository(ddb, tableName);
  }

  async *deletedOn(day: string): AsyncIterable<TaskRecord[]> {
    const partition = (shard: number) => keys.deletedOnDayShard(day, shard);
    for (const query of shardQueries(this.tableName, 'GSI2', partition, { Limit: PURGE_PAGE })) {
      for await (const page of queryPages(this.ddb, query)) {
        const tasks = page.filter((item) => item.type === ItemType.Task).map(toTask);
        if (tasks.length) yield tasks;
      }
    }
  }

  async *uploadsExpiringOn(day: string): AsyncIterable<PendingUpload[]> {
    const partition = (shard: number) => keys.uploadsExpiringShard(day, shard);
    for (const query of shardQueries(this.tableName, 'GSI2', partition, { Limit: PURGE_PAGE })) {
      for await (const page of queryPages(this.ddb, query)) {
        const uploads = page
          .filter((item) => item.type === ItemType.Attachment && item.status === 'pending')
          .map((item) => ({
            taskId: item.taskId as string,
            attachmentId: item.id as string,
            expiresAt: item.expiresAt as string,
          }));
        if (uploads.length) yield uploads;
      }
    }
  }

  /** One conditional DeleteItem each: an upload confirmed meanwhile (no longer pending) stays. */
  async deletePendingUploads(uploads: PendingUpload[]): Promise<void> {
    await Promise.all(
      uploads.map((upload) =>
        writeIf(() =>
          this.ddb.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: keys.attachment(upload.taskId, upload.attachmentId),
              ConditionExpression: '#status = :pending',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':pending': 'pending' },
            }),
          ),
        ),
      ),
    );
  }

  deleteTasks(taskIds: string[]): Promise<void> {
    return this.cleanup.deleteTasks(taskIds);
  }
}
