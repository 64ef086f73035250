import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { EmailMessage } from '#functions/domain/email';
import { config } from './config.ts';

const sqs = new SQSClient({});

/** Puts one email on the email queue; the email worker sends it. */
export async function enqueueEmail(message: EmailMessage): Promise<void> {
  await sqs.send(
    new SendMessageCommand({ QueueUrl: config.emailQueueUrl, MessageBody: JSON.stringify(message) }),
  );
}

/**
 * Queues the sending of a person's pending notification batch, delivered after the batching window (so events
 * of the next few minutes join the same email).
 */
export async function enqueueNotificationBatch(userId: string): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: config.emailQueueUrl,
      MessageBody: JSON.stringify({ kind: 'notification-batch', userId }),
      DelaySeconds: config.notificationEmailWindowSeconds,
    }),
  );
}
