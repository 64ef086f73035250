import type { Sprint } from '#shared/schemas/sprints';
import type { Comment } from '#shared/schemas/comments';
import type { Subtask } from '#shared/schemas/subtasks';
import type { Goal } from '#shared/schemas/goals';
import type { Label, Project } from '#shared/schemas/projects';
import type { Activity, Task } from '#shared/schemas/tasks';
import type { Member } from '#shared/schemas/workspaces';
import { activityView, type ActivityRecord } from './activity.ts';
import { goalView, type GoalRecord } from './goals.ts';
import type { LabelRecord } from './labels.ts';
import { projectView, type ProjectRecord, type WorkspaceAuthorizer } from './projects.ts';
import { taskView, type TaskRecord } from './tasks.ts';
import {
  memberView,
  type Caller,
  type MembershipRecord,
  type ProfileLookup,
  type WorkspaceRecord,
} from './workspaces.ts';

/**
 * `GET /api/workspaces/{workspaceId}/export` (owners and admins): the whole workspace as one JSON document,
 * every object in the shape the API shows it. Objects without a view of their own here (subtasks, comments,
 * sprints) come as stored, minus keys and internal copies (see the store).
 */

export interface ExportedTask extends Task {
  subtasks: Subtask[];
  comments: Comment[];
  /** The task's history (task, subtask and comment changes), oldest first. */
  activity: Activity[];
}

export interface ExportedProject extends Project {
  sprints: Sprint[];
  /** Live tasks in board order, then deleted ones (with `deletedAt`), oldest deletion first. */
  tasks: ExportedTask[];
  /** Changes of the project itself and of its sprints, oldest first. */
  activity: Activity[];
}

export interface WorkspaceExport {
  exportedAt: string;
  workspace: { id: string; name: string; createdAt: string; updatedAt: string; version: number };
  members: Member[];
  labels: Label[];
  projects: ExportedProject[];
  goals: Goal[];
}

export interface WorkspaceContents {
  workspace?: WorkspaceRecord;
  members: MembershipRecord[];
  labels: LabelRecord[];
  projects: ProjectRecord[];
}

export interface ProjectContents {
  sprints: Sprint[];
  activity: ActivityRecord[];
}

export interface TaskContents {
  subtasks: Subtask[];
  comments: Comment[];
  activity: ActivityRecord[];
}

/** Reads for the export (functions/store/export-repository.ts): Query and BatchGetItem only, every page. */
export interface ExportRepository {
  /** The workspace partition: the workspace, its members, labels and projects (no guards, no invitations). */
  workspaceContents(workspaceId: string): Promise<WorkspaceContents>;
  /** A project's tasks: live ones in board order, then deleted ones. */
  projectTasks(projectId: string): Promise<TaskRecord[]>;
  /** A project's own partition: its sprints and its project and sprint activity. */
  projectContents(projectId: string): Promise<ProjectContents>;
  /** A task's partition: its subtasks, comments and history (never its assignment entries). */
  taskContents(taskId: string): Promise<TaskContents>;
  /** The workspace's live goals, in creation order. */
  workspaceGoals(workspaceId: string): Promise<GoalRecord[]>;
}

/** Projects read at once (each is two or three Queries). */
export const PROJECT_PARALLELISM = 4;
/** Task partitions read at once. */
export const TASK_PARALLELISM = 8;

/** `fn` over `items` with at most `limit` calls in flight; results in the order of `items`. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

/** The download's file name: `teamflow-<workspace name as a slug, else its id>-<YYYY-MM-DD>.json`. */
export function exportFileName(workspace: { id: string; name: string }, exportedAt: string): string {
  const slug = workspace.name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `teamflow-${slug || workspace.id}-${exportedAt.slice(0, 10)}.json`;
}

const byJoined = (a: MembershipRecord, b: MembershipRecord) =>
  a.joinedAt.localeCompare(b.joinedAt) || a.userId.localeCompare(b.userId);

export class ExportService {
  constructor(
    private readonly repository: ExportRepository,
    private readonly workspaces: WorkspaceAuthorizer,
    private readonly profiles: ProfileLookup,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async export(caller: Caller, workspaceId: string): Promise<WorkspaceExport> {
    const { workspace: checked } = await this.workspaces.authorize(caller, workspaceId, 'workspace.export');
    const exportedAt = this.clock().toISOString();
    const [contents, goals] = await Promise.all([
      this.repository.workspaceContents(workspaceId),
      this.repository.workspaceGoals(workspaceId),
    ]);
    const workspace = contents.workspace ?? checked;
    const members = [...contents.members].sort(byJoined);
    const names = await this.profiles.names(members.map((m) => m.userId));

    const projects = await mapBounded(contents.projects, PROJECT_PARALLELISM, async (project) => {
      const [tasks, own] = await Promise.all([
        this.repository.projectTasks(project.id),
        this.repository.projectContents(project.id),
      ]);
      return { project, tasks, own };
    });
    // One pool for every task of every project, so a workspace of many small projects reads as fast as one big one.
    const allTasks = projects.flatMap(({ tasks }) => tasks);
    const perTask = await mapBounded(allTasks, TASK_PARALLELISM, (task) =>
      this.repository.taskContents(task.id),
    );
    const contentsOf = new Map(allTasks.map((task, i) => [task.id, perTask[i]!]));

    return {
      exportedAt,
      workspace: {
        id: workspace.id,
        name: workspace.name,
        createdAt: workspace.createdAt,
        updatedAt: workspace.updatedAt,
        version: workspace.version,
      },
      members: members.map((m) => memberView(m, names.get(m.userId))),
      labels: contents.labels,
      projects: projects.map(({ project, tasks, own }) => ({
        ...projectView(project),
        sprints: own.sprints,
        tasks: tasks.map((task) => {
          const inner = contentsOf.get(task.id)!;
          return {
            ...taskView(task, project.key),
            subtasks: inner.subtasks,
            comments: inner.comments,
            activity: inner.activity.map(activityView),
          };
        }),
        activity: own.activity.map(activityView),
      })),
      goals: goals.map(goalView),
    };
  }
}
