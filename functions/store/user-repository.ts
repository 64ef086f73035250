import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PatchMeInput, UserProfile } from '#shared/schemas/me';
import type { UserRepository } from '#functions/domain/users';
import type { NotificationPrefs } from '#shared/schemas/me';
import { batchGetAll, queryAll, writeIf } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';

const PROFILE_FIELDS = [
  'id',
  'email',
  'name',
  'avatarUrl',
  'timezone',
  'notificationPrefs',
  'createdAt',
  'updatedAt',
  'version',
] as const;

function toProfile(item: Record<string, unknown>): UserProfile {
  return Object.fromEntries(PROFILE_FIELDS.map((f) => [f, item[f] ?? null])) as unknown as UserProfile;
}

export class DynamoUserRepository implements UserRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Display names of many users at once (one BatchGetItem a hundred). */
  async names(userIds: string[]): Promise<Map<string, string>> {
    const items = await batchGetAll(this.ddb, this.tableName, [...new Set(userIds)].map(keys.user), false);
    return new Map(items.map((item) => [item.id as string, item.name as string]));
  }

  /**
   * The accounts registered with an email address, with their notification preferences (GSI2 on profile items;
   * a profile written before that index key existed is not found).
   */
  async accountsByEmail(email: string): Promise<Array<{ userId: string; prefs: NotificationPrefs | null }>> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      IndexName: 'GSI2',
      KeyConditionExpression: 'GSI2PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.usersWithEmail(email) },
    });
    return items
      .filter((item) => item.type === ItemType.User)
      .map((item) => ({
        userId: item.id as string,
        prefs: (item.notificationPrefs as NotificationPrefs | undefined) ?? null,
      }));
  }

  async get(userId: string): Promise<UserProfile | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: keys.user(userId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    if (Item.GSI2PK === undefined && typeof Item.email === 'string')
      await this.indexEmail(userId, Item.email);
    return toProfile(Item);
  }

  /**
   * Gives a profile made before profiles were indexed by email (access pattern 55) its email key, so invitations
   * find the account from then on: done once, on the profile's next read (every sign-in reads it).
   */
  private async indexEmail(userId: string, email: string): Promise<void> {
    const { GSI2PK, GSI2SK } = keys.userByEmail(email);
    await writeIf(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.user(userId),
          UpdateExpression: 'SET GSI2PK = :pk, GSI2SK = :sk',
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(GSI2PK)',
          ExpressionAttributeValues: { ':pk': GSI2PK, ':sk': GSI2SK },
        }),
      ),
    );
  }

  async createIfAbsent(profile: UserProfile): Promise<UserProfile> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.user(profile.id),
            ...keys.userByEmail(profile.email),
            type: ItemType.User,
            ...profile,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return profile;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return (await this.get(profile.id)) ?? profile;
      }
      throw error;
    }
  }

  /** Creates the (empty) channel and mute maps of an older profile; changes nothing when they exist. */
  private async ensurePrefMaps(userId: string): Promise<void> {
    for (const map of ['channels', 'mutedProjects']) {
      await this.ddb
        .send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.user(userId),
            UpdateExpression: 'SET notificationPrefs.#map = if_not_exists(notificationPrefs.#map, :empty)',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeNames: { '#map': map },
            ExpressionAttributeValues: { ':empty': {} },
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        });
    }
  }

  /**
   * One conditional UpdateItem: only the named fields change (each notification switch on its own path), so two
   * tabs changing different settings at once never overwrite each other's change.
   */
  async update(userId: string, patch: PatchMeInput, now: string): Promise<UserProfile | undefined> {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt', '#version': 'version' };
    const values: Record<string, unknown> = { ':now': now, ':one': 1 };
    const sets = ['#updatedAt = :now'];
    const pathOf = (path: string[]) =>
      path
        .map((p) => {
          const name = `#n${Object.keys(names).length}`;
          names[name] = p;
          return name;
        })
        .join('.');
    const setField = (path: string[], value: unknown) => {
      const token = `:v${Object.keys(values).length}`;
      values[token] = value;
      sets.push(`${pathOf(path)} = ${token}`);
    };
    if (patch.name !== undefined) setField(['name'], patch.name);
    if (patch.avatarUrl !== undefined) setField(['avatarUrl'], patch.avatarUrl);
    if (patch.timezone !== undefined) setField(['timezone'], patch.timezone);
    for (const [flag, on] of Object.entries(patch.notificationPrefs?.email ?? {})) {
      if (on !== undefined) setField(['notificationPrefs', 'email', flag], on);
    }
    const removes: string[] = [];
    const { channels = {}, mutedProjects = {} } = patch.notificationPrefs ?? {};
    for (const [kind, channel] of Object.entries(channels)) {
      if (channel !== undefined) setField(['notificationPrefs', 'channels', kind], channel);
    }
    for (const [projectId, muted] of Object.entries(mutedProjects)) {
      if (muted) setField(['notificationPrefs', 'mutedProjects', projectId], true);
      else removes.push(pathOf(['notificationPrefs', 'mutedProjects', projectId]));
    }
    // Each channel and mute is a path of its own (no lost update between tabs); their maps must exist first.
    if (Object.keys(channels).length || Object.keys(mutedProjects).length) await this.ensurePrefMaps(userId);
    try {
      const { Attributes } = await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.user(userId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''} ADD #version :one`,
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toProfile(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}
