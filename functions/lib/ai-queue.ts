import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AiJobMessage, JobQueue } from '#functions/domain/ai-breakdown';
import { aiConfig } from './ai-config.ts';

const sqs = new SQSClient({});

/** The `ai` queue: one message per job; the AI worker runs it. */
export const aiJobQueue: JobQueue = {
  async send(message: AiJobMessage) {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: aiConfig.queueUrl, MessageBody: JSON.stringify(message) }),
    );
  },
};
