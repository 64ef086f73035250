import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { DynamoDBRecord, DynamoDBStreamEvent, DynamoDBBatchResponse } from 'aws-lambda';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { logger, metrics, publishMetrics } from '#functions/lib/observability';
import { bySource, candidatesOf, Notifier, type NotifyItems } from '#functions/domain/notifications';
import { scheduleNotificationEmail } from '#functions/lib/notification-mail';
import { toActivity } from '#functions/store/activity';
import { toJob } from '#functions/store/ai-job-repository';
import { ItemType } from '#functions/store/keys';
import { DynamoNotificationRepository } from '#functions/store/notification-repository';
import { streamImage } from './image.ts';

const processor = new BatchProcessor(EventType.DynamoDBStreams);
const notifier = new Notifier(new DynamoNotificationRepository(ddb, config.tableName));
const ITEMS: NotifyItems = {
  isActivity: (item) => item.type === ItemType.Activity,
  isJob: (item) => item.type === ItemType.Job,
  toActivity,
  toJob,
};

/**
 * Table changes → in-app notifications (functions/domain/notifications.ts), and those the recipient wants by
 * email into their pending email batch or daily digest (functions/domain/notification-email.ts). The mapping's filter
 * (infra/functions.ts) passes task and comment activities and AI job changes. A record that fails (a read or a
 * write) is reported alone and retried; a retry writes nothing twice (each notification's put is conditional on
 * its id, derived from the change).
 */
async function recordHandler(record: DynamoDBRecord): Promise<void> {
  if (!record.eventName) return;
  const candidates = candidatesOf(
    {
      eventName: record.eventName,
      newItem: streamImage(record.dynamodb?.NewImage),
      oldItem: streamImage(record.dynamodb?.OldImage),
    },
    ITEMS,
  );
  for (const group of bySource(candidates)) {
    const delivered = await notifier.deliver(group);
    const fresh = delivered.filter((d) => d.fresh).length;
    if (fresh > 0) metrics.addMetric('NotificationsCreated', MetricUnit.Count, fresh);
    // Email: into each recipient's batch or digest (idempotent, so a retried record schedules again safely).
    for (const { record, prefs } of delivered) await scheduleNotificationEmail([record], prefs);
  }
}

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics())
  .handler(async (event, context) => processPartialResponse(event, recordHandler, processor, { context }));
