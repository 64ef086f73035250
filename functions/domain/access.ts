import type { Role } from '#shared/schemas/workspaces';

/**
 * The roles table of ../shared/API.md, in one place. Rules about a particular object (a task's creator, a
 * comment's author) are decided where that object is known, on top of these.
 */
export type Action =
  | 'workspace.read'
  | 'workspace.update'
  | 'workspace.delete'
  | 'members.manage'
  | 'project.create'
  | 'project.manage'
  | 'task.write'
  | 'task.delete.any'
  | 'comment.delete.any'
  | 'attachment.delete.any'
  | 'workspace.export';

const ALLOWED: Record<Action, readonly Role[]> = {
  'workspace.read': ['owner', 'admin', 'member', 'viewer'],
  'workspace.update': ['owner'],
  'workspace.delete': ['owner'],
  'members.manage': ['owner', 'admin'],
  'project.create': ['owner', 'admin', 'member'],
  'project.manage': ['owner', 'admin'],
  'task.write': ['owner', 'admin', 'member'],
  'task.delete.any': ['owner', 'admin'],
  'comment.delete.any': ['owner', 'admin'],
  'attachment.delete.any': ['owner', 'admin'],
  'workspace.export': ['owner', 'admin'],
};

export function can(role: Role, action: Action): boolean {
  return ALLOWED[action].includes(role);
}

/**
 * Whether `actor` may give `target`'s membership the role `to` (or remove it, `to` undefined). Admins manage
 * everyone but owners, and cannot make owners; owners manage everyone.
 */
export function canManageMember(actor: Role, target: Role, to?: Role): boolean {
  if (!can(actor, 'members.manage')) return false;
  if (actor === 'owner') return true;
  return target !== 'owner' && to !== 'owner';
}
