import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { logger, metrics, publishMetrics } from '#functions/lib/observability';
import { addressesToSuppress, type SesEventDetail } from '#functions/domain/notification-email';
import { DynamoMailerRepository } from '#functions/store/mailer-repository';

const repository = new DynamoMailerRepository(ddb, config.tableName);

/**
 * Bounce and complaint events of the stage's SES configuration set (EventBridge rule, infra/stacks/api-stack.ts):
 * their addresses are suppressed, and the email worker mails them no more (notification emails check it).
 */
export const handler = middy<EventBridgeEvent<string, SesEventDetail>, void>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics())
  .handler(async (event) => {
    const { addresses, reason } = addressesToSuppress(event.detail);
    await Promise.all(addresses.map((address) => repository.suppress(address, reason, event.time)));
    if (addresses.length) metrics.addMetric('EmailAddressesSuppressed', MetricUnit.Count, addresses.length);
    logger.info('SES event', { eventType: event.detail.eventType, suppressed: addresses.length });
  });
