/**
 * The local SQS event source mapping: long-polls a queue and invokes a handler with Lambda's `SQSEvent`,
 * with the semantics of AWS's poller (docs "Using Lambda with Amazon SQS", "Handling errors for an SQS event
 * source"):
 * - batches of up to batchSize (10 per ReceiveMessage), gathered for up to maxBatchingWindowSeconds;
 * - on success the messages are deleted, except those listed in batchItemFailures (ReportBatchItemFailures);
 * - an error, a timeout or an invalid batchItemFailures response deletes nothing: the messages come back
 *   after the visibility timeout, and the queue's own redrive policy moves them to the DLQ after
 *   maxReceiveCount receives (the emulator does that, as SQS does; the poller never moves messages itself).
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  Context,
  SQSBatchResponse,
  SQSEvent,
  SQSMessageAttributes,
  SQSRecord,
  SQSRecordAttributes,
} from 'aws-lambda';
import type { QueueSource } from '../../functions.ts';
import { errorMessage, invokeWithTimeout, sleep } from '../invoke.ts';
import { readBatchItemFailures } from './batch-response.ts';

export interface SqsPollerOptions {
  functionName: string;
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  source: QueueSource;
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;
  timeoutSeconds: number;
  region: string;
  /** Long-poll wait of each ReceiveMessage while the queue is idle. Default 1 s, so stop() is quick. */
  waitTimeSeconds?: number;
  logger?: (msg: string, extra?: object) => void;
}

// ---------------------------------------------------------------------------------------------------------
// Pure decisions
// ---------------------------------------------------------------------------------------------------------

export type SqsBatchResult =
  | { kind: 'success' }
  /** ReportBatchItemFailures: these message ids stay on the queue, the others are deleted. */
  | { kind: 'partial'; failedMessageIds: string[] }
  /** An error, a timeout or an invalid response: nothing is deleted. */
  | { kind: 'failure'; reason: string };

/**
 * Reads a handler's response as Lambda does for SQS with ReportBatchItemFailures. Success: no response, no
 * or an empty batchItemFailures. Whole-batch failure: an itemIdentifier that is empty, null, under a bad key
 * name, or not the message id of a message in this batch.
 */
export function interpretSqsResponse(messageIds: readonly string[], response: unknown): SqsBatchResult {
  const reported = readBatchItemFailures(messageIds, response);
  if (reported.kind !== 'partial') return reported;
  return { kind: 'partial', failedMessageIds: [...new Set(reported.indexes.map((i) => messageIds[i]!))] };
}

/** The message ids to delete after an invocation: all, all but the reported ones, or none. */
export function messageIdsToDelete(messageIds: readonly string[], result: SqsBatchResult): string[] {
  if (result.kind === 'success') return [...messageIds];
  if (result.kind === 'partial') return messageIds.filter((id) => !result.failedMessageIds.includes(id));
  return [];
}

/** Message attributes in Lambda's shape: camelCase, binary as base64, list fields always present. */
export function toLambdaMessageAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map(base64),
      dataType: value.DataType ?? 'String',
    };
  }
  return out;
}

/** A ReceiveMessage message in the shape Lambda delivers (`Records[]` of an SQSEvent). */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    } satisfies SQSRecordAttributes,
    messageAttributes: toLambdaMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

// ---------------------------------------------------------------------------------------------------------
// The poller
// ---------------------------------------------------------------------------------------------------------

const ERROR_PAUSE_MS = 1000;
/** Short pause between receives while a batching window is open and the queue momentarily empty. */
const WINDOW_POLL_MS = 100;

export class SqsPoller {
  private readonly options: SqsPollerOptions;
  private readonly log: (msg: string, extra?: object) => void;
  private running = false;
  private stopSignal = new AbortController();
  private loop?: Promise<void>;

