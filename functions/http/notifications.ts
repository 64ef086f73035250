import * as z from 'zod';
import {
  listNotificationsQuerySchema,
  markReadSchema,
  type UnsubscribePreview,
  type UnsubscribeResult,
} from '#shared/schemas/notifications';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { ValidationError } from '#functions/lib/errors';
import { bodyOf, caller, httpFunction, ok, queryOf, type ApiRequest } from '#functions/lib/http';
import { pageQuerySchema } from '#functions/lib/pagination';
import { maskEmail } from '#functions/domain/invitations';
import { emailedKinds, verifyUnsubscribeToken } from '#functions/domain/notification-email';
import { NotificationService } from '#functions/domain/notifications';
import { DynamoNotificationRepository } from '#functions/store/notification-repository';
import { DynamoUserRepository } from '#functions/store/user-repository';

const notifications = new NotificationService(new DynamoNotificationRepository(ddb, config.tableName));
const users = new DynamoUserRepository(ddb, config.tableName);
const unsubscribeQuery = z.object({ token: z.string().min(1).max(300) });
const listQuery = z.strictObject({ ...pageQuerySchema.shape, ...listNotificationsQuerySchema.shape });

export const handler = httpFunction({
  /** Newest first, with the caller's unread count. */
  'GET /api/notifications': async (request) => {
    const { limit, cursor, unread } = queryOf(listQuery, request);
    return ok(await notifications.list(caller(request).userId, unread === 'true', limit, cursor));
  },
  'POST /api/notifications/read': async (request) =>
    ok(await notifications.markRead(caller(request).userId, bodyOf(markReadSchema, request))),
  /**
   * RFC 8058 one-click (a POST from the mail client, body `List-Unsubscribe=One-Click`) and the web app's
   * Unsubscribe button, without signing in: every kind now emailed goes to the bell only.
   */
  'POST /api/unsubscribe': async (request) => ok(await unsubscribe(request)),
  /**
   * What the link would unsubscribe, for the web app's page (`/unsubscribe?token=`) that the emails link to.
   * Changes nothing: mail scanners that follow links must not unsubscribe anyone.
   */
  'GET /api/unsubscribe': async (request) => ok(await preview(request)),
});

const invalidToken = () =>
  new ValidationError([{ field: 'token', message: 'is not a valid unsubscribe link' }]);

/** The profile a signed unsubscribe token names (a forged or garbled token, or a profile gone: 400 `token`). */
async function profileOf(request: ApiRequest) {
  const { token } = queryOf(unsubscribeQuery, request);
  const userId = verifyUnsubscribeToken(token, config.unsubscribeSecret);
  const profile = userId ? await users.get(userId) : undefined;
  if (!profile) throw invalidToken();
  return profile;
}

const settingsUrl = () => `${config.webUrl}/settings`;

async function preview(request: ApiRequest): Promise<UnsubscribePreview> {
  const profile = await profileOf(request);
  const emailed = emailedKinds(profile.notificationPrefs);
  return {
    email: maskEmail(profile.email),
    emailed,
    unsubscribed: emailed.length === 0,
    settingsUrl: settingsUrl(),
  };
}

async function unsubscribe(request: ApiRequest): Promise<UnsubscribeResult> {
  const profile = await profileOf(request);
  // Every kind now emailed (at once or in the digest) goes to the bell only; what was off stays off.
  const changed = emailedKinds(profile.notificationPrefs);
  if (changed.length) {
    const channels = Object.fromEntries(changed.map((kind) => [kind, 'inApp' as const]));
    await users.update(profile.id, { notificationPrefs: { channels } }, new Date().toISOString());
  }
  return { unsubscribed: true, changed, settingsUrl: settingsUrl() };
}
