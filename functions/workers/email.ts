import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { config } from '#functions/lib/config';
import { logger, metrics, publishMetrics } from '#functions/lib/observability';
import { emailMessageSchema } from '#functions/domain/email';

const ses = new SESv2Client({});
const processor = new BatchProcessor(EventType.SQS);

/**
 * Sends each queued email with SES v2. A failed send is reported as a batch item failure: SQS makes that one
 * message visible again after its visibility timeout and moves it to the DLQ after maxReceiveCount receives.
 */
async function recordHandler(record: SQSRecord): Promise<void> {
  const message = emailMessageSchema.parse(JSON.parse(record.body));
  const content = {
    Subject: { Data: message.subject, Charset: 'UTF-8' },
    Body: {
      Text: { Data: message.text, Charset: 'UTF-8' },
      ...(message.html ? { Html: { Data: message.html, Charset: 'UTF-8' } } : {}),
    },
  };
  await ses.send(
    new SendEmailCommand({
      FromEmailAddress: config.mailFrom,
      Destination: { ToAddresses: [message.to] },
      Content: { Simple: content },
    }),
  );
  metrics.addMetric('EmailSent', MetricUnit.Count, 1);
  logger.info('Email sent', { kind: message.kind, messageId: record.messageId });
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics())
  .handler(async (event, context) => processPartialResponse(event, recordHandler, processor, { context }));
