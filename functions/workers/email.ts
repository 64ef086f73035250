import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { config } from '#functions/lib/config';
import { logger, metrics, publishMetrics } from '#functions/lib/observability';
import { notificationMailer } from '#functions/lib/notification-mail';
import { emailMessageSchema, notificationBatchSchema, type EmailMessage } from '#functions/domain/email';

const ses = new SESv2Client({});
const processor = new BatchProcessor(EventType.SQS);

const mailer = notificationMailer(sendEmail);

async function sendEmail(message: EmailMessage): Promise<void> {
  const content = {
    Subject: { Data: message.subject, Charset: 'UTF-8' },
    Body: {
      Text: { Data: message.text, Charset: 'UTF-8' },
      ...(message.html ? { Html: { Data: message.html, Charset: 'UTF-8' } } : {}),
    },
    ...(message.headers ? { Headers: message.headers.map((h) => ({ Name: h.name, Value: h.value })) } : {}),
  };
  await ses.send(
    new SendEmailCommand({
      FromEmailAddress: config.mailFrom,
      Destination: { ToAddresses: [message.to] },
      Content: { Simple: content },
      // Bounces and complaints are published through it (infra: the SES events handler stops mailing them).
      ...(config.sesConfigurationSet ? { ConfigurationSetName: config.sesConfigurationSet } : {}),
    }),
  );
  metrics.addMetric('EmailSent', MetricUnit.Count, 1);
  logger.info('Email sent', { kind: message.kind });
}

/**
 * Sends each queued email with SES v2; a notification batch message (functions/domain/notification-email.ts)
 * becomes one email of what the person's batch holds. A failed send is reported as a batch item failure: SQS
 * makes that one message visible again after its visibility timeout and moves it to the DLQ after
 * maxReceiveCount receives.
 */
async function recordHandler(record: SQSRecord): Promise<void> {
  const body: unknown = JSON.parse(record.body);
  const batch = notificationBatchSchema.safeParse(body);
  if (batch.success) {
    await mailer.sendBatch(batch.data.userId);
    return;
  }
  await sendEmail(emailMessageSchema.parse(body));
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics())
  .handler(async (event, context) => processPartialResponse(event, recordHandler, processor, { context }));
