import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { labelNameKey, type LabelChanges } from '#shared/schemas/projects';
import { workspaceOf } from '#functions/lib/ids';
import type {
  LabelDeleteOutcome,
  LabelRecord,
  LabelRepository,
  LabelUpdateOutcome,
} from '#functions/domain/labels';
import { failedConditions, oldItemOf, queryAll } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';
import { readWithMembership } from './workspace-repository.ts';

export const toLabel = (item: Record<string, unknown>): LabelRecord => ({
  id: item.id as string,
  workspaceId: item.workspaceId as string,
  name: item.name as string,
  color: item.color as string,
  createdAt: item.createdAt as string,
  updatedAt: item.updatedAt as string,
  version: item.version as number,
});

export class DynamoLabelRepository implements LabelRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private nameGuard(label: Pick<LabelRecord, 'id' | 'workspaceId'>, name: string) {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...keys.labelName(label.workspaceId, labelNameKey(name)),
          type: ItemType.LabelName,
          workspaceId: label.workspaceId,
          labelId: label.id,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    };
  }

  async create(label: LabelRecord): Promise<'ok' | 'name-taken' | 'workspace-gone'> {
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.label(label.workspaceId, label.id), type: ItemType.Label, ...label },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            this.nameGuard(label, label.name),
            // A workspace deleted since the membership check gets no orphan label.
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: keys.workspace(label.workspaceId),
                ConditionExpression: 'attribute_exists(PK)',
              },
            },
          ],
        }),
      );
      return 'ok';
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[1]) return 'name-taken';
      if (failed?.[2]) return 'workspace-gone';
      throw error;
    }
  }

  async getWithMembership(labelId: string, userId: string) {
    const workspaceId = workspaceOf(labelId);
    if (!workspaceId) return {};
    const { item, membership } = await readWithMembership(
      this.ddb,
      this.tableName,
      keys.label(workspaceId, labelId),
      workspaceId,
      userId,
    );
    return { label: item ? toLabel(item) : undefined, membership };
  }

  async listAll(workspaceId: string): Promise<LabelRecord[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.workspace(workspaceId).PK, ':prefix': keys.labelPrefix },
      ConsistentRead: true,
    });
    return items.map(toLabel);
  }

  async update(
    previous: LabelRecord,
    changes: LabelChanges,
    version: number,
    now: string,
  ): Promise<LabelUpdateOutcome> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': now, ':one': 1, ':version': version };
    const sets = ['updatedAt = :now'];
    for (const field of ['name', 'color'] as const) {
      if (changes[field] === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = changes[field];
      sets.push(`#${field} = :${field}`);
    }
    const labelUpdate = {
      TableName: this.tableName,
      Key: keys.label(previous.workspaceId, previous.id),
      UpdateExpression: `SET ${sets.join(', ')} ADD version :one`,
      ConditionExpression: 'attribute_exists(PK) AND version = :version',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };

    // A change of case only ("bug" → "Bug") keeps the guard: it is the same name to the uniqueness rule.
    if (changes.name === undefined || labelNameKey(changes.name) === labelNameKey(previous.name)) {
      try {
        const { Attributes } = await this.ddb.send(
          new UpdateCommand({ ...labelUpdate, ReturnValues: 'ALL_NEW' }),
        );
        return { ok: toLabel(Attributes!) };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const current = oldItemOf(error);
        return current ? { conflict: toLabel(current) } : { missing: true };
      }
    }

    // A rename: the label, the new name's guard and the old name's guard change together. The version
    // condition proves the label still has `previous.name`, so the old guard is this label's own.
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: labelUpdate },
            this.nameGuard(previous, changes.name),
            {
              Delete: {
                TableName: this.tableName,
                Key: keys.labelName(previous.workspaceId, labelNameKey(previous.name)),
              },
            },
          ],
        }),
      );
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[0]) {
        const current = oldItemOf(error, 0) ?? (await this.read(previous));
        return current ? { conflict: toLabel(current) } : { missing: true };
      }
      if (failed?.[1]) return { nameTaken: true };
      throw error;
    }
    // TransactWriteItems returns no attributes, but nothing else writes a label: the condition held, so the
    // stored label is the one read with the changes applied.
    const name = changes.name ?? previous.name;
    return {
      ok: { ...previous, name, color: changes.color ?? previous.color, updatedAt: now, version: version + 1 },
    };
  }

  async delete(label: LabelRecord, version: number): Promise<LabelDeleteOutcome> {
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: keys.label(label.workspaceId, label.id),
                ConditionExpression: 'attribute_exists(PK) AND version = :version',
                ExpressionAttributeValues: { ':version': version },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Delete: {
                TableName: this.tableName,
                Key: keys.labelName(label.workspaceId, labelNameKey(label.name)),
              },
            },
          ],
        }),
      );
      return { ok: true };
    } catch (error) {
      if (!failedConditions(error)?.[0]) throw error;
      const current = oldItemOf(error, 0) ?? (await this.read(label));
      return current ? { conflict: toLabel(current) } : { missing: true };
    }
  }

  private async read(label: Pick<LabelRecord, 'id' | 'workspaceId'>) {
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.label(label.workspaceId, label.id),
        ConsistentRead: true,
      }),
    );
    return Item;
  }
}
