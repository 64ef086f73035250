import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProjectChanges } from '#shared/schemas/projects';
import type { ActivityRecord } from '#functions/domain/activity';
import { workspaceOf } from '#functions/lib/ids';
import type { Page } from '#functions/lib/pagination';
import type {
  ProjectDeleteOutcome,
  ProjectRecord,
  ProjectRepository,
  ProjectUpdateOutcome,
} from '#functions/domain/projects';
import { failedConditions, oldItemOf, queryPage } from './dynamo.ts';
import { readWithMembership } from './workspace-repository.ts';
import { activityItem } from './activity.ts';
import { ItemType, keys } from './keys.ts';

/** A filtered page is topped up by further Queries, at most this many in all, before it is answered short. */
const MAX_QUERIES_PER_PAGE = 10;

export const toProject = (item: Record<string, unknown>): ProjectRecord => ({
  id: item.id as string,
  workspaceId: item.workspaceId as string,
  name: item.name as string,
  key: item.key as string,
  description: (item.description as string | undefined) ?? '',
  archived: item.archived === true,
  taskCount: (item.taskCount as number | undefined) ?? 0,
  createdAt: item.createdAt as string,
  updatedAt: item.updatedAt as string,
  version: item.version as number,
  taskSeq: (item.taskSeq as number | undefined) ?? 0,
});

export class DynamoProjectRepository implements ProjectRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private keyGuard(project: Pick<ProjectRecord, 'id' | 'workspaceId'>, key: string) {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...keys.projectKey(project.workspaceId, key),
          type: ItemType.ProjectKey,
          workspaceId: project.workspaceId,
          projectId: project.id,
          key,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    };
  }

  async create(project: ProjectRecord): Promise<'ok' | 'key-taken' | 'workspace-gone'> {
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.project(project.workspaceId, project.id),
                  type: ItemType.Project,
                  ...project,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            this.keyGuard(project, project.key),
            // A workspace deleted since the membership check gets no orphan project.
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: keys.workspace(project.workspaceId),
                ConditionExpression: 'attribute_exists(PK)',
              },
            },
          ],
        }),
      );
      return 'ok';
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[1]) return 'key-taken';
      if (failed?.[2]) return 'workspace-gone';
      throw error;
    }
  }

  async getWithMembership(projectId: string, userId: string) {
    const workspaceId = workspaceOf(projectId);
    if (!workspaceId) return {};
    const { item, membership } = await readWithMembership(
      this.ddb,
      this.tableName,
      keys.project(workspaceId, projectId),
      workspaceId,
      userId,
    );
    return { project: item ? toProject(item) : undefined, membership };
  }

  async list(
    workspaceId: string,
    archived: boolean,
    limit: number,
    cursor?: string,
  ): Promise<Page<ProjectRecord>> {
    const pk = keys.workspace(workspaceId).PK;
    const items: Record<string, unknown>[] = [];
    let next: string | null | undefined = cursor;
    // The filter drops the other kind after DynamoDB's Limit, so a page is topped up until it is full or the
    // projects end; the cursor is always the last key evaluated, so nothing is skipped or shown twice.
    for (let queries = 0; queries < MAX_QUERIES_PER_PAGE; queries++) {
      const page = await queryPage(
        this.ddb,
        {
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          FilterExpression: archived
            ? 'archived = :true'
            : 'attribute_not_exists(archived) OR archived = :false',
          ExpressionAttributeValues: {
            ':pk': pk,
            ':prefix': keys.projectPrefix,
            ...(archived ? { ':true': true } : { ':false': false }),
          },
          Limit: limit - items.length,
          ConsistentRead: true,
        },
        { name: 'PK', value: pk },
        next ?? undefined,
      );
      items.push(...page.items);
      next = page.nextCursor;
      if (!next || items.length >= limit) break;
    }
    return { items: items.map(toProject), nextCursor: next ?? null };
  }

  async update(
    previous: ProjectRecord,
    changes: ProjectChanges,
    version: number,
    now: string,
    activity: ActivityRecord,
  ): Promise<ProjectUpdateOutcome> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': now, ':one': 1, ':version': version };
    const sets = ['updatedAt = :now'];
    for (const field of ['name', 'key', 'description', 'archived'] as const) {
      if (changes[field] === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = changes[field];
      sets.push(`#${field} = :${field}`);
    }
    const projectUpdate = {
      TableName: this.tableName,
      Key: keys.project(previous.workspaceId, previous.id),
      // Only the fields sent, so task writes that count on the project item (taskSeq, taskCount) never collide.
      UpdateExpression: `SET ${sets.join(', ')} ADD version :one`,
      ConditionExpression: 'attribute_exists(PK) AND version = :version',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };

    // The project and its activity (history, change feed) together; a new key also moves its guard. The version
    // condition proves the project still has `previous.key`, so the old guard is this project's own.
    const newKey = changes.key !== undefined && changes.key !== previous.key ? changes.key : undefined;
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: projectUpdate },
            { Put: { TableName: this.tableName, Item: activityItem(activity) } },
            ...(newKey
              ? [
                  this.keyGuard(previous, newKey),
                  {
                    Delete: {
                      TableName: this.tableName,
                      Key: keys.projectKey(previous.workspaceId, previous.key),
                    },
                  },
                ]
              : []),
          ],
        }),
      );
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[0]) {
        const current = oldItemOf(error, 0) ?? (await this.read(previous));
        return current ? { conflict: toProject(current) } : { missing: true };
      }
      if (failed?.[2]) return { keyTaken: true };
      throw error;
    }
    // TransactWriteItems returns no attributes: read the project as written (with counters as they are now).
    const written = await this.read(previous);
    return written ? { ok: toProject(written) } : { missing: true };
  }

  async delete(project: ProjectRecord, version: number): Promise<ProjectDeleteOutcome> {
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: keys.project(project.workspaceId, project.id),
                ConditionExpression: 'attribute_exists(PK) AND version = :version',
                ExpressionAttributeValues: { ':version': version },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            // The version condition proves the project still has this key, so the guard is its own.
            { Delete: { TableName: this.tableName, Key: keys.projectKey(project.workspaceId, project.key) } },
            {
              Delete: {
                TableName: this.tableName,
                Key: keys.projectCounter(project.workspaceId, project.id),
              },
            },
          ],
        }),
      );
      return { ok: true };
    } catch (error) {
      if (!failedConditions(error)?.[0]) throw error;
      const current = oldItemOf(error, 0) ?? (await this.read(project));
      return current ? { conflict: toProject(current) } : { missing: true };
    }
  }

  private async read(project: Pick<ProjectRecord, 'id' | 'workspaceId'>) {
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.project(project.workspaceId, project.id),
        ConsistentRead: true,
      }),
    );
    return Item;
  }
}
