import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  ExportRepository,
  ProjectContents,
  TaskContents,
  WorkspaceContents,
} from '#functions/domain/export';
import type { GoalRecord } from '#functions/domain/goals';
import { sprintView } from '#functions/domain/sprints';
import type { TaskRecord } from '#functions/domain/tasks';
import { toActivity } from './activity.ts';
import { toComment } from './comment-repository.ts';
import { queryAll } from './dynamo.ts';
import { toGoal } from './goal-repository.ts';
import { ItemType, keys } from './keys.ts';
import { toLabel } from './label-repository.ts';
import { toProject } from './project-repository.ts';
import { toSprint } from './sprint-repository.ts';
import { toSubtask } from './subtask-repository.ts';
import { toTask } from './task-repository.ts';
import { toMembership } from './workspace-repository.ts';

type Item = Record<string, unknown>;

const skOf = (item: Item) => item.SK as string;

export class DynamoExportRepository implements ExportRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every item of a partition, strongly consistent, every page. */
  private partition(pk: string): Promise<Item[]> {
    return queryAll(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    });
  }

  /** Every item of a GSI1 partition, every page (in index order). */
  private index(pk: string): Promise<Item[]> {
    return queryAll(this.ddb, {
      TableName: this.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    });
  }

  async workspaceContents(workspaceId: string): Promise<WorkspaceContents> {
    const contents: WorkspaceContents = { members: [], labels: [], projects: [] };
    // One Query of the partition; guards (PROJECTKEY#, LABELNAME#, INVITEEMAIL#) and invitations are left out.
    for (const item of await this.partition(keys.workspace(workspaceId).PK)) {
      const sk = skOf(item);
      if (sk === keys.workspace(workspaceId).SK) {
        contents.workspace = {
          id: item.id as string,
          name: item.name as string,
          createdAt: item.createdAt as string,
          updatedAt: item.updatedAt as string,
          version: item.version as number,
          ownerCount: item.ownerCount as number,
          memberCount: item.memberCount as number,
        };
      } else if (sk.startsWith(keys.memberPrefix)) {
        contents.members.push(toMembership(item));
      } else if (sk.startsWith(keys.labelPrefix)) {
        contents.labels.push(toLabel(item));
      } else if (sk.startsWith(keys.projectPrefix) && !item.deletedAt) {
        contents.projects.push(toProject(item));
      }
    }
    return contents;
  }

  async projectTasks(projectId: string): Promise<TaskRecord[]> {
    // The board (live tasks, board order) and the deleted tasks (oldest deletion first).
    const [live, deleted] = await Promise.all([
      this.index(keys.boardOf(projectId)),
      this.index(keys.deletedOf(projectId)),
    ]);
    return [...live, ...deleted].filter((item) => item.type === ItemType.Task).map(toTask);
  }

  async projectContents(projectId: string): Promise<ProjectContents> {
    const contents: ProjectContents = { sprints: [], activity: [] };
    for (const item of await this.partition(keys.projectItemsOf(projectId))) {
      const sk = skOf(item);
      if (sk.startsWith(keys.sprintPrefix)) contents.sprints.push(sprintView(toSprint(item)));
      else if (sk.startsWith(keys.activityPrefix)) contents.activity.push(toActivity(item));
    }
    return contents;
  }

  async taskContents(taskId: string): Promise<TaskContents> {
    const contents: TaskContents = { subtasks: [], comments: [], activity: [] };
    // Only what the export names: the task item itself came from the board, assignment entries are copies of
    // the task's assignees, and anything else (e.g. attachment records) is left out.
    for (const item of await this.partition(keys.task(taskId).PK)) {
      const sk = skOf(item);
      if (sk.startsWith(keys.subtaskPrefix)) contents.subtasks.push(toSubtask(item));
      else if (sk.startsWith(keys.commentPrefix)) contents.comments.push(toComment(item));
      else if (sk.startsWith(keys.activityPrefix)) contents.activity.push(toActivity(item));
    }
    return contents;
  }

  async workspaceGoals(workspaceId: string): Promise<GoalRecord[]> {
    return (await this.index(keys.workspaceGoalsOf(workspaceId)))
      .filter((item) => item.type === ItemType.Goal)
      .map(toGoal)
      .filter((goal) => !goal.deletedAt);
  }
}
