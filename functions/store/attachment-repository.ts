import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  UpdateCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  isImageType,
  type AttachmentStatus,
  type AttachmentType,
  type ThumbnailStatus,
} from '#shared/schemas/attachments';
import type {
  ThumbnailOutcome,
  ThumbnailRecordOutcome,
  ThumbnailRepository,
} from '#functions/domain/thumbnails';
import { workspaceOf } from '#functions/lib/ids';
import type {
  AttachmentRead,
  AttachmentRecord,
  AttachmentRepository,
  AttachmentWriteOutcome,
} from '#functions/domain/attachments';
import { batchGetAll, oldItemOf, queryAll, transactWrite, type TransactOutcome } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';
import { TASK_LIVE } from './subtask-repository.ts';
import { DynamoTaskRepository, toTask } from './task-repository.ts';
import { toMembership } from './workspace-repository.ts';

type Item = Record<string, unknown>;
type TransactParts = NonNullable<TransactWriteCommandInput['TransactItems']>;

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * The stored item, in its task's partition (`ATTACH#<id>`); nulls not stored. A pending one carries its TTL and
 * the expiring-uploads index keys (GSI2), which the confirm removes.
 */
export function attachmentItem(attachment: AttachmentRecord): Item {
  const item: Item = { ...keys.attachment(attachment.taskId, attachment.id), type: ItemType.Attachment };
  for (const [field, value] of Object.entries(attachment)) if (value !== null) item[field] = value;
  if (attachment.status === 'pending' && attachment.expiresAt) {
    Object.assign(item, keys.uploadExpiring(attachment.expiresAt, attachment.id));
    item.ttl = epochSeconds(attachment.expiresAt);
  }
  return item;
}

export const toAttachment = (item: Item): AttachmentRecord => ({
  id: item.id as string,
  taskId: item.taskId as string,
  projectId: item.projectId as string,
  workspaceId: item.workspaceId as string,
  fileName: item.fileName as string,
  contentType: item.contentType as AttachmentType,
  size: item.size as number,
  status: item.status as AttachmentStatus,
  uploadedBy: item.uploadedBy as string,
  createdAt: item.createdAt as string,
  readyAt: (item.readyAt as string | undefined) ?? null,
  // An image uploaded before thumbnails existed carries no status: still pending upload, its confirm hands it to
  // the worker like any other; already ready, it never will be (null: shown with a file icon).
  thumbnailStatus:
    (item.thumbnailStatus as ThumbnailStatus | undefined) ??
    (isImageType(item.contentType as string) && item.status === 'pending' ? 'pending' : null),
  expiresAt: (item.expiresAt as string | undefined) ?? null,
});

/** Tries of a delete whose cover condition lost to a concurrent cover change (each try flips what it expects). */
const COVER_TRIES = 3;

/** The outcome of an attachment transaction whose part 0 is on the task and part 1 on the attachment. */
function outcomeOf(outcome: TransactOutcome, taskFull?: (task: Item) => boolean): AttachmentWriteOutcome {
  if ('ok' in outcome || 'busy' in outcome) return outcome;
  if (outcome.failed[0]) {
    const task = outcome.old[0];
    if (task && !task.deletedAt && taskFull?.(task)) return { full: true };
    return { task: task ? toTask(task) : undefined };
  }
  if (outcome.failed[1]) {
    const current = outcome.old[1];
    return { attachment: current ? toAttachment(current) : undefined };
  }
  throw new Error('An attachment transaction failed a condition it does not have');
}

