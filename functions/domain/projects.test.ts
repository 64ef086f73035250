import type { ProjectChanges } from '#shared/schemas/projects';
import type { Role } from '#shared/schemas/workspaces';
import { AppError, ForbiddenError, NotFoundError } from '#functions/lib/errors';
import { newChildId, newWorkspaceId, workspaceOf } from '#functions/lib/ids';
import type { Action } from './access.ts';
import { can } from './access.ts';
import {
  ProjectService,
  type ProjectRecord,
  type ProjectRepository,
  type WorkspaceAuthorizer,
} from './projects.ts';
import type { Caller, MembershipRecord, WorkspaceRecord } from './workspaces.ts';
import { codeOf } from './test-fixtures.ts';

/** An in-memory repository with the same rules as the DynamoDB one (version conditions, key guards). */
class MemoryProjects implements ProjectRepository {
  readonly projects = new Map<string, ProjectRecord>();
  readonly keys = new Map<string, string>(); // `${workspaceId}/${key}` → projectId
  readonly roles = new Map<string, Role>(); // `${workspaceId}/${userId}` → role
  writes = 0;

  async create(project: ProjectRecord) {
    const guard = `${project.workspaceId}/${project.key}`;
    if (this.keys.has(guard)) return 'key-taken' as const;
    this.writes++;
    this.keys.set(guard, project.id);
    this.projects.set(project.id, { ...project });
    return 'ok' as const;
  }
  async getWithMembership(projectId: string, userId: string) {
    const workspaceId = workspaceOf(projectId)!;
    const role = this.roles.get(`${workspaceId}/${userId}`);
    const project = this.projects.get(projectId);
    const membership: MembershipRecord | undefined = role
      ? { workspaceId, userId, role, email: `${userId}@example.com`, joinedAt: '' }
      : undefined;
    return { project: project && { ...project }, membership };
  }
  async list(workspaceId: string, archived: boolean) {
    const items = [...this.projects.values()].filter(
      (p) => p.workspaceId === workspaceId && p.archived === archived,
    );
    return { items, nextCursor: null };
  }
  async update(previous: ProjectRecord, changes: ProjectChanges, version: number, now: string) {
    const stored = this.projects.get(previous.id);
    if (!stored) return { missing: true as const };
    if (stored.version !== version) return { conflict: { ...stored } };
    if (changes.key !== undefined && changes.key !== stored.key) {
      if (this.keys.has(`${stored.workspaceId}/${changes.key}`)) return { keyTaken: true as const };
      this.keys.delete(`${stored.workspaceId}/${stored.key}`);
      this.keys.set(`${stored.workspaceId}/${changes.key}`, stored.id);
    }
    this.writes++;
    const next = { ...stored, ...changes, updatedAt: now, version: stored.version + 1 };
    this.projects.set(stored.id, next);
    return { ok: { ...next } };
  }
  async delete(project: ProjectRecord, version: number) {
    const stored = this.projects.get(project.id);
    if (!stored) return { missing: true as const };
    if (stored.version !== version) return { conflict: { ...stored } };
    this.writes++;
    this.projects.delete(project.id);
    this.keys.delete(`${stored.workspaceId}/${stored.key}`);
    return { ok: true as const };
  }
}

/** WorkspaceService.authorize's rules over the same memberships. */
const authorizerOver = (repo: MemoryProjects): WorkspaceAuthorizer => ({
  async authorize(caller: Caller, workspaceId: string, action: Action) {
    const role = repo.roles.get(`${workspaceId}/${caller.userId}`);
    if (!role) throw new NotFoundError('No such workspace');
    if (!can(role, action)) throw new ForbiddenError();
    return {
      workspace: { id: workspaceId } as WorkspaceRecord,
      membership: { workspaceId, userId: caller.userId, role, email: '', joinedAt: '' },
    };
  },
});

const at = new Date('2026-11-22T10:00:00.000Z');
const person = (userId: string): Caller => ({ userId, email: `${userId}@example.com` });
const owner = person('owner');
const admin = person('admin');
const member = person('member');
const viewer = person('viewer');
const stranger = person('stranger');

function setUp() {
  const repo = new MemoryProjects();
  const workspaceId = newWorkspaceId();
  for (const [userId, role] of [
    ['owner', 'owner'],
    ['admin', 'admin'],
    ['member', 'member'],
    ['viewer', 'viewer'],
  ] as const) {
    repo.roles.set(`${workspaceId}/${userId}`, role);
  }
  const service = new ProjectService(repo, authorizerOver(repo), () => at);
  return { repo, service, workspaceId };
}

