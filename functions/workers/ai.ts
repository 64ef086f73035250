import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { queues } from '#infra/definitions';
import { aiConfig } from '#functions/lib/ai-config';
import { providerFromConfig } from '#functions/lib/ai-providers/index';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { logger, metrics, publishMetrics } from '#functions/lib/observability';
import { AiJobRunner } from '#functions/domain/ai-breakdown';
import { DynamoJobRepository } from '#functions/store/ai-job-repository';
import { DynamoAiQuota } from '#functions/store/ai-quota';

const processor = new BatchProcessor(EventType.SQS);
const runner = new AiJobRunner(
  new DynamoJobRepository(ddb, config.tableName),
  new DynamoAiQuota(ddb, config.tableName, aiConfig.requestsPerHour),
  providerFromConfig(),
);

const messageSchema = z.object({ jobId: z.string().min(1) });

/**
 * Runs each queued AI job (functions/domain/ai-breakdown.ts, AiJobRunner): exactly once per job however often
 * SQS delivers its message. A failed record (our own fault, or a job another delivery is running) is reported
 * as a batch item failure: SQS delivers it again after the visibility timeout, and to the DLQ after
 * maxReceiveCount receives. A message that is not a job is logged and dropped (a retry would not fix it).
 */
async function recordHandler(record: SQSRecord): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  const parsed = messageSchema.safeParse(body);
  if (!parsed.success) {
    logger.error('Dropped a message that is not an AI job', { messageId: record.messageId });
    return;
  }
  const lastDelivery = Number(record.attributes.ApproximateReceiveCount) >= queues.ai.maxReceiveCount;
  const outcome = await runner.run(parsed.data, lastDelivery);
  metrics.addMetric(`AiJob${outcome[0]!.toUpperCase()}${outcome.slice(1)}`, MetricUnit.Count, 1);
  logger.info('AI job', { jobId: parsed.data.jobId, outcome, messageId: record.messageId });
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics())
  .handler(async (event, context) => processPartialResponse(event, recordHandler, processor, { context }));
