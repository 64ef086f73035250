import type { CreateProjectInput, Project, ProjectChanges } from '#shared/schemas/projects';
import { ConflictError, ForbiddenError, NotFoundError, VersionConflictError } from '#functions/lib/errors';
import { newChildId, workspaceOf } from '#functions/lib/ids';
import type { Page } from '#functions/lib/pagination';
import { can, type Action } from './access.ts';
import { fieldChanges, newActivity, type ActivityRecord } from './activity.ts';
import type { Caller, MembershipRecord, WorkspaceService } from './workspaces.ts';

/** A project as stored: the public fields plus the task-number counter (never reused, never shown). */
export interface ProjectRecord extends Project {
  taskSeq: number;
}

export type ProjectUpdateOutcome =
  { ok: ProjectRecord } | { conflict: ProjectRecord } | { missing: true } | { keyTaken: true };

export type ProjectDeleteOutcome = { ok: true } | { conflict: ProjectRecord } | { missing: true };

/** Persistence of projects and their key guards (functions/store/project-repository.ts). */
export interface ProjectRepository {
  /** Stores the project and its key guard; 'key-taken' when another project has the key. */
  create(project: ProjectRecord): Promise<'ok' | 'key-taken' | 'workspace-gone'>;
  /** The project and the user's membership of its workspace, read together (one BatchGetItem). */
  getWithMembership(
    projectId: string,
    userId: string,
  ): Promise<{ project?: ProjectRecord; membership?: MembershipRecord }>;
  /** One page of the workspace's projects, archived or not, in creation order. */
  list(workspaceId: string, archived: boolean, limit: number, cursor?: string): Promise<Page<ProjectRecord>>;
  /**
   * Applies `changes` if the stored version is still `version`. `previous` is the project as read at that
   * version: when the key changes, its guard moves from `previous.key` to `changes.key` in the same write.
   */
  update(
    previous: ProjectRecord,
    changes: ProjectChanges,
    version: number,
    now: string,
    activity: ActivityRecord,
  ): Promise<ProjectUpdateOutcome>;
  /** Removes the project and its key guard if the stored version is still `version`. */
  delete(project: ProjectRecord, version: number): Promise<ProjectDeleteOutcome>;
}

/** What the services need of WorkspaceService: the membership check of a workspace. */
export type WorkspaceAuthorizer = Pick<WorkspaceService, 'authorize'>;

export const projectView = (p: ProjectRecord): Project => ({
  id: p.id,
  workspaceId: p.workspaceId,
  name: p.name,
  key: p.key,
  description: p.description,
  archived: p.archived,
  taskCount: p.taskCount,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
  version: p.version,
});

const keyTaken = (key: string) =>
  new ConflictError(`The key ${key} is already used by a project of this workspace`);

export class ProjectService {
  constructor(
    private readonly repository: ProjectRepository,
    private readonly workspaces: WorkspaceAuthorizer,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * The project and the caller's membership, or 404 for an unknown project and for a non-member alike (never
   * leak existence); 403 when the member's role does not allow `action`.
   */
  async authorize(caller: Caller, projectId: string, action: Action) {
    const workspaceId = workspaceOf(projectId);
    if (!workspaceId) throw new NotFoundError('No such project');
    const { project, membership } = await this.repository.getWithMembership(projectId, caller.userId);
    if (!membership || !project) throw new NotFoundError('No such project');
    if (!can(membership.role, action)) throw new ForbiddenError();
    return { project, membership };
  }

  async create(caller: Caller, workspaceId: string, input: CreateProjectInput): Promise<Project> {
    await this.workspaces.authorize(caller, workspaceId, 'project.create');
    const now = this.clock().toISOString();
    const project: ProjectRecord = {
      id: newChildId(workspaceId),
      workspaceId,
      name: input.name,
      key: input.key,
      description: input.description,
      archived: false,
      taskCount: 0,
      createdAt: now,
      updatedAt: now,
      version: 1,
      taskSeq: 0,
    };
    const outcome = await this.repository.create(project);
    if (outcome === 'key-taken') throw keyTaken(input.key);
    if (outcome === 'workspace-gone') throw new NotFoundError('No such workspace');
    return projectView(project);
  }

  async list(
    caller: Caller,
    workspaceId: string,
    archived: boolean,
    limit: number,
    cursor?: string,
  ): Promise<Page<Project>> {
    await this.workspaces.authorize(caller, workspaceId, 'workspace.read');
    const page = await this.repository.list(workspaceId, archived, limit, cursor);
    return { items: page.items.map(projectView), nextCursor: page.nextCursor };
  }

  async get(caller: Caller, projectId: string): Promise<Project> {
    const { project } = await this.authorize(caller, projectId, 'workspace.read');
    return projectView(project);
  }

  async update(
    caller: Caller,
    projectId: string,
    version: number,
    changes: ProjectChanges,
  ): Promise<Project> {
    const { project } = await this.authorize(caller, projectId, 'project.manage');
    // The read above is consistent: a different version now means the caller's copy is stale, no write needed.
    if (project.version !== version) throw new VersionConflictError(projectView(project));
    const now = this.clock();
    const after: Project = {
      ...projectView(project),
      ...changes,
      updatedAt: now.toISOString(),
      version: version + 1,
    };
    const activity = newActivity(
      {
        actorId: caller.userId,
        action: 'updated',
        entityType: 'project',
        entityId: project.id,
        projectId: project.id,
        workspaceId: project.workspaceId,
        taskId: null,
        changes: fieldChanges(projectView(project), after, ['name', 'key', 'description', 'archived']),
        data: after,
      },
      now,
    );
    const outcome = await this.repository.update(project, changes, version, now.toISOString(), activity);
    if ('missing' in outcome) throw new NotFoundError('No such project');
    if ('conflict' in outcome) throw new VersionConflictError(projectView(outcome.conflict));
    if ('keyTaken' in outcome) throw keyTaken(changes.key!);
    return projectView(outcome.ok);
  }

  async delete(caller: Caller, projectId: string, version: number): Promise<void> {
    const { project } = await this.authorize(caller, projectId, 'project.manage');
    if (project.version !== version) throw new VersionConflictError(projectView(project));
    const outcome = await this.repository.delete(project, version);
    if ('missing' in outcome) throw new NotFoundError('No such project');
    if ('conflict' in outcome) throw new VersionConflictError(projectView(outcome.conflict));
    // Seam (comes with tasks): tombstone the project's tasks, subtasks, comments, attachments and sprints here,
    // e.g. by queueing the project id for a worker that marks them deleted in batches. Readers need nothing
    // first: the project item is gone, so the project vanished from lists and GETs with the write above, and
    // task reads must check their project (a task of a missing project is a 404).
  }
}