export class DynamoAttachmentRepository implements AttachmentRepository, ThumbnailRepository {
  private readonly tasks: DynamoTaskRepository;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.tasks = new DynamoTaskRepository(ddb, tableName);
  }

  async read(taskId: string, userId: string, attachmentId?: string): Promise<AttachmentRead> {
    const taskKey = keys.task(taskId);
    const memberKey = keys.member(workspaceOf(taskId)!, userId);
    const attachmentKey = attachmentId ? keys.attachment(taskId, attachmentId) : undefined;
    const items = await batchGetAll(this.ddb, this.tableName, [
      taskKey,
      memberKey,
      ...(attachmentKey ? [attachmentKey] : []),
    ]);
    const find = (key: { PK: string; SK: string } | undefined) =>
      key && items.find((i) => i.PK === key.PK && i.SK === key.SK);
    const task = find(taskKey);
    const membership = find(memberKey);
    const attachment = find(attachmentKey);
    return {
      task: task ? toTask(task) : undefined,
      membership: membership ? toMembership(membership) : undefined,
      attachment: attachment ? toAttachment(attachment) : undefined,
      taskBytes: (task?.attachmentBytes as number | undefined) ?? 0,
    };
  }

  getProject(workspaceId: string, projectId: string) {
    return this.tasks.getProject(workspaceId, projectId);
  }

  async list(taskId: string): Promise<AttachmentRecord[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.task(taskId).PK, ':prefix': keys.attachmentPrefix },
      ConsistentRead: true,
    });
    return items.map(toAttachment);
  }

  private taskLive(taskId: string): TransactParts[number] {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: keys.task(taskId),
        ConditionExpression: TASK_LIVE,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  async insert(attachment: AttachmentRecord): Promise<AttachmentWriteOutcome> {
    return outcomeOf(
      await transactWrite(this.ddb, [
        this.taskLive(attachment.taskId),
        {
          Put: {
            TableName: this.tableName,
            Item: attachmentItem(attachment),
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      ]),
    );
  }

  async markReady(
    attachment: AttachmentRecord,
    ready: AttachmentRecord,
    now: Date,
    maxBytes: number,
  ): Promise<AttachmentWriteOutcome> {
    const limit = maxBytes - attachment.size;
    return outcomeOf(
      await transactWrite(this.ddb, [
        {
          Update: {
            TableName: this.tableName,
            Key: keys.task(attachment.taskId),
            UpdateExpression: 'ADD attachmentCount :one, attachmentBytes :size',
            // The limit, atomically: concurrent confirms on one task serialize on this item.
            ConditionExpression: `${TASK_LIVE} AND (attribute_not_exists(attachmentBytes) OR attachmentBytes <= :limit)`,
            ExpressionAttributeValues: { ':one': 1, ':size': attachment.size, ':limit': limit },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: keys.attachment(attachment.taskId, attachment.id),
            UpdateExpression: 'SET #status = :ready, readyAt = :at REMOVE expiresAt, #ttl, GSI2PK, GSI2SK',
            ConditionExpression: '#status = :pending AND expiresAt > :now',
            ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':ready': 'ready',
              ':pending': 'pending',
              ':at': ready.readyAt,
              ':now': now.toISOString(),
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ]),
      (task) => ((task.attachmentBytes as number | undefined) ?? 0) > limit,
    );
  }

  async remove(attachment: AttachmentRecord, wasCover: boolean): Promise<AttachmentWriteOutcome> {
    // A ready attachment may be its task's cover: the delete clears it in the same transaction. Whether it is was
    // read a moment ago; if a concurrent cover change made that wrong, the other variant is tried.
    let isCover = wasCover;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.removeOnce(attachment, isCover);
      const task = 'task' in outcome ? outcome.task : undefined;
      const coverMismatch = task && !task.deletedAt && (task.coverAttachmentId === attachment.id) !== isCover;
      if (!coverMismatch || attempt >= COVER_TRIES) return outcome;
      isCover = !isCover;
    }
  }

  private async removeOnce(attachment: AttachmentRecord, isCover: boolean): Promise<AttachmentWriteOutcome> {
    const key = keys.attachment(attachment.taskId, attachment.id);
    const deleteIt: TransactParts[number] = {
      Delete: {
        TableName: this.tableName,
        Key: key,
        ConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': attachment.status },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
    const cover = isCover
      ? { update: ' REMOVE coverAttachmentId', condition: ' AND coverAttachmentId = :id' }
      : {
          update: '',
          condition: ' AND (attribute_not_exists(coverAttachmentId) OR coverAttachmentId <> :id)',
        };
    const onTask: TransactParts[number] =
      attachment.status === 'ready'
        ? {
            Update: {
              TableName: this.tableName,
              Key: keys.task(attachment.taskId),
              UpdateExpression: `ADD attachmentCount :minusOne, attachmentBytes :minusSize${cover.update}`,
              ConditionExpression: `${TASK_LIVE}${cover.condition}`,
              ExpressionAttributeValues: {
                ':minusOne': -1,
                ':minusSize': -attachment.size,
                ':id': attachment.id,
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          }
        : this.taskLive(attachment.taskId);
    return outcomeOf(await transactWrite(this.ddb, [onTask, deleteIt]));
  }

  async recordThumbnail(
    attachment: Pick<AttachmentRecord, 'taskId' | 'id'>,
    outcome: ThumbnailOutcome,
  ): Promise<ThumbnailRecordOutcome> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.attachment(attachment.taskId, attachment.id),
          UpdateExpression: 'SET #thumb = :outcome',
          // Still there, ready, and not recorded yet (a repeated delivery finds its own outcome there).
          ConditionExpression: '#status = :ready AND (attribute_not_exists(#thumb) OR #thumb = :pending)',
          ExpressionAttributeNames: { '#status': 'status', '#thumb': 'thumbnailStatus' },
          ExpressionAttributeValues: { ':outcome': outcome, ':ready': 'ready', ':pending': 'pending' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { recorded: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const old = oldItemOf(error);
      return { current: old ? toAttachment(old) : undefined };
    }
  }
}
