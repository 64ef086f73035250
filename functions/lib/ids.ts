import { ulid } from 'ulid';
import { z } from 'zod';

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

export const workspaceIdSchema = z.string().regex(ULID, 'is not a workspace id');

export const childIdSchema = z.string().refine((id) => workspaceOf(id) !== undefined, 'is not a valid id');
