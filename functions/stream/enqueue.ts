import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBRecord, DynamoDBStreamEvent, DynamoDBBatchResponse } from 'aws-lambda';
import { config } from '#functions/lib/config';
import { enqueueEmail } from '#functions/lib/email-queue';
import { logger } from '#functions/lib/observability';
import { welcomeEmail } from '#functions/domain/email';
import { ItemType } from '#functions/store/keys';
import { streamImage } from './image.ts';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

/**
 * Turns table changes into queued work. The event source mapping's filter (infra/functions.ts) passes only the
 * records this handles; a record that fails is reported alone, so the poller retries (and bisects) just it.
 */
async function recordHandler(record: DynamoDBRecord): Promise<void> {
  const item = streamImage(record.dynamodb?.NewImage);
  if (record.eventName !== 'INSERT' || !item) return;
  if (item.type === ItemType.User) {
    await enqueueEmail(welcomeEmail({ email: String(item.email), name: String(item.name) }, config.webUrl));
    logger.info('Welcome email queued', { userId: item.id });
  }
}

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) => processPartialResponse(event, recordHandler, processor, { context }));
