import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role } from '#shared/schemas/workspaces';
import type { AcceptOutcome, InvitationRecord, InvitationRepository } from '#functions/domain/invitations';
import { failedConditions, queryAll, queryPages } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';

/** Invitation items outlive their expiry by 30 days, so a late click still gets a clear answer. */
const KEEP_AFTER_EXPIRY_SECONDS = 30 * 86_400;

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

const toInvitation = (item: Record<string, unknown>): InvitationRecord & { acceptedAt?: string } => ({
  id: item.id as string,
  workspaceId: item.workspaceId as string,
  email: item.email as string,
  role: item.role as Role,
  createdAt: item.createdAt as string,
  expiresAt: item.expiresAt as string,
  invitedBy: item.invitedBy as string,
  tokenHash: item.tokenHash as string,
  ...(item.acceptedAt ? { acceptedAt: item.acceptedAt as string } : {}),
});

export class DynamoInvitationRepository implements InvitationRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(invitation: InvitationRecord, nowEpochSeconds: number): Promise<boolean> {
    const ttl = epoch(invitation.expiresAt) + KEEP_AFTER_EXPIRY_SECONDS;
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.invitation(invitation.workspaceId, invitation.id),
                  type: ItemType.Invitation,
                  ...invitation,
                  ttl,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.invitationEmail(invitation.workspaceId, invitation.email),
                  type: ItemType.InvitationEmail,
                  invitationId: invitation.id,
                  expiresAtEpoch: epoch(invitation.expiresAt),
                  ttl: epoch(invitation.expiresAt),
                },
                // A pending invitation blocks another one; an expired one does not.
                ConditionExpression: 'attribute_not_exists(PK) OR expiresAtEpoch < :now',
                ExpressionAttributeValues: { ':now': nowEpochSeconds },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.invitationToken(invitation.tokenHash),
                  type: ItemType.InvitationToken,
                  ...invitation,
                  ttl,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (failedConditions(error)?.[1]) return false;
      throw error;
    }
  }

  async list(workspaceId: string): Promise<InvitationRecord[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.workspace(workspaceId).PK, ':prefix': keys.invitationPrefix },
    });
    return items.map(toInvitation);
  }

  async get(workspaceId: string, invitationId: string): Promise<InvitationRecord | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.invitation(workspaceId, invitationId),
        ConsistentRead: true,
      }),
    );
    return Item ? toInvitation(Item) : undefined;
  }

  async revoke(invitation: InvitationRecord): Promise<void> {
    await this.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: this.tableName,
              Key: keys.invitation(invitation.workspaceId, invitation.id),
            },
          },
          {
            Delete: {
              TableName: this.tableName,
              Key: keys.invitationEmail(invitation.workspaceId, invitation.email),
              // Only this invitation's guard: a newer invitation to the same address keeps its own.
              ConditionExpression: 'attribute_not_exists(PK) OR invitationId = :id',
              ExpressionAttributeValues: { ':id': invitation.id },
            },
          },
          { Delete: { TableName: this.tableName, Key: keys.invitationToken(invitation.tokenHash) } },
        ],
      }),
    );
  }

  async byTokenHash(tokenHash: string) {
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.invitationToken(tokenHash),
        ConsistentRead: true,
      }),
    );
    return Item ? toInvitation(Item) : undefined;
  }

  async accept(
    invitation: InvitationRecord,
    member: { userId: string; email: string; joinedAt: string },
  ): Promise<AcceptOutcome> {
    const { workspaceId } = invitation;
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.invitationToken(invitation.tokenHash),
                UpdateExpression: 'SET acceptedAt = :now, acceptedBy = :user',
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(acceptedAt)',
                ExpressionAttributeValues: { ':now': member.joinedAt, ':user': member.userId },
              },
            },
            {
              Delete: {
                TableName: this.tableName,
                Key: keys.invitation(workspaceId, invitation.id),
                ConditionExpression: 'attribute_exists(PK)',
              },
            },
            {
              Delete: {
                TableName: this.tableName,
                Key: keys.invitationEmail(workspaceId, invitation.email),
                ConditionExpression: 'attribute_not_exists(PK) OR invitationId = :id',
                ExpressionAttributeValues: { ':id': invitation.id },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.member(workspaceId, member.userId),
                  ...keys.membershipByUser(member.userId, workspaceId),
                  type: ItemType.Member,
                  workspaceId,
                  userId: member.userId,
                  role: invitation.role,
                  email: member.email,
                  joinedAt: member.joinedAt,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.workspace(workspaceId),
                UpdateExpression: 'ADD memberCount :one, ownerCount :owners',
                ConditionExpression: 'attribute_exists(PK)',
                ExpressionAttributeValues: { ':one': 1, ':owners': invitation.role === 'owner' ? 1 : 0 },
              },
            },
          ],
        }),
      );
    } catch (error) {
      const failed = failedConditions(error);
      if (!failed) throw error;
      if (failed[0]) return { error: 'already-accepted' };
      if (failed[3]) return { error: 'already-member' };
      if (failed[4]) return { error: 'workspace-gone' };
      return { error: 'not-found' };
    }
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.workspace(workspaceId),
        ProjectionExpression: '#n',
        ExpressionAttributeNames: { '#n': 'name' },
      }),
    );
    return {
      ok: {
        workspaceId,
        workspaceName: (Item?.name as string | undefined) ?? '',
        userId: member.userId,
        role: invitation.role,
        joinedAt: member.joinedAt,
      },
    };
  }

  async isMemberEmail(workspaceId: string, email: string): Promise<boolean> {
    const pages = queryPages(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :member)',
      FilterExpression: 'email = :email',
      ExpressionAttributeValues: {
        ':pk': keys.workspace(workspaceId).PK,
        ':member': keys.memberPrefix,
        ':email': email,
      },
      ProjectionExpression: 'userId',
    });
    for await (const page of pages) if (page.length) return true;
    return false;
  }
}
