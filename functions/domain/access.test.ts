import { ROLES, type Role } from '#shared/schemas/workspaces';
import { can, canManageMember, type Action } from './access.ts';

describe('the roles table', () => {
  const table: Array<[Action, Role[]]> = [
    ['workspace.read', ['owner', 'admin', 'member', 'viewer']],
    ['workspace.update', ['owner']],
    ['workspace.delete', ['owner']],
    ['members.manage', ['owner', 'admin']],
    ['project.create', ['owner', 'admin', 'member']],
    ['project.manage', ['owner', 'admin']],
    ['task.write', ['owner', 'admin', 'member']],
    ['task.delete.any', ['owner', 'admin']],
    ['comment.delete.any', ['owner', 'admin']],
    ['workspace.export', ['owner', 'admin']],
  ];

  it.each(table)('%s is allowed to exactly %j', (action, allowed) => {
    expect(ROLES.filter((role) => can(role, action))).toEqual(allowed);
  });

  it('lets admins manage members but not owners, nor make owners', () => {
    expect(canManageMember('admin', 'member', 'viewer')).toBe(true);
    expect(canManageMember('admin', 'viewer')).toBe(true);
    expect(canManageMember('admin', 'owner', 'member')).toBe(false);
    expect(canManageMember('admin', 'owner')).toBe(false);
    expect(canManageMember('admin', 'member', 'owner')).toBe(false);
    expect(canManageMember('owner', 'owner', 'member')).toBe(true);
    expect(canManageMember('member', 'viewer', 'member')).toBe(false);
    expect(canManageMember('viewer', 'viewer')).toBe(false);
  });
});
