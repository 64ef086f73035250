import type { EmailMessage } from '#functions/domain/email';
import { NotificationMailer, scheduleEmail } from '#functions/domain/notification-email';
import type { NotificationRecord } from '#functions/domain/notifications';
import type { NotificationPrefs } from '#shared/schemas/me';
import { DynamoMailerRepository } from '#functions/store/mailer-repository';
import { config } from './config.ts';
import { ddb } from './dynamodb.ts';
import { enqueueNotificationBatch } from './email-queue.ts';

/**
 * The notification email's wiring, one for every function that schedules or sends it (notify, workspaces,
 * daily, the email worker): the batch and digest items in the table, the batch's delayed message on the email
 * queue, the links and the unsubscribe secret from the configuration.
 */
export const mailing = {
  repository: new DynamoMailerRepository(ddb, config.tableName),
  queueBatch: enqueueNotificationBatch,
};

/** Puts notifications where their person's preferences send them (soon in a batch, or the daily digest). */
export const scheduleNotificationEmail = (
  notifications: NotificationRecord[],
  prefs: NotificationPrefs | null,
) => scheduleEmail(mailing, notifications, prefs);

/** Sends (or, from the daily run, queues) the batch and digest emails through `send`. */
export const notificationMailer = (send: (message: EmailMessage) => Promise<void>) =>
  new NotificationMailer({
    ...mailing,
    send,
    get webUrl() {
      return config.webUrl;
    },
    get apiUrl() {
      return `${config.webUrl}/api`;
    },
    get secret() {
      return config.unsubscribeSecret;
    },
  });
