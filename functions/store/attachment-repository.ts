import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AttachmentStatus, AttachmentType } from '#shared/schemas/attachments';
import { workspaceOf } from '#functions/lib/ids';
import type {
  AttachmentRead,
  AttachmentRecord,
  AttachmentRepository,
  AttachmentWriteOutcome,
} from '#functions/domain/attachments';
import { batchGetAll, queryAll, transactWrite, type TransactOutcome } from './dynamo.ts';
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
  expiresAt: (item.expiresAt as string | undefined) ?? null,
});

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

export class DynamoAttachmentRepository implements AttachmentRepository {
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

  async remove(attachment: AttachmentRecord): Promise<AttachmentWriteOutcome> {
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
    const onTask: TransactParts[number] =
      attachment.status === 'ready'
        ? {
            Update: {
              TableName: this.tableName,
              Key: keys.task(attachment.taskId),
              UpdateExpression: 'ADD attachmentCount :minusOne, attachmentBytes :minusSize',
              ConditionExpression: TASK_LIVE,
              ExpressionAttributeValues: { ':minusOne': -1, ':minusSize': -attachment.size },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          }
        : this.taskLive(attachment.taskId);
    return outcomeOf(await transactWrite(this.ddb, [onTask, deleteIt]));
  }
}
