import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { enqueueEmail } from '#functions/lib/email-queue';
import { logger, metrics, publishMetrics } from '#functions/lib/observability';
import { HousekeepingService, type HousekeepingOutcome } from '#functions/domain/housekeeping';
import { DueReminderService, type ReminderOutcome } from '#functions/domain/reminders';
import { DynamoHousekeepingRepository } from '#functions/store/housekeeping-repository';
import { DynamoReminderRepository } from '#functions/store/reminder-repository';

const reminders = new DynamoReminderRepository(ddb, config.tableName);
const housekeeping = new DynamoHousekeepingRepository(ddb, config.tableName);

/** Time kept back from the timeout for the unit of work in flight; what is left fails the run, and its retry goes on. */
const TIME_RESERVE_MS = 30_000;

export interface DailyResult {
  at: string;
  reminders: ReminderOutcome;
  housekeeping: HousekeepingOutcome;
}

/**
 * The daily run (EventBridge schedule, infra/functions.ts): due-date reminder digests, then housekeeping. "Now"
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

    const reminderOutcome = await new DueReminderService(reminders, enqueueEmail, {
      webUrl: config.webUrl,
      hasTime,
    }).run(now);
    metrics.addMetric('DueDigestsSent', MetricUnit.Count, reminderOutcome.sent);
    logger.info('Due-date reminders', { ...reminderOutcome });

    const housekeepingOutcome = await new HousekeepingService(housekeeping, hasTime).run(now);
    metrics.addMetric('DeletedTasksPurged', MetricUnit.Count, housekeepingOutcome.purgedTasks);
    logger.info('Housekeeping', { ...housekeepingOutcome });

    // A digest that could not be queued has its marker given back: failing the run makes the retry send it.
    if (reminderOutcome.failed > 0) {
      throw new Error(`${reminderOutcome.failed} due-date digest(s) could not be queued`);
    }
    return { at: now.toISOString(), reminders: reminderOutcome, housekeeping: housekeepingOutcome };
  });