  constructor(options: SqsPollerOptions) {
    this.options = options;
    this.log =
      options.logger ??
      ((msg, extra) => {
        if (extra) console.log(`[${options.functionName}] ${msg}`, extra);
        else console.log(`[${options.functionName}] ${msg}`);
      });
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`SqsPoller ${this.options.functionName} is already running`);
    this.running = true;
    this.stopSignal = new AbortController();
    this.loop = this.run();
  }

  /**
   * Stops polling. A ReceiveMessage in progress is allowed to finish (at most waitTimeSeconds) rather than
   * aborted, so no message is left invisible; a batch received is still handled, and that is awaited.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopSignal.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let messages: Message[];
      try {
        messages = await this.gather();
      } catch (error) {
        this.log('ReceiveMessage failed', { queueUrl: this.options.queueUrl, error: errorMessage(error) });
        await sleep(ERROR_PAUSE_MS, this.stopSignal.signal);
        continue;
      }
      if (messages.length > 0) await this.handle(messages);
    }
  }

  private async receive(max: number, waitTimeSeconds: number): Promise<Message[]> {
    const { Messages } = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages ?? [];
  }

  /** Up to batchSize messages: one long poll, then more receives while the batching window is open. */
  private async gather(): Promise<Message[]> {
    const { batchSize, maxBatchingWindowSeconds } = this.options.source;
    // Keyed by id: a message received twice in a long window keeps only its latest receipt handle.
    const batch = new Map<string, Message>();
    const add = (messages: Message[]) => messages.forEach((m) => batch.set(m.MessageId ?? '', m));
    add(await this.receive(batchSize, this.options.waitTimeSeconds ?? 1));
    if (batch.size === 0) return [];
    const deadline = Date.now() + maxBatchingWindowSeconds * 1000;
    // Once messages are received they are handled even if stop() comes meanwhile: they are invisible anyway.
    while (batch.size < batchSize && this.running) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const wait = Math.min(20, Math.floor(left / 1000));
      const received = await this.receive(batchSize - batch.size, wait);
      add(received);
      if (received.length === 0 && wait === 0) {
        await sleep(Math.min(WINDOW_POLL_MS, left), this.stopSignal.signal);
      }
    }
    return [...batch.values()];
  }

  private async handle(messages: Message[]): Promise<void> {
    const { functionName, queueArn, region } = this.options;
    const records = messages.map((m) => toSqsRecord(m, queueArn, region));
    const ids = records.map((r) => r.messageId);
    const result = await this.invoke(records);
    if (result.kind === 'failure') {
      // Nothing deleted: the messages come back after the visibility timeout (and may reach the DLQ).
      this.log(`batch of ${records.length} failed (${result.reason})`, { functionName, messageIds: ids });
    } else if (result.kind === 'partial') {
      this.log(
        `${result.failedMessageIds.length} of ${records.length} message(s) failed; they stay on the queue`,
        {
          functionName,
          messageIds: result.failedMessageIds,
        },
      );
    }
    const toDelete = new Set(messageIdsToDelete(ids, result));
    await this.delete(records.filter((r) => toDelete.has(r.messageId)));
  }

  private async delete(records: SQSRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      const chunk = records.slice(i, i + 10);
      try {
        const { Failed } = await this.options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: chunk.map((r, j) => ({ Id: `m${i + j}`, ReceiptHandle: r.receiptHandle })),
          }),
        );
        if (Failed?.length) this.log('DeleteMessageBatch left messages on the queue', { failed: Failed });
      } catch (error) {
        // Not deleted means delivered again after the visibility timeout: at-least-once, as in AWS.
        this.log('DeleteMessageBatch failed', { error: errorMessage(error) });
      }
    }
  }

  private async invoke(records: SQSRecord[]): Promise<SqsBatchResult> {
    const { functionName, timeoutSeconds, handler } = this.options;
    try {
      const response = await invokeWithTimeout(
        handler,
        { Records: records },
        {
          functionName,
          timeoutSeconds,
          region: this.options.region,
        },
      );
      return interpretSqsResponse(
        records.map((r) => r.messageId),
        response,
      );
    } catch (error) {
      return { kind: 'failure', reason: errorMessage(error) };
    }
  }
}
