import { ulid } from 'ulid';
import * as z from 'zod';

/**
 * Ids are opaque to clients. Workspaces have plain ULIDs; everything inside a workspace has
 * `<workspaceId>.<ulid>`, so a request can read the object and the caller's membership in one BatchGetItem
 * (see docs/data-model.md, "Identifiers").
 */
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const newWorkspaceId = (): string => ulid();

export const newChildId = (workspaceId: string): string => `${workspaceId}.${ulid()}`;

/** The workspace an inner id belongs to, or undefined when the id is not of that form. */
export function workspaceOf(id: string): string | undefined {
  const [workspaceId, own, ...rest] = id.split('.');
  return rest.length === 0 && workspaceId && own && ULID.test(workspaceId) && ULID.test(own)
    ? workspaceId
    : undefined;
}

/**
 * Things that always belong to one parent inside a workspace (a task's subtasks and comments, a project's
 * sprints) have `<parentId>.<ulid>`: the id names its parent, so one BatchGetItem reads the thing, its parent
 * and the caller's membership, and the thing is stored in its parent's partition (strongly consistent lists).
 */
export const newGrandchildId = (parentId: string): string => `${parentId}.${ulid()}`;

/** The parent (`<workspaceId>.<ulid>`) of a `<parentId>.<ulid>` id, or undefined when the id is not of that form. */
export function parentOf(id: string): string | undefined {
  const parts = id.split('.');
  if (parts.length !== 3 || !ULID.test(parts[2]!)) return undefined;
  const parent = `${parts[0]}.${parts[1]}`;
  return workspaceOf(parent) ? parent : undefined;
}

export const workspaceIdSchema = z.string().regex(ULID, 'is not a workspace id');

export const childIdSchema = z.string().refine((id) => workspaceOf(id) !== undefined, 'is not a valid id');

export const grandchildIdSchema = z.string().refine((id) => parentOf(id) !== undefined, 'is not a valid id');

/** Personal goals have plain ULIDs (see docs/data-model.md, "Goals"); workspace goals `<workspaceId>.<ulid>`. */
export const isUlid = (id: string): boolean => ULID.test(id);
