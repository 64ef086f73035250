import * as z from 'zod';
import {
  listNotificationsQuerySchema,
  markReadSchema,
  NOTIFICATION_KINDS,
} from '#shared/schemas/notifications';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { ValidationError } from '#functions/lib/errors';
import { bodyOf, caller, httpFunction, ok, queryOf, type ApiRequest } from '#functions/lib/http';
import { pageQuerySchema } from '#functions/lib/pagination';
import { channelOf, verifyUnsubscribeToken } from '#functions/domain/notification-email';
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
  /** RFC 8058 one-click (a POST from the mail client, body `List-Unsubscribe=One-Click`), without signing in. */
  'POST /api/unsubscribe': async (request) => ok(await unsubscribe(request)),
  /** The link in the email's text, clicked by a person (same effect; harmless to repeat). */
  'GET /api/unsubscribe': async (request) => ok(await unsubscribe(request)),
});

async function unsubscribe(request: ApiRequest) {
  const { token } = queryOf(unsubscribeQuery, request);
  const userId = verifyUnsubscribeToken(token, config.unsubscribeSecret);
  if (!userId) throw new ValidationError([{ field: 'token', message: 'is not a valid unsubscribe link' }]);
  const profile = await users.get(userId);
  if (!profile) throw new ValidationError([{ field: 'token', message: 'is not a valid unsubscribe link' }]);
  // Every kind now emailed goes to the bell only; what was off stays off.
  const channels = Object.fromEntries(
    NOTIFICATION_KINDS.filter((kind) => channelOf(profile.notificationPrefs, kind) === 'email').map(
      (kind) => [kind, 'inApp' as const],
    ),
  );
  if (Object.keys(channels).length) {
    await users.update(userId, { notificationPrefs: { channels } }, new Date().toISOString());
  }
  return { unsubscribed: true, settingsUrl: `${config.webUrl}/settings` };
}
