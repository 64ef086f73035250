import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '#functions/lib/errors';
import { workspaceOf } from '#functions/lib/ids';
import { decodeCursor, type Page } from '#functions/lib/pagination';
import type {
  CommentRead,
  CommentRecord,
  CommentRepository,
  CommentWrite,
  CommentWriteOutcome,
  MentionableMember,
} from '#functions/domain/comments';
import { activityItem } from './activity.ts';
import { batchGetAll, queryAll, queryPage, transactWrite } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';
import { childPart, taskCounterPart } from './subtask-repository.ts';
import { DynamoTaskRepository, toTask } from './task-repository.ts';
import { DynamoUserRepository } from './user-repository.ts';
import { toMembership } from './workspace-repository.ts';

type Item = Record<string, unknown>;

/** The stored item: the comment in its task's partition (`COMMENT#<id>`, oldest first); nulls not stored. */
export function commentItem(comment: CommentRecord): Item {
  const item: Item = { ...keys.comment(comment.taskId, comment.id), type: ItemType.Comment };
  for (const [field, value] of Object.entries(comment)) if (value !== null) item[field] = value;
  return item;
}

export const toComment = (item: Item): CommentRecord => ({
  id: item.id as string,
  taskId: item.taskId as string,
  workspaceId: item.workspaceId as string,
  projectId: item.projectId as string,
  authorId: item.authorId as string,
  body: item.body as string,
  mentions: (item.mentions as string[] | undefined) ?? [],
  createdAt: item.createdAt as string,
  updatedAt: item.updatedAt as string,
  editedAt: (item.editedAt as string | undefined) ?? null,
  version: item.version as number,
});

export class DynamoCommentRepository implements CommentRepository {
  private readonly tasks: DynamoTaskRepository;
  private readonly users: DynamoUserRepository;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.tasks = new DynamoTaskRepository(ddb, tableName);
    this.users = new DynamoUserRepository(ddb, tableName);
  }

  async read(taskId: string, userId: string, commentId?: string): Promise<CommentRead> {
    const taskKey = keys.task(taskId);
    const memberKey = keys.member(workspaceOf(taskId)!, userId);
    const commentKey = commentId ? keys.comment(taskId, commentId) : undefined;
    const items = await batchGetAll(this.ddb, this.tableName, [
      taskKey,
      memberKey,
      ...(commentKey ? [commentKey] : []),
    ]);
    const find = (key: { PK: string; SK: string } | undefined) =>
      key && items.find((i) => i.PK === key.PK && i.SK === key.SK);
    const task = find(taskKey);
    const membership = find(memberKey);
    const comment = find(commentKey);
    return {
      task: task ? toTask(task) : undefined,
      membership: membership ? toMembership(membership) : undefined,
      comment: comment ? toComment(comment) : undefined,
    };
  }

  getProject(workspaceId: string, projectId: string) {
    return this.tasks.getProject(workspaceId, projectId);
  }

  async list(taskId: string, limit: number, cursor?: string): Promise<Page<CommentRecord>> {
    const pk = keys.task(taskId).PK;
    if (!String(decodeCursor(cursor)?.SK ?? keys.commentPrefix).startsWith(keys.commentPrefix)) {
      throw new ValidationError([{ field: 'cursor', message: 'does not belong to this list' }]);
    }
    const page = await queryPage(
      this.ddb,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': keys.commentPrefix },
        ConsistentRead: true,
        Limit: limit,
      },
      { name: 'PK', value: pk },
      cursor,
    );
    return { items: page.items.map(toComment), nextCursor: page.nextCursor };
  }

  /** The workspace's member items (one Query, every page) and their profiles' names (one BatchGetItem a 100). */
  async members(workspaceId: string): Promise<MentionableMember[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.workspace(workspaceId).PK, ':prefix': keys.memberPrefix },
    });
    const members = items.map(toMembership);
    const names = await this.users.names(members.map((m) => m.userId));
    return members.map((m) => ({ userId: m.userId, email: m.email, name: names.get(m.userId) ?? null }));
  }

  async write(change: CommentWrite): Promise<CommentWriteOutcome> {
    const { before, after, taskId } = change;
    const id = (after ?? before)!.id;
    const delta = (after ? 1 : 0) - (before ? 1 : 0);
    const outcome = await transactWrite(this.ddb, [
      taskCounterPart(this.tableName, taskId, { commentCount: delta }),
      childPart(this.tableName, before, after && commentItem(after), keys.comment(taskId, id)),
      { Put: { TableName: this.tableName, Item: activityItem(change.activity) } },
    ]);
    if ('ok' in outcome || 'busy' in outcome) return outcome;
    if (outcome.failed[0]) {
      const task = outcome.old[0];
      return { task: task ? toTask(task) : undefined };
    }
    if (outcome.failed[1]) {
      const current = outcome.old[1];
      return { comment: current ? toComment(current) : undefined };
    }
    throw new Error('A comment transaction failed a condition it does not have');
  }
}
