import { createHash, randomBytes } from 'node:crypto';
import type { AcceptedMembership, Invitation, InvitationPreview, Role } from '#shared/schemas/workspaces';
import { ConflictError, ForbiddenError, NotFoundError } from '#functions/lib/errors';
import { newChildId, workspaceOf } from '#functions/lib/ids';
import { canManageMember } from './access.ts';
import { channelOf, type NotificationPrefs } from '#shared/schemas/me';
import type { EmailMessage } from './email.ts';
import { notificationId, type NotificationRecord } from './notifications.ts';
import type { Caller, WorkspaceService } from './workspaces.ts';

export const INVITATION_DAYS = 7;

export interface InvitationRecord extends Invitation {
  workspaceId: string;
  tokenHash: string;
}

export type AcceptOutcome =
  | { ok: AcceptedMembership }
  | { error: 'not-found' | 'expired' | 'already-accepted' | 'already-member' | 'workspace-gone' };

export interface InvitationRepository {
  /** Stores the invitation, its token lookup and its email guard; false when one is already pending. */
  create(invitation: InvitationRecord, nowEpochSeconds: number): Promise<boolean>;
  list(workspaceId: string): Promise<InvitationRecord[]>;
  get(workspaceId: string, invitationId: string): Promise<InvitationRecord | undefined>;
  revoke(invitation: InvitationRecord): Promise<void>;
  byTokenHash(tokenHash: string): Promise<(InvitationRecord & { acceptedAt?: string }) | undefined>;
  /** Turns the invitation into a membership in one transaction. */
  accept(
    invitation: InvitationRecord,
    member: { userId: string; email: string; joinedAt: string },
  ): Promise<AcceptOutcome>;
  isMemberEmail(workspaceId: string, email: string): Promise<boolean>;
}

/**
 * The in-app side of an invitation: a person invited who already has an account gets an "invitation"
 * notification (unless they turned the kind off) linking to the web app's accept page, `/invitations/<token>`;
 * the kind's channel also decides the email (`email`: the invitation email, as for anyone without an account;
 * `digest`: the daily digest instead; `inApp`, `off`: none). Accepting marks it read.
 */
export interface InvitationNotices {
  /** The accounts registered with this address, with their notification preferences. */
  accounts(email: string): Promise<Array<{ userId: string; prefs: NotificationPrefs | null }>>;
  putIfAbsent(record: NotificationRecord): Promise<boolean>;
  /** Collects notifications into the daily digest where the person's channel says so. */
  schedule(records: NotificationRecord[], prefs: NotificationPrefs | null): Promise<void>;
  markRead(userId: string, ids: string[], at: string): Promise<void>;
}

/** The id of an invitation's notification: one per invitation and account (the same on a retry). */
const invitationNoticeId = (invitation: Pick<InvitationRecord, 'id' | 'createdAt'>) =>
  notificationId({ sourceKey: `invitation:${invitation.id}`, kind: 'invitation', at: invitation.createdAt });

/** `alex@example.com` → `a***@example.com`: enough to tell someone which address to sign in with. */
export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  return at <= 0 ? '***' : `${email[0]}***${email.slice(at)}`;
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

const view = (i: InvitationRecord): Invitation => ({
  id: i.id,
  email: i.email,
  role: i.role,
  expiresAt: i.expiresAt,
  createdAt: i.createdAt,
  invitedBy: i.invitedBy,
});

export function invitationEmail(input: {
  to: string;
  inviterName: string;
  workspaceName: string;
  role: Role;
  acceptUrl: string;
  expiresAt: string;
}): EmailMessage {
  const day = input.expiresAt.slice(0, 10);
  const text = [
    `${input.inviterName} invited you to join "${input.workspaceName}" on TeamFlow as ${input.role}.`,
    '',
    `Accept the invitation: ${input.acceptUrl}`,
    '',
    `The link works until ${day}. If you did not expect this email, you can ignore it.`,
  ].join('\n');
  return { kind: 'invitation', to: input.to, subject: `Join ${input.workspaceName} on TeamFlow`, text };
}

