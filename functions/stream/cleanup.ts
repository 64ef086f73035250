import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent, DynamoDBBatchResponse } from 'aws-lambda';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { logger } from '#functions/lib/observability';
import { CleanupService } from '#functions/domain/cleanup';
import { cleanupOf, DynamoCleanupRepository } from '#functions/store/cleanup-repository';

const processor = new BatchProcessor(EventType.DynamoDBStreams);
const repository = new DynamoCleanupRepository(ddb, config.tableName);

/**
 * Time kept back from the function's timeout: enough for the unit of work in flight (a page) and the reply.
 * Work left over fails its record on purpose, and the mapping's next delivery goes on from there.
 */
const TIME_RESERVE_MS = 10_000;

/**
 * Cleans up after removed projects, workspaces and labels (functions/domain/cleanup.ts). The mapping's filter
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
      const image = record.dynamodb?.OldImage;
      if (record.eventName !== 'REMOVE' || !image) return;
      const cleanup = cleanupOf(unmarshall(image as Record<string, AttributeValue>));
      if (!cleanup) return;
      await service.run(cleanup);
      logger.info('Cleaned up', { cleanup });
    };
    return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
  });
