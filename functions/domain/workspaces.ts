import type { Member, Role, Workspace } from '#shared/schemas/workspaces';
import { ConflictError, ForbiddenError, NotFoundError, VersionConflictError } from '#functions/lib/errors';
import { newWorkspaceId } from '#functions/lib/ids';
import type { Page } from '#functions/lib/pagination';
import { can, canManageMember, type Action } from './access.ts';

export interface WorkspaceRecord {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  version: number;
  ownerCount: number;
  memberCount: number;
}

export interface MembershipRecord {
  workspaceId: string;
  userId: string;
  role: Role;
  email: string;
  joinedAt: string;
}

export type UpdateOutcome<T> = { ok: T } | { conflict: T } | { missing: true };

/** Persistence of workspaces and memberships (functions/store/workspace-repository.ts). */
export interface WorkspaceRepository {
  create(workspace: WorkspaceRecord, owner: MembershipRecord): Promise<void>;
  /** The workspace and the user's membership of it, read together. */
  getWithMembership(
    workspaceId: string,
    userId: string,
  ): Promise<{ workspace?: WorkspaceRecord; membership?: MembershipRecord }>;
  membershipsOf(userId: string, limit: number, cursor?: string): Promise<Page<MembershipRecord>>;
  getMany(workspaceIds: string[]): Promise<WorkspaceRecord[]>;
  rename(
    workspaceId: string,
    name: string,
    version: number,
    now: string,
  ): Promise<UpdateOutcome<WorkspaceRecord>>;
  /** Removes the workspace and every membership (so no list shows it); false when it was already gone. */
  delete(workspaceId: string): Promise<boolean>;
  members(workspaceId: string, limit: number, cursor?: string): Promise<Page<MembershipRecord>>;
  getMembership(workspaceId: string, userId: string): Promise<MembershipRecord | undefined>;
  /** Changes a role; fails with 'last-owner' when it would leave no owner, 'changed' when the role moved on. */
  setRole(membership: MembershipRecord, to: Role): Promise<'ok' | 'last-owner' | 'changed'>;
  removeMember(membership: MembershipRecord): Promise<'ok' | 'last-owner' | 'changed'>;
}

export interface Caller {
  userId: string;
  email: string;
}

export interface ProfileLookup {
  names(userIds: string[]): Promise<Map<string, string>>;
}

const view = (workspace: WorkspaceRecord, role: Role): Workspace => ({
  id: workspace.id,
  name: workspace.name,
  role,
  createdAt: workspace.createdAt,
  updatedAt: workspace.updatedAt,
  version: workspace.version,
});

/** The API's shape of a member: the profile's name, else the local part of the email. */
export const memberView = (m: MembershipRecord, name: string | undefined): Member => ({
  userId: m.userId,
  email: m.email,
  name: name ?? m.email.split('@')[0] ?? m.email,
  role: m.role,
  joinedAt: m.joinedAt,
});

export class WorkspaceService {
  constructor(
    private readonly repository: WorkspaceRepository,
    private readonly profiles: ProfileLookup,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** A workspace's name, read without a membership check (for the holder of an invitation's token). */
  async nameOf(workspaceId: string): Promise<string | undefined> {
    return (await this.repository.getMany([workspaceId]))[0]?.name;
  }

  /**
   * The caller's membership, or 404 (a non-member must not learn the workspace exists); 403 when the role
   * does not allow `action`.
   */
  async authorize(caller: Caller, workspaceId: string, action: Action) {
    const { workspace, membership } = await this.repository.getWithMembership(workspaceId, caller.userId);
    if (!workspace || !membership) throw new NotFoundError('No such workspace');
    if (!can(membership.role, action)) throw new ForbiddenError();
    return { workspace, membership };
  }

  async create(caller: Caller, name: string): Promise<Workspace> {
    const now = this.clock().toISOString();
    const workspace: WorkspaceRecord = {
      id: newWorkspaceId(),
      name,
      createdAt: now,
      updatedAt: now,
      version: 1,
      ownerCount: 1,
      memberCount: 1,
    };
    await this.repository.create(workspace, {
      workspaceId: workspace.id,
      userId: caller.userId,
      role: 'owner',
      email: caller.email,
      joinedAt: now,
    });
    return view(workspace, 'owner');
  }