export class InvitationService {
  constructor(
    private readonly repository: InvitationRepository,
    private readonly workspaces: WorkspaceService,
    private readonly deliver: (message: EmailMessage) => Promise<void>,
    private readonly names: (userIds: string[]) => Promise<Map<string, string>>,
    private readonly webUrl: () => string,
    private readonly notices: InvitationNotices,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async invite(caller: Caller, workspaceId: string, email: string, role: Role): Promise<Invitation> {
    const { workspace, membership } = await this.workspaces.authorize(caller, workspaceId, 'members.manage');
    if (!canManageMember(membership.role, role, role))
      throw new ForbiddenError('Only owners can invite owners');
    if (await this.repository.isMemberEmail(workspaceId, email)) {
      throw new ConflictError(`${email} is already a member of this workspace`);
    }
    const now = this.clock();
    const token = randomBytes(32).toString('base64url');
    const invitation: InvitationRecord = {
      id: newChildId(workspaceId),
      workspaceId,
      email,
      role,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86_400_000).toISOString(),
      invitedBy: caller.userId,
      tokenHash: hashToken(token),
    };
    if (!(await this.repository.create(invitation, Math.floor(now.getTime() / 1000)))) {
      throw new ConflictError(`${email} already has a pending invitation`);
    }
    const inviterName = (await this.names([caller.userId])).get(caller.userId) ?? caller.email;
    const notified: NotificationRecord[] = [];
    try {
      const accounts = await this.notices.accounts(email);
      for (const { userId, prefs } of accounts) {
        if (channelOf(prefs, 'invitation') === 'off') continue;
        const notice: NotificationRecord = {
          id: invitationNoticeId(invitation),
          userId,
          kind: 'invitation',
          workspaceId,
          projectId: null,
          taskId: null,
          actorId: caller.userId,
          title: `${inviterName} invited you to join ${workspace.name} as ${role}`.slice(0, 300),
          excerpt: `Open it to accept; it works until ${invitation.expiresAt.slice(0, 10)}.`,
          // The accept page needs the token: only the invitee reads their own notifications.
          link: `/invitations/${token}`,
          createdAt: invitation.createdAt,
          readAt: null,
        };
        await this.notices.putIfAbsent(notice);
        await this.notices.schedule([notice], prefs);
        notified.push(notice);
      }
      // The invitation email: to an address without an account, or an account whose channel asks for it.
      const emailed =
        accounts.length === 0 || accounts.some((a) => channelOf(a.prefs, 'invitation') === 'email');
      if (emailed) {
        await this.deliver(
          invitationEmail({
            to: email,
            inviterName,
            workspaceName: workspace.name,
            role,
            acceptUrl: `${this.webUrl()}/invitations/${token}`,
            expiresAt: invitation.expiresAt,
          }),
        );
      }
    } catch (error) {
      // No invitation without its email or notification: undo, so a retry can start over.
      await this.repository.revoke(invitation);
      for (const notice of notified) {
        await this.notices.markRead(notice.userId, [notice.id], now.toISOString()).catch(() => undefined);
      }
      throw error;
    }
    return view(invitation);
  }

  async list(caller: Caller, workspaceId: string): Promise<Invitation[]> {
    await this.workspaces.authorize(caller, workspaceId, 'members.manage');
    const now = this.clock().toISOString();
    return (await this.repository.list(workspaceId)).filter((i) => i.expiresAt > now).map(view);
  }

  async revoke(caller: Caller, invitationId: string): Promise<void> {
    const workspaceId = workspaceOf(invitationId);
    if (!workspaceId) throw new NotFoundError('No such invitation');
    await this.workspaces.authorize(caller, workspaceId, 'members.manage');
    const invitation = await this.repository.get(workspaceId, invitationId);
    if (!invitation) throw new NotFoundError('No such invitation');
    await this.repository.revoke(invitation);
  }

  /**
   * What the holder of an invitation link sees before accepting: the workspace, who invited them, the role, and
   * whether it can still be accepted by them. The token is the secret: whoever holds it may read this much (the
   * invited address is shown in full only to that address).
   */
  async preview(caller: Caller, token: string): Promise<InvitationPreview> {
    const invitation = await this.repository.byTokenHash(hashToken(token));
    if (!invitation) throw new NotFoundError('No such invitation');
    const [workspaceName, names] = await Promise.all([
      this.workspaces.nameOf(invitation.workspaceId),
      this.names([invitation.invitedBy]),
    ]);
    if (!workspaceName) throw new NotFoundError('No such invitation');
    const forYou = invitation.email === caller.email.toLowerCase();
    const status = invitation.acceptedAt
      ? 'accepted'
      : invitation.expiresAt <= this.clock().toISOString()
        ? 'expired'
        : 'pending';
    return {
      workspaceId: invitation.workspaceId,
      workspaceName,
      inviterName: names.get(invitation.invitedBy) ?? null,
      role: invitation.role,
      email: forYou ? invitation.email : maskEmail(invitation.email),
      expiresAt: invitation.expiresAt,
      status,
      forYou,
    };
  }

  async accept(caller: Caller, token: string): Promise<AcceptedMembership> {
    const invitation = await this.repository.byTokenHash(hashToken(token));
    if (!invitation) throw new NotFoundError('No such invitation');
    if (invitation.acceptedAt) throw new ConflictError('This invitation was already accepted');
    if (invitation.expiresAt <= this.clock().toISOString())
      throw new ConflictError('This invitation has expired');
    if (invitation.email !== caller.email.toLowerCase()) {
      throw new ForbiddenError(`This invitation is for ${invitation.email}; sign in with that address`);
    }
    const joinedAt = this.clock().toISOString();
    const outcome = await this.repository.accept(invitation, {
      userId: caller.userId,
      email: caller.email.toLowerCase(),
      joinedAt,
    });
    if ('ok' in outcome) {
      // Its notification has done its job (a conditional update; there may be none: no account then, or off).
      await this.notices
        .markRead(caller.userId, [invitationNoticeId(invitation)], joinedAt)
        .catch(() => undefined);
      return outcome.ok;
    }
    switch (outcome.error) {
      case 'already-member':
        throw new ConflictError('You are already a member of this workspace');
      case 'already-accepted':
        throw new ConflictError('This invitation was already accepted');
      case 'expired':
        throw new ConflictError('This invitation has expired');
      default:
        throw new NotFoundError('No such invitation');
    }
  }
}
