import * as z from 'zod';

export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const roleSchema = z.enum(ROLES);

export const workspaceNameSchema = z.string().trim().min(1).max(100);

export const createWorkspaceSchema = z.strictObject({ name: workspaceNameSchema });

export const patchWorkspaceSchema = z.strictObject({
  version: z.number().int().positive(),
  name: workspaceNameSchema,
});

export const patchMemberSchema = z.strictObject({ role: roleSchema });

export interface Workspace {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: string;
}

export const createInvitationSchema = z.strictObject({
  email: z
    .email()
    .max(254)
    .transform((e) => e.toLowerCase()),
  role: roleSchema,
});

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  expiresAt: string;
  createdAt: string;
  invitedBy: string;
}

/** `GET /api/invitations/{token}`: what an invitation link shows before it is accepted. */
export interface InvitationPreview {
  workspaceId: string;
  workspaceName: string;
  inviterName: string | null;
  role: Role;
  /** The invited address; masked (`a***@example.com`) unless it is the caller's. */
  email: string;
  expiresAt: string;
  status: 'pending' | 'accepted' | 'expired';
  /** Whether the signed-in caller is the person invited (only they can accept). */
  forYou: boolean;
}

export interface AcceptedMembership {
  workspaceId: string;
  workspaceName: string;
  userId: string;
  role: Role;
  joinedAt: string;
}
