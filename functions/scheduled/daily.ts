import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { enqueueEmail } from '#functions/lib/email-queue';
import { mailing, notificationMailer, scheduleNotificationEmail } from '#functions/lib/notification-mail';
import { logger, metrics, publishMetrics } from '#functions/lib/observability';
import { DigestService, type DigestOutcome } from '#functions/domain/digest';
import { HousekeepingService, type HousekeepingOutcome } from '#functions/domain/housekeeping';
import { DueReminderService, type ReminderOutcome } from '#functions/domain/reminders';
import { DynamoHousekeepingRepository } from '#functions/store/housekeeping-repository';
import { DynamoNotificationRepository } from '#functions/store/notification-repository';
import { DynamoReminderRepository } from '#functions/store/reminder-repository';

const reminders = new DynamoReminderRepository(ddb, config.tableName);
const housekeeping = new DynamoHousekeepingRepository(ddb, config.tableName);
const notifications = new DynamoNotificationRepository(ddb, config.tableName);
// The digest goes on the email queue; the email worker sends it.
const mailer = notificationMailer(enqueueEmail);

/** Time kept back from the timeout for the unit of work in flight; what is left fails the run, and its retry goes on. */
const TIME_RESERVE_MS = 30_000;

export interface DailyResult {
  at: string;
  reminders: ReminderOutcome;
  digests: DigestOutcome;
  housekeeping: HousekeepingOutcome;
}

/**
 * The daily run (EventBridge schedule, infra/functions.ts): due-date reminders ("due soon" notifications and
 * emails), then the daily digest emails (today's "due soon" included), then housekeeping. "Now"
 * is the schedule's `time`, so a retry of the same run (Lambda retries a failed asynchronous invocation twice)
 * works out the same days; both parts are idempotent. An event without a time (a manual invoke) runs as of now.
 */
export const handler = middy<Partial<ScheduledEvent>, DailyResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics())
  .handler(async (event, context) => {
    const parsed = event.time ? new Date(event.time) : new Date();
    const now = Number.isNaN(parsed.getTime()) ? new Date() : parsed;
    const hasTime = () => context.getRemainingTimeInMillis() > TIME_RESERVE_MS;

    const notices = {
      putIfAbsent: notifications.putIfAbsent.bind(notifications),
      schedule: scheduleNotificationEmail,
    };
    const reminderOutcome = await new DueReminderService(reminders, enqueueEmail, notices, {
      webUrl: config.webUrl,
      hasTime,
    }).run(now);
    metrics.addMetric('DueDigestsSent', MetricUnit.Count, reminderOutcome.sent);
    metrics.addMetric('DueSoonNotifications', MetricUnit.Count, reminderOutcome.notified);
    logger.info('Due-date reminders', { ...reminderOutcome });

    const digestOutcome = await new DigestService(mailing.repository, mailer, hasTime).run(now);
    metrics.addMetric('DailyDigestsSent', MetricUnit.Count, digestOutcome.sent);
    logger.info('Daily digests', { ...digestOutcome });

    const housekeepingOutcome = await new HousekeepingService(housekeeping, hasTime).run(now);
    metrics.addMetric('DeletedTasksPurged', MetricUnit.Count, housekeepingOutcome.purgedTasks);
    logger.info('Housekeeping', { ...housekeepingOutcome });

    // An email that could not be queued has its marker given back: failing the run makes the retry send it.
    if (reminderOutcome.failed > 0 || digestOutcome.failed > 0) {
      throw new Error(
        `${reminderOutcome.failed} due-date email(s) and ${digestOutcome.failed} digest(s) could not be queued`,
      );
    }
    return {
      at: now.toISOString(),
      reminders: reminderOutcome,
      digests: digestOutcome,
      housekeeping: housekeepingOutcome,
    };
  });