describe('ProjectService', () => {
  it('creates a project at version 1 with a task counter it never shows', async () => {
    const { repo, service, workspaceId } = setUp();
    const project = await service.create(member, workspaceId, { name: 'Web', key: 'WEB', description: '' });
    expect(project).toEqual({
      id: expect.stringMatching(new RegExp(`^${workspaceId}\\.[0-9A-Z]{26}$`)),
      workspaceId,
      name: 'Web',
      key: 'WEB',
      description: '',
      archived: false,
      taskCount: 0,
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
      version: 1,
    });
    expect(repo.projects.get(project.id)).toMatchObject({ taskSeq: 0 });
    expect(await service.get(viewer, project.id)).not.toHaveProperty('taskSeq');
  });

  it('refuses a key the workspace already uses with a CONFLICT naming it', async () => {
    const { service, workspaceId } = setUp();
    await service.create(owner, workspaceId, { name: 'A', key: 'APP', description: '' });
    await expect(
      service.create(admin, workspaceId, { name: 'B', key: 'APP', description: '' }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('APP') });
  });

  it('answers 404 alike for a non-member, an unknown project and a malformed id', async () => {
    const { service, workspaceId } = setUp();
    const { id } = await service.create(owner, workspaceId, { name: 'A', key: 'APP', description: '' });
    expect(await codeOf(service.get(stranger, id))).toBe('NOT_FOUND');
    expect(await codeOf(service.get(owner, newChildId(workspaceId)))).toBe('NOT_FOUND');
    expect(await codeOf(service.get(owner, 'not-an-id'))).toBe('NOT_FOUND');
    // Existence is checked before the role: a viewer learns nothing new, a stranger nothing at all.
    expect(await codeOf(service.update(stranger, id, 1, { name: 'X' }))).toBe('NOT_FOUND');
  });

  it.each([
    ['owner', owner, 'ok'],
    ['admin', admin, 'ok'],
    ['member', member, 'FORBIDDEN'],
    ['viewer', viewer, 'FORBIDDEN'],
  ])('lets the %s manage a project as the roles table says', async (_, who, expected) => {
    const { service, workspaceId } = setUp();
    const { id } = await service.create(owner, workspaceId, { name: 'A', key: 'APP', description: '' });
    expect(await codeOf(service.update(who, id, 1, { archived: true }))).toBe(expected);
    expect(await codeOf(service.delete(who, id, expected === 'ok' ? 2 : 1))).toBe(expected);
  });

  it('answers a stale version with the stored project and writes nothing', async () => {
    const { repo, service, workspaceId } = setUp();
    const { id } = await service.create(owner, workspaceId, { name: 'A', key: 'APP', description: '' });
    await service.update(owner, id, 1, { name: 'B' });
    const writes = repo.writes;
    const error = await service.update(owner, id, 1, { name: 'Lost' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'VERSION_CONFLICT',
      extra: { current: expect.objectContaining({ name: 'B', version: 2 }) },
    });
    expect((error as AppError).extra?.current).not.toHaveProperty('taskSeq');
    expect(await codeOf(service.delete(owner, id, 1))).toBe('VERSION_CONFLICT');
    expect(repo.writes).toBe(writes);
  });

  it('moves the key: the old one is free again, a taken one is a CONFLICT', async () => {
    const { repo, service, workspaceId } = setUp();
    const a = await service.create(owner, workspaceId, { name: 'A', key: 'AAA', description: '' });
    await service.create(owner, workspaceId, { name: 'B', key: 'BBB', description: '' });
    expect(await codeOf(service.update(owner, a.id, 1, { key: 'BBB' }))).toBe('CONFLICT');
    const moved = await service.update(owner, a.id, 1, { key: 'CCC' });
    expect(moved).toMatchObject({ key: 'CCC', version: 2 });
    expect(repo.keys.has(`${workspaceId}/AAA`)).toBe(false);
    expect(
      await codeOf(service.create(member, workspaceId, { name: 'Again', key: 'AAA', description: '' })),
    ).toBe('ok');
  });

  it('lists active projects by default and archived ones on request', async () => {
    const { service, workspaceId } = setUp();
    const a = await service.create(owner, workspaceId, { name: 'A', key: 'AAA', description: '' });
    const b = await service.create(owner, workspaceId, { name: 'B', key: 'BBB', description: '' });
    await service.update(owner, b.id, 1, { archived: true });
    expect((await service.list(viewer, workspaceId, false, 50)).items.map((p) => p.id)).toEqual([a.id]);
    expect((await service.list(viewer, workspaceId, true, 50)).items.map((p) => p.id)).toEqual([b.id]);
    expect(await codeOf(service.list(stranger, workspaceId, false, 50))).toBe('NOT_FOUND');
  });
});
