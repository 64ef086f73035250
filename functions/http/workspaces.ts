import * as z from 'zod';
import {
  createInvitationSchema,
  createWorkspaceSchema,
  patchMemberSchema,
  patchWorkspaceSchema,
} from '#shared/schemas/workspaces';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { bodyOf, caller, created, httpFunction, noContent, ok, pathOf, queryOf } from '#functions/lib/http';
import { childIdSchema, workspaceIdSchema } from '#functions/lib/ids';
import { enqueueEmail } from '#functions/lib/email-queue';
import { scheduleNotificationEmail } from '#functions/lib/notification-mail';
import { pageQuerySchema } from '#functions/lib/pagination';
import { workspacePath } from '#functions/lib/params';
import { limitRequests } from '#functions/lib/rate-limit';
import { InvitationService } from '#functions/domain/invitations';
import { WorkspaceService } from '#functions/domain/workspaces';
import { DynamoInvitationRepository } from '#functions/store/invitation-repository';
import { DynamoNotificationRepository } from '#functions/store/notification-repository';
import { DynamoUserRepository } from '#functions/store/user-repository';
import { DynamoWorkspaceRepository } from '#functions/store/workspace-repository';

const users = new DynamoUserRepository(ddb, config.tableName);
const workspaces = new WorkspaceService(new DynamoWorkspaceRepository(ddb, config.tableName), users);
const invitations = new InvitationService(
  new DynamoInvitationRepository(ddb, config.tableName),
  workspaces,
  enqueueEmail,
  (ids) => users.names(ids),
  () => config.webUrl,
  invitationNotices(),
);

/** An invitation to someone who has an account also reaches their bell (functions/domain/invitations.ts). */
function invitationNotices() {
  const notifications = new DynamoNotificationRepository(ddb, config.tableName);
  return {
    accounts: (email: string) => users.accountsByEmail(email),
    putIfAbsent: notifications.putIfAbsent.bind(notifications),
    markRead: notifications.markRead.bind(notifications),
    schedule: scheduleNotificationEmail,
  };
}

const memberPath = z.object({ workspaceId: workspaceIdSchema, userId: z.string().min(1).max(128) });
const invitationPath = z.object({ invitationId: childIdSchema });
const tokenPath = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not an invitation token') });

export const handler = httpFunction({
  'POST /api/workspaces': async (request) =>
    created(await workspaces.create(caller(request), bodyOf(createWorkspaceSchema, request).name)),
  'GET /api/workspaces': async (request) => {
    const { limit, cursor } = queryOf(pageQuerySchema, request);
    return ok(await workspaces.list(caller(request), limit, cursor));
  },
  'GET /api/workspaces/{workspaceId}': async (request) =>
    ok(await workspaces.get(caller(request), pathOf(workspacePath, request).workspaceId)),
  'PATCH /api/workspaces/{workspaceId}': async (request) => {
    const { workspaceId } = pathOf(workspacePath, request);
    const { name, version } = bodyOf(patchWorkspaceSchema, request);
    return ok(await workspaces.rename(caller(request), workspaceId, name, version));
  },
  'DELETE /api/workspaces/{workspaceId}': async (request) => {
    await workspaces.delete(caller(request), pathOf(workspacePath, request).workspaceId);
    return noContent();
  },
  'GET /api/workspaces/{workspaceId}/members': async (request) => {
    const { limit, cursor } = queryOf(pageQuerySchema, request);
    return ok(
      await workspaces.members(caller(request), pathOf(workspacePath, request).workspaceId, limit, cursor),
    );
  },
  'PATCH /api/workspaces/{workspaceId}/members/{userId}': async (request) => {
    const { workspaceId, userId } = pathOf(memberPath, request);
    const { role } = bodyOf(patchMemberSchema, request);
    return ok(await workspaces.changeRole(caller(request), workspaceId, userId, role));
  },
  'DELETE /api/workspaces/{workspaceId}/members/{userId}': async (request) => {
    const { workspaceId, userId } = pathOf(memberPath, request);
    await workspaces.removeMember(caller(request), workspaceId, userId);
    return noContent();
  },
  'POST /api/workspaces/{workspaceId}/invitations': async (request) => {
    const { workspaceId } = pathOf(workspacePath, request);
    const { email, role } = bodyOf(createInvitationSchema, request);
    return created(await invitations.invite(caller(request), workspaceId, email, role));
  },
  'GET /api/workspaces/{workspaceId}/invitations': async (request) => {
    const items = await invitations.list(caller(request), pathOf(workspacePath, request).workspaceId);
    return ok({ items, nextCursor: null });
  },
  'DELETE /api/invitations/{invitationId}': async (request) => {
    await invitations.revoke(caller(request), pathOf(invitationPath, request).invitationId);
    return noContent();
  },
  'GET /api/invitations/{token}': async (request) =>
    ok(await invitations.preview(caller(request), pathOf(tokenPath, request).token)),
  'POST /api/invitations/{token}/accept': async (request) => {
    // Tokens are long and random; still, nobody gets to try many of them.
    await limitRequests(`accept-ip:${request.clientIp}`, config.acceptsPerIpPerMinute);
    return ok(await invitations.accept(caller(request), pathOf(tokenPath, request).token));
  },
});