  async list(caller: Caller, limit: number, cursor?: string): Promise<Page<Workspace>> {
    const page = await this.repository.membershipsOf(caller.userId, limit, cursor);
    const workspaces = new Map(
      (await this.repository.getMany(page.items.map((m) => m.workspaceId))).map((w) => [w.id, w]),
    );
    // A membership whose workspace is gone (a deletion in progress) is not shown.
    const items = page.items.flatMap((m) => {
      const workspace = workspaces.get(m.workspaceId);
      return workspace ? [view(workspace, m.role)] : [];
    });
    return { items, nextCursor: page.nextCursor };
  }

  async get(caller: Caller, workspaceId: string): Promise<Workspace> {
    const { workspace, membership } = await this.authorize(caller, workspaceId, 'workspace.read');
    return view(workspace, membership.role);
  }

  async rename(caller: Caller, workspaceId: string, name: string, version: number): Promise<Workspace> {
    const { membership } = await this.authorize(caller, workspaceId, 'workspace.update');
    const outcome = await this.repository.rename(workspaceId, name, version, this.clock().toISOString());
    if ('missing' in outcome) throw new NotFoundError('No such workspace');
    if ('conflict' in outcome) throw new VersionConflictError(view(outcome.conflict, membership.role));
    return view(outcome.ok, membership.role);
  }

  async delete(caller: Caller, workspaceId: string): Promise<void> {
    await this.authorize(caller, workspaceId, 'workspace.delete');
    if (!(await this.repository.delete(workspaceId))) throw new NotFoundError('No such workspace');
  }

  async members(caller: Caller, workspaceId: string, limit: number, cursor?: string): Promise<Page<Member>> {
    await this.authorize(caller, workspaceId, 'workspace.read');
    const page = await this.repository.members(workspaceId, limit, cursor);
    const names = await this.profiles.names(page.items.map((m) => m.userId));
    return {
      items: page.items.map((m) => memberView(m, names.get(m.userId))),
      nextCursor: page.nextCursor,
    };
  }

  private async target(workspaceId: string, userId: string): Promise<MembershipRecord> {
    const membership = await this.repository.getMembership(workspaceId, userId);
    if (!membership) throw new NotFoundError('No such member');
    return membership;
  }

  async changeRole(caller: Caller, workspaceId: string, userId: string, role: Role): Promise<Member> {
    const { membership: actor } = await this.authorize(caller, workspaceId, 'workspace.read');
    const target = await this.target(workspaceId, userId);
    if (!canManageMember(actor.role, target.role, role)) throw new ForbiddenError();
    if (target.role !== role) {
      const outcome = await this.repository.setRole(target, role);
      if (outcome === 'last-owner') throw new ConflictError('A workspace needs at least one owner');
      if (outcome === 'changed')
        throw new ConflictError('The member changed meanwhile; reload and try again');
    }
    const names = await this.profiles.names([userId]);
    return {
      userId,
      email: target.email,
      name: names.get(userId) ?? target.email,
      role,
      joinedAt: target.joinedAt,
    };
  }

  /** Owners and admins remove members (admins not owners); anyone may leave a workspace themselves. */
  async removeMember(caller: Caller, workspaceId: string, userId: string): Promise<void> {
    const { membership: actor } = await this.authorize(caller, workspaceId, 'workspace.read');
    const target = userId === caller.userId ? actor : await this.target(workspaceId, userId);
    if (userId !== caller.userId && !canManageMember(actor.role, target.role)) throw new ForbiddenError();
    const outcome = await this.repository.removeMember(target);
    if (outcome === 'last-owner') throw new ConflictError('A workspace needs at least one owner');
    if (outcome === 'changed') throw new ConflictError('The member changed meanwhile; reload and try again');
  }
}
