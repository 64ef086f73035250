import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NotificationPrefs } from '#shared/schemas/me';
import type { MailBatch, MailerRepository, MailProfile } from '#functions/domain/notification-email';
import type { NotificationRecord } from '#functions/domain/notifications';
import { batchGetAll, putIfAbsent, queryPages, shardQueries, writeIf } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';
import { toNotification } from './notification-repository.ts';

/** A batch left behind (its message lost for good) expires after a day. */
const BATCH_TTL_SECONDS = 24 * 3600;
/** A digest no daily run has sent (the schedule broken for days) expires a week after its last addition. */
const DIGEST_TTL_SECONDS = 7 * 24 * 3600;

const batchKey = (userId: string, batch: MailBatch) =>
  batch === 'digest' ? keys.notificationDigest(userId) : keys.notificationMailBatch(userId);

/** Notification email batches, "sent" markers and suppressed addresses (see keys.ts). */
export class DynamoMailerRepository implements MailerRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async addPending(userId: string, notificationId: string): Promise<boolean> {
    const { Attributes } = await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.notificationMailBatch(userId),
        UpdateExpression: 'ADD ids :id SET #type = :type, #ttl = if_not_exists(#ttl, :ttl)',
        ExpressionAttributeNames: { '#type': 'type', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':id': new Set([notificationId]),
          ':type': ItemType.NotificationMailBatch,
          ':ttl': Math.floor(Date.now() / 1000) + BATCH_TTL_SECONDS,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return !Attributes?.queuedAt;
  }

  async markQueued(userId: string): Promise<void> {
    // Only while the batch is there: a worker may have sent and removed it meanwhile.
    await writeIf(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.notificationMailBatch(userId),
          UpdateExpression: 'SET queuedAt = :now',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':now': new Date().toISOString() },
        }),
      ),
    );
  }

  async addToDigest(userId: string, notificationId: string): Promise<void> {
    const index = keys.digestPending(userId);
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.notificationDigest(userId),
        UpdateExpression:
          'ADD ids :id SET #type = :type, #ttl = :ttl, userId = :user, GSI1PK = :pk, GSI1SK = :sk',
        ExpressionAttributeNames: { '#type': 'type', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':id': new Set([notificationId]),
          ':type': ItemType.NotificationDigest,
          ':ttl': Math.floor(Date.now() / 1000) + DIGEST_TTL_SECONDS,
          ':user': userId,
          ':pk': index.GSI1PK,
          ':sk': index.GSI1SK,
        },
      }),
    );
  }

  /** One Query per shard of GSI1 `DIGEST#<shard>` (no Scan), a page at a time. */
  async *digestPeople(): AsyncIterable<string[]> {
    const queries = shardQueries(this.tableName, 'GSI1', keys.digestPendingShard, {
      ProjectionExpression: 'userId',
    });
    for (const query of queries) {
      for await (const page of queryPages(this.ddb, query)) yield page.map((item) => item.userId as string);
    }
  }

  async pending(userId: string, batch: MailBatch): Promise<string[] | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: batchKey(userId, batch),
        ConsistentRead: true,
      }),
    );
    return Item?.ids ? [...(Item.ids as Set<string>)] : undefined;
  }

  async settle(userId: string, ids: string[], batch: MailBatch): Promise<boolean> {
    const { Attributes } = await this.ddb
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: batchKey(userId, batch),
          UpdateExpression: 'DELETE ids :ids',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':ids': new Set(ids) },
          ReturnValues: 'ALL_NEW',
        }),
      )
      .catch((error: Error) => {
        if (error.name === 'ConditionalCheckFailedException') return { Attributes: undefined };
        throw error;
      });
    if (Attributes?.ids) return true;
    // Empty: gone, unless an id was added since (then the batch needs a message of its own).
    const deleted = await writeIf(() =>
      this.ddb.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: batchKey(userId, batch),
          ConditionExpression: 'attribute_not_exists(ids)',
        }),
      ),
    );
    return !deleted;
  }

  async notifications(userId: string, ids: string[]): Promise<NotificationRecord[]> {
    const items = await batchGetAll(
      this.ddb,
      this.tableName,
      ids.map((id) => keys.notification(userId, id)),
    );
    return items.map(toNotification).sort((a, b) => a.id.localeCompare(b.id));
  }

  async profile(userId: string): Promise<MailProfile | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: keys.user(userId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      userId,
      email: Item.email as string,
      name: Item.name as string,
      notificationPrefs: (Item.notificationPrefs as NotificationPrefs | undefined) ?? null,
    };
  }

  async suppressed(email: string): Promise<boolean> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: keys.suppressedEmail(email) }),
    );
    return Item !== undefined;
  }

  /** The email channel's "sent" marker lives on the notification itself (`emailSentAt`), set once. */
  async claimSent(userId: string, notificationId: string): Promise<boolean> {
    return writeIf(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.notification(userId, notificationId),
          UpdateExpression: 'SET emailSentAt = :now',
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(emailSentAt)',
          ExpressionAttributeValues: { ':now': new Date().toISOString() },
        }),
      ),
    );
  }

  async releaseSent(userId: string, notificationId: string): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.notification(userId, notificationId),
        UpdateExpression: 'REMOVE emailSentAt',
        ConditionExpression: 'attribute_exists(PK)',
      }),
    );
  }

  claimDigestDay(userId: string, day: string, expiresAt: number): Promise<boolean> {
    return putIfAbsent(this.ddb, this.tableName, {
      ...keys.digestSent(userId, day),
      type: ItemType.DigestSent,
      userId,
      day,
      sentAt: new Date().toISOString(),
      ttl: expiresAt,
    });
  }

  async releaseDigestDay(userId: string, day: string): Promise<void> {
    await this.ddb.send(new DeleteCommand({ TableName: this.tableName, Key: keys.digestSent(userId, day) }));
  }

  /** Records an address that bounced or complained (the SES events handler). */
  async suppress(email: string, reason: string, at: string): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.suppressedEmail(email),
        UpdateExpression: 'SET #type = :type, email = :email, reason = :reason, #at = :at',
        ExpressionAttributeNames: { '#type': 'type', '#at': 'at' },
        ExpressionAttributeValues: {
          ':type': ItemType.SuppressedEmail,
          ':email': email.toLowerCase(),
          ':reason': reason,
          ':at': at,
        },
      }),
    );
  }
}
