import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { logger } from '#functions/lib/observability';
import { s3FileStore } from '#functions/lib/attachment-storage';
import { renderThumbnail } from '#functions/lib/thumbnail-image';
import { ThumbnailService } from '#functions/domain/thumbnails';
import { DynamoAttachmentRepository, toAttachment } from '#functions/store/attachment-repository';
import { streamImage } from './image.ts';

const processor = new BatchProcessor(EventType.DynamoDBStreams);
const thumbnails = new ThumbnailService(
  new DynamoAttachmentRepository(ddb, config.tableName),
  s3FileStore(config.attachmentsBucket),
  renderThumbnail,
);

/**
 * The thumbnail worker (functions/domain/thumbnails.ts). The mapping's filter (infra/functions.ts) passes only
 * image attachments going pending → ready. One image at a time (each takes sharp's whole attention); a record
 * that fails (storage or table trouble) is reported alone and retried by the mapping.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) => {
    const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
      const image = streamImage(record.dynamodb?.NewImage);
      if (!image) return;
      const attachment = toAttachment(image);
      const result = await thumbnails.make(attachment);
      logger.info('Thumbnail', { attachmentId: attachment.id, result });
    };
    return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
  });
