import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBRecord, DynamoDBStreamEvent, DynamoDBBatchResponse } from 'aws-lambda';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { logger } from '#functions/lib/observability';
import { CleanupService } from '#functions/domain/cleanup';
import { objectKeysOf } from '#functions/domain/attachments';
import { s3FileStore } from '#functions/lib/attachment-storage';
import { toAttachment } from '#functions/store/attachment-repository';
import { cleanupOf, DynamoCleanupRepository } from '#functions/store/cleanup-repository';
import { ItemType } from '#functions/store/keys';
import { streamImage } from './image.ts';

const processor = new BatchProcessor(EventType.DynamoDBStreams);
const repository = new DynamoCleanupRepository(ddb, config.tableName);
const files = s3FileStore(config.attachmentsBucket);

/**
 * Time kept back from the function's timeout: enough for the unit of work in flight (a page) and the reply.
 * Work left over fails its record on purpose, and the mapping's next delivery goes on from there.
 */
const TIME_RESERVE_MS = 10_000;

/**
 * Cleans up after removed projects, workspaces and labels (functions/domain/cleanup.ts), and deletes the file
 * (and thumbnail) of every removed attachment item. The mapping's filter
 * (infra/functions.ts) passes only their REMOVE records. Records run one after the other, in stream order: a
 * record that fails (or runs out of time) is reported alone, so the mapping retries from it.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) => {
    const service = new CleanupService(repository, {
      hasTime: () => context.getRemainingTimeInMillis() > TIME_RESERVE_MS,
    });
    const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
      const removed = streamImage(record.dynamodb?.OldImage);
      if (record.eventName !== 'REMOVE' || !removed) return;
      // An attachment item that went (deleted, expired, or with its task or project): its file and (an image's)
      // thumbnail go too.
      if (removed.type === ItemType.Attachment) {
        await Promise.all(objectKeysOf(toAttachment(removed)).map((key) => files.delete(key)));
        return;
      }
      const cleanup = cleanupOf(removed);
      if (!cleanup) return;
      await service.run(cleanup);
      logger.info('Cleaned up', { cleanup });
    };
    return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
  });
