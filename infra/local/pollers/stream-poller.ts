/**
 * The local DynamoDB stream event source mapping: reads the table's stream from DynamoDB Local and invokes a
 * handler with Lambda's `DynamoDBStreamEvent`, with the semantics of AWS's poller (docs "Using AWS Lambda
 * with Amazon DynamoDB", "Configuring partial batch response with DynamoDB and Lambda"):
 * - shards are read in parallel, each in order, a child only after its parent is finished;
 * - FilterCriteria drop records before batching (checkpointed past, never delivered);
 * - batches of up to batchSize, gathered for up to maxBatchingWindowSeconds;
 * - ReportBatchItemFailures: checkpoint before the lowest failed sequence number and retry from there; an
 *   error, a timeout or an invalid response fails the whole batch;
 * - retryAttempts and bisectBatchOnError (a split is not a retry); records past maxRecordAgeSeconds or out of
 *   retries go to the on-failure destination and the shard moves on;
 * - checkpoints persist to a file, so a restart resumes after the last processed record.
 * The decisions are pure functions below (unit tested); StreamPoller only does the I/O.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
  type _Record,
  type AttributeValue as StreamAttributeValue,
  type DynamoDBStreamsClient,
  type GetShardIteratorCommandInput,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  AttributeValue,
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  StreamRecord,
} from 'aws-lambda';
import type { StreamSource } from '../../functions.ts';
import { errorMessage, invokeWithTimeout, sleep } from '../invoke.ts';
import { readBatchItemFailures } from './batch-response.ts';
import { compileFilters, type CompiledFilter } from './filter.ts';

export interface StreamPollerOptions {
  functionName: string;
  tableName: string;
  /** To DescribeTable → LatestStreamArn. */
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  source: StreamSource;
  handler: (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | void>;
  timeoutSeconds: number;
  /** On-failure destination: receives the records given up on (after retries or max record age). */
  onFailure: (failure: { functionName: string; reason: string; records: DynamoDBRecord[] }) => Promise<void>;
  /**
   * File where per-shard checkpoints (last processed sequence number) persist, so a restart resumes after the
   * last processed record instead of replaying (TRIM_HORIZON on first start, like a new mapping with that
   * starting position).
   */
  checkpointFile: string;
  /** Pause between GetRecords calls on a shard with nothing new. Default 100 ms. */
  pollIntervalMs?: number;
  logger?: (msg: string, extra?: object) => void;
}

/** The `condition` AWS writes in an on-failure record. */
export type FailureReason = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

// ---------------------------------------------------------------------------------------------------------
// Pure decisions
// ---------------------------------------------------------------------------------------------------------

/** What an invocation came to, once its response is read the way Lambda reads it. */
export type BatchResult =
  | { kind: 'success' }
  /** ReportBatchItemFailures: `failedIndex` is the position of the lowest reported sequence number. */
  | { kind: 'partial'; failedIndex: number }
  /** An error, a timeout or an invalid response: the whole batch failed. */
  | { kind: 'failure'; reason: string };

/**
 * Reads a handler's response as Lambda does for streams with ReportBatchItemFailures. Success: no response,
 * no or an empty batchItemFailures. Whole-batch failure: an itemIdentifier that is empty, null, not a
 * string, or not a sequence number of this batch. Otherwise the lowest reported sequence number is the
 * checkpoint.
 */
export function interpretStreamResponse(sequenceNumbers: readonly string[], response: unknown): BatchResult {
  const reported = readBatchItemFailures(sequenceNumbers, response);
  if (reported.kind !== 'partial') return reported;
  return { kind: 'partial', failedIndex: Math.min(...reported.indexes) };
}

export interface RetryPolicy {
  /** -1 retries forever (until the record ages out), as in AWS. */
  retryAttempts: number;
  bisectBatchOnError: boolean;
}

/** Index ranges into the batch just invoked: [start, end). */
export interface BatchRange {
  start: number;
  end: number;
}

export interface BatchPlan {
  /** Records [0, succeeded) are processed: the checkpoint may move past them. */
  succeeded: number;
  /** What to invoke next, in order, before reading further; `attempts` counts the retries already spent. */
  retry: Array<BatchRange & { attempts: number }>;
  /** Records given up on (to the on-failure destination, then checkpointed past). */
  discard?: BatchRange;
}

function retriesExhausted(attempts: number, policy: RetryPolicy): boolean {
  return policy.retryAttempts >= 0 && attempts > policy.retryAttempts;
}

/**
 * What to do after invoking a batch of `size` records that had already been retried `attempts` times.
 * - success: everything is processed;
 * - partial at i: [0, i) is processed and [i, size) is retried. Progress past the head makes it a first retry
 *   of a new head; a failure at the head itself spends one more retry. (With bisectBatchOnError AWS "splits
 *   at the returned sequence number", which is the same thing.)
 * - failure: with bisectBatchOnError and more than one record, split in two halves, not counted as a retry;
 *   otherwise retry the same records, until retryAttempts is spent.
 */
export function planAfterResult(
  size: number,
  attempts: number,
  result: BatchResult,
  policy: RetryPolicy,
): BatchPlan {
  if (result.kind === 'success') return { succeeded: size, retry: [] };
  if (result.kind === 'partial') {
    const start = Math.min(Math.max(result.failedIndex, 0), size);
    const next = start === 0 ? attempts + 1 : 1;
    if (retriesExhausted(next, policy)) return { succeeded: start, retry: [], discard: { start, end: size } };
    return { succeeded: start, retry: [{ start, end: size, attempts: next }] };
  }
  if (policy.bisectBatchOnError && size > 1) {
    const middle = Math.ceil(size / 2);
    return {
      succeeded: 0,
      retry: [
        { start: 0, end: middle, attempts },
        { start: middle, end: size, attempts },
      ],
    };
  }
  const next = attempts + 1;
  if (retriesExhausted(next, policy)) return { succeeded: 0, retry: [], discard: { start: 0, end: size } };
  return { succeeded: 0, retry: [{ start: 0, end: size, attempts: next }] };
}

/**
 * How many leading records are older than maxRecordAgeSeconds (-1: never). A shard is in creation order,
 * so the expired records are a prefix.
 */
export function expiredPrefix(
  records: readonly DynamoDBRecord[],
  nowMs: number,
  maxRecordAgeSeconds: number,
): number {
  if (maxRecordAgeSeconds < 0) return 0;
  let count = 0;
  for (const record of records) {
    const created = record.dynamodb?.ApproximateCreationDateTime;
    if (created === undefined || nowMs - created * 1000 <= maxRecordAgeSeconds * 1000) break;
    count++;
  }
  return count;
}

/** Pause before a retry: none for a fresh batch (or a bisected half), then 200 ms doubling, at most 2 s. */
export function retryDelayMs(attempts: number): number {
  if (attempts <= 0) return 0;
  return Math.min(2000, 200 * 2 ** (attempts - 1));
}

function toLambdaAttributeValue(value: StreamAttributeValue): AttributeValue {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttributeValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  // The Streams client deserializes an empty map (`{"M":{}}` on the wire) to `{}`: that is the only value
  // without a type key, so it is an empty map.
  if (Object.keys(value).length === 0) return { M: {} };
  throw new Error(`Unknown DynamoDB attribute value: ${JSON.stringify(value)}`);
}

function toLambdaImage(image: Record<string, StreamAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(
    Object.entries(image).map(([name, value]) => {
      try {
        return [name, toLambdaAttributeValue(value)];
      } catch (error) {
        throw new Error(`attribute ${name}: ${(error as Error).message}`);
      }
    }),
  );
}

/**
 * A GetRecords record in the shape Lambda delivers: the SDK's Date becomes epoch seconds, binary values
 * become base64 strings (as in Lambda's JSON), awsRegion is the function's region (DynamoDB Local says
 * "ddblocal"), and eventSourceARN is the stream ARN.
 */
export function toLambdaRecord(
  record: _Record,
  streamArn: string,
  region: string,
  readAtMs: number = Date.now(),
): DynamoDBRecord {
  const source = record.dynamodb ?? {};
  const created: unknown = source.ApproximateCreationDateTime;
  const dynamodb: StreamRecord = {};
  let seconds: number | undefined;
  if (created instanceof Date) seconds = Math.floor(created.getTime() / 1000);
  else if (typeof created === 'number') seconds = created;
  // DynamoDB Local rounds the creation time down to the minute: read as it is, a record written at 12:00:59 and
  // read at 12:01:00 looks a minute old, and a short maxRecordAge (the broadcast's 60 s) would drop it unsent.
  // A minute-rounded time is taken as the time it was read, never past the end of its own minute.
  if (seconds !== undefined && seconds % 60 === 0) {
    seconds = Math.max(seconds, Math.min(Math.floor(readAtMs / 1000), seconds + 59));
  }
  if (seconds !== undefined) dynamodb.ApproximateCreationDateTime = seconds;
  if (source.Keys) dynamodb.Keys = toLambdaImage(source.Keys);
  if (source.NewImage) dynamodb.NewImage = toLambdaImage(source.NewImage);
  if (source.OldImage) dynamodb.OldImage = toLambdaImage(source.OldImage);
  if (source.SequenceNumber !== undefined) dynamodb.SequenceNumber = source.SequenceNumber;
  if (source.SizeBytes !== undefined) dynamodb.SizeBytes = source.SizeBytes;
  if (source.StreamViewType !== undefined) dynamodb.StreamViewType = source.StreamViewType;
  const out: DynamoDBRecord = {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb,
    eventSourceARN: streamArn,
  };
  // Present for TTL deletions only ({ type: 'Service', principalId: 'dynamodb.amazonaws.com' }).
  if (record.userIdentity) {
    out.userIdentity = { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The poller
// ---------------------------------------------------------------------------------------------------------

interface CheckpointFile {
  streamArn: string;
  shards: Record<string, { sequenceNumber?: string; finished?: boolean }>;
}

/** A record read from a shard and not yet behind the checkpoint. */
interface Entry {
  record: DynamoDBRecord;
  sequenceNumber: string;
  matches: boolean;
  /** Delivered, filtered out or given up on: the checkpoint may pass it. */
  done: boolean;
  /** Part of a batch (in flight or waiting for a retry). */
  taken: boolean;
}

interface PendingBatch {
  entries: Entry[];
  attempts: number;
}

interface ShardState {
  shardId: string;
  parentShardId?: string;
  /** Sequence number of the last processed record (what the checkpoint file keeps). */
  checkpoint?: string;
  /** Closed and every record processed: children may start. */
  finished: boolean;
  /** The shard has no more records to give (GetRecords returned no NextShardIterator). */
  closed: boolean;
  iterator?: string;
  lastFetched?: string;
  buffer: Entry[];
  /** Retries (and bisected halves) to invoke before reading on, in order. */
  retries: PendingBatch[];
  windowStartedAt?: number;
  /** A worker stopped on an unexpected error: restart it after this time. */
  restartAfter?: number;
}

const REFRESH_INTERVAL_MS = 3000;
const ERROR_PAUSE_MS = 1000;

export class StreamPoller {
  private readonly options: StreamPollerOptions;
  private readonly filter: CompiledFilter;
  private readonly pollIntervalMs: number;
  private readonly log: (msg: string, extra?: object) => void;
  private running = false;
  private stopSignal = new AbortController();
  private supervisor?: Promise<void>;
  private readonly workers = new Map<string, Promise<void>>();
  private shards = new Map<string, ShardState>();
  private streamArn?: string;
  private persisted?: CheckpointFile;
  private region = 'us-east-1';
  private refreshRequested = false;
  private saving: Promise<void> = Promise.resolve();

  constructor(options: StreamPollerOptions) {
    this.options = options;
    // Invalid filters fail here, as CreateEventSourceMapping would reject them.
    this.filter = compileFilters(options.source.filters);
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.log =
      options.logger ??
      ((msg, extra) =>
        extra
          ? console.log(`[${options.functionName}] ${msg}`, extra)
          : console.log(`[${options.functionName}] ${msg}`));
  }

  /** Finds the stream and its shards (failing if the table has no stream), then polls in the background. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`StreamPoller ${this.options.functionName} is already running`);
    this.running = true;
    this.stopSignal = new AbortController();
    this.shards = new Map();
    this.streamArn = undefined;
    try {
      this.region = await this.options.dynamodb.config.region();
      this.persisted = await this.readCheckpoints();
      await this.refresh();
    } catch (error) {
      this.running = false;
      throw error;
    }
    this.supervisor = this.supervise();
  }

  /** Stops polling; waits for the batch in flight (and its checkpoint) to finish. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopSignal.abort();
    await this.supervisor;
    await Promise.allSettled([...this.workers.values()]);
    await this.saving;
  }

  private async readCheckpoints(): Promise<CheckpointFile | undefined> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.options.checkpointFile, 'utf8')) as CheckpointFile;
      return typeof parsed.streamArn === 'string' && typeof parsed.shards === 'object' ? parsed : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log(`ignoring unreadable checkpoint file ${this.options.checkpointFile}`, {
          error: errorMessage(error),
        });
      }
      return undefined;
    }
  }

  /** Writes every shard's checkpoint; writes are chained so the file always holds the latest state. */
  private save(): Promise<void> {
    const streamArn = this.streamArn;
    if (!streamArn) return this.saving;
    const content: CheckpointFile = { streamArn, shards: {} };
    for (const shard of this.shards.values()) {
      if (shard.checkpoint === undefined && !shard.finished) continue;
      content.shards[shard.shardId] = {
        ...(shard.checkpoint !== undefined ? { sequenceNumber: shard.checkpoint } : {}),
        ...(shard.finished ? { finished: true } : {}),
      };
    }
    const file = this.options.checkpointFile;
    const text = `${JSON.stringify(content, null, 2)}\n`;
    this.saving = this.saving.then(async () => {
      try {
        await fs.mkdir(path.dirname(file), { recursive: true });
        // Write then rename, so a crash mid-write never leaves a truncated checkpoint file.
        const temporary = `${file}.${process.pid}.tmp`;
        await fs.writeFile(temporary, text);
        await fs.rename(temporary, file);
      } catch (error) {
        this.log(`could not write checkpoint file ${file}`, { error: errorMessage(error) });
      }
    });
    return this.saving;
  }

  /** DescribeTable for the current stream, then DescribeStream (paginated) for shards not seen yet. */
  private async refresh(): Promise<void> {
    const { Table } = await this.options.dynamodb.send(
      new DescribeTableCommand({ TableName: this.options.tableName }),
    );
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`Table ${this.options.tableName} has no stream`);
    if (streamArn !== this.streamArn) {
      if (this.streamArn) {
        this.log(`stream changed (table recreated?), reading ${streamArn} from TRIM_HORIZON`);
      }
      // Workers of the old stream see their shard vanish from the map and stop.
      this.shards = new Map();
      this.streamArn = streamArn;
    }
    const saved = this.persisted?.streamArn === streamArn ? this.persisted.shards : {};
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.options.streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    for (const shard of shards) {
      if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
      const checkpoint = saved[shard.ShardId];
      this.shards.set(shard.ShardId, {
        shardId: shard.ShardId,
        parentShardId: shard.ParentShardId,
        checkpoint: checkpoint?.sequenceNumber,
        finished: checkpoint?.finished ?? false,
        closed: false,
        buffer: [],
        retries: [],
      });
    }
  }

  /** A child shard waits for its parent, unless the parent is unknown (trimmed from the stream). */
  private ready(shard: ShardState): boolean {
    if (shard.finished || this.workers.has(shard.shardId)) return false;
    if (shard.restartAfter !== undefined && Date.now() < shard.restartAfter) return false;
    const parent = shard.parentShardId ? this.shards.get(shard.parentShardId) : undefined;
    return !parent || parent.finished;
  }

  private async supervise(): Promise<void> {
    let nextRefresh = Date.now() + REFRESH_INTERVAL_MS;
    while (this.running) {
      for (const shard of this.shards.values()) {
        if (!this.ready(shard)) continue;
        const worker = this.runShard(shard)
          .catch((error: unknown) => {
            shard.restartAfter = Date.now() + ERROR_PAUSE_MS;
            this.log(`shard ${shard.shardId} worker failed; restarting`, { error: errorMessage(error) });
          })
          .finally(() => this.workers.delete(shard.shardId));
        this.workers.set(shard.shardId, worker);
      }
      await sleep(this.pollIntervalMs, this.stopSignal.signal);
      if (this.running && (this.refreshRequested || Date.now() >= nextRefresh)) {
        this.refreshRequested = false;
        nextRefresh = Date.now() + REFRESH_INTERVAL_MS;
        try {
          await this.refresh();
        } catch (error) {
          this.log('could not describe the stream', { error: errorMessage(error) });
        }
      }
    }
  }

  private active(shard: ShardState): boolean {
    return this.running && this.shards.get(shard.shardId) === shard;
  }

  private async runShard(shard: ShardState): Promise<void> {
    shard.restartAfter = undefined;
    // A restarted worker re-reads from the checkpoint: whatever was buffered is read again.
    shard.buffer = [];
    shard.retries = [];
    shard.iterator = undefined;
    shard.lastFetched = undefined;
    shard.closed = false;
    shard.windowStartedAt = undefined;
    while (this.active(shard)) {
      if (!shard.iterator && !shard.closed) await this.openIterator(shard);
      const batch = shard.retries.shift() ?? (await this.nextBatch(shard));
      if (batch) {
        await this.process(shard, batch);
      } else if (shard.closed && shard.buffer.length === 0 && shard.retries.length === 0) {
        shard.finished = true;
        await this.save();
        this.refreshRequested = true; // its children appear now
        this.log(`shard ${shard.shardId} finished`);
        return;
      }
    }
  }

  private async openIterator(shard: ShardState): Promise<void> {
    const position = shard.lastFetched ?? shard.checkpoint;
    const input: GetShardIteratorCommandInput = position
      ? {
          StreamArn: this.streamArn,
          ShardId: shard.shardId,
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          SequenceNumber: position,
        }
      : { StreamArn: this.streamArn, ShardId: shard.shardId, ShardIteratorType: 'TRIM_HORIZON' };
    try {
      const { ShardIterator } = await this.options.streams.send(new GetShardIteratorCommand(input));
      shard.iterator = ShardIterator;
      if (!ShardIterator) shard.closed = true;
    } catch (error) {
      if (error instanceof TrimmedDataAccessException && position) {
        // Records after the checkpoint are past the stream's 24 h retention: they are lost, as in AWS.
        this.log(`shard ${shard.shardId}: records after ${position} were trimmed; reading from TRIM_HORIZON`);
        shard.lastFetched = undefined;
        shard.checkpoint = undefined;
        return;
      }
      if (error instanceof ResourceNotFoundException) {
        this.log(`shard ${shard.shardId} is gone`);
        shard.closed = true;
        shard.buffer = [];
        shard.retries = [];
        return;
      }
      throw error;
    }
  }

  /** One GetRecords call; returns how many records it added. */
  private async fetch(shard: ShardState): Promise<number> {
    if (!shard.iterator) return 0;
    let response;
    try {
      response = await this.options.streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator }));
    } catch (error) {
      if (error instanceof ExpiredIteratorException) {
        shard.iterator = undefined; // reopened after the last record read
        return 0;
      }
      if (error instanceof TrimmedDataAccessException || error instanceof ResourceNotFoundException) {
        shard.iterator = undefined;
        if (error instanceof ResourceNotFoundException) shard.closed = true;
        return 0;
      }
      this.log(`shard ${shard.shardId}: GetRecords failed`, { error: errorMessage(error) });
      await sleep(ERROR_PAUSE_MS, this.stopSignal.signal);
      return 0;
    }
    const streamArn = this.streamArn ?? '';
    for (const raw of response.Records ?? []) {
      const record = toLambdaRecord(raw, streamArn, this.region);
      const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
      const matches = this.filter(record);
      shard.buffer.push({ record, sequenceNumber, matches, done: !matches, taken: false });
      shard.lastFetched = sequenceNumber;
    }
    shard.iterator = response.NextShardIterator;
    if (!response.NextShardIterator) shard.closed = true;
    return response.Records?.length ?? 0;
  }

  /** Reads as needed and returns the next batch once batchSize or the batching window is reached. */
  private async nextBatch(shard: ShardState): Promise<PendingBatch | undefined> {
    const { batchSize, maxBatchingWindowSeconds } = this.options.source;
    const waiting = () => shard.buffer.filter((e) => !e.taken && !e.done);
    await this.advance(shard); // records filtered out at the head
    let fetched = 0;
    if (waiting().length < batchSize && shard.iterator) {
      fetched = await this.fetch(shard);
      await this.advance(shard);
    }
    const available = waiting();
    if (available.length === 0) {
      shard.windowStartedAt = undefined;
      if (fetched === 0 && !shard.closed) await sleep(this.pollIntervalMs, this.stopSignal.signal);
      return undefined;
    }
    shard.windowStartedAt ??= Date.now();
    const windowLeft = shard.windowStartedAt + maxBatchingWindowSeconds * 1000 - Date.now();
    if (available.length < batchSize && shard.iterator && windowLeft > 0) {
      if (fetched === 0) await sleep(Math.min(this.pollIntervalMs, windowLeft), this.stopSignal.signal);
      return undefined;
    }
    shard.windowStartedAt = undefined;
    const entries = available.slice(0, batchSize);
    for (const entry of entries) entry.taken = true;
    return { entries, attempts: 0 };
  }

  /** Moves the checkpoint past the leading processed records and persists it. */
  private async advance(shard: ShardState): Promise<void> {
    let checkpoint: string | undefined;
    while (shard.buffer[0]?.done) checkpoint = shard.buffer.shift()!.sequenceNumber;
    if (checkpoint !== undefined && this.shards.get(shard.shardId) === shard) {
      shard.checkpoint = checkpoint;
      await this.save();
    }
  }

  private async process(shard: ShardState, batch: PendingBatch): Promise<void> {
    await sleep(retryDelayMs(batch.attempts), this.stopSignal.signal);
    if (!this.active(shard)) return;
    let entries = batch.entries;
    const expired = expiredPrefix(
      entries.map((e) => e.record),
      Date.now(),
      this.options.source.maxRecordAgeSeconds,
    );
    if (expired > 0) {
      if (!(await this.giveUp(entries.slice(0, expired), 'RecordAgeExceeded'))) return;
      entries = entries.slice(expired);
      if (entries.length === 0) return this.advance(shard);
    }
    const result = await this.invoke(entries.map((e) => e.record));
    const plan = planAfterResult(entries.length, batch.attempts, result, this.options.source);
    for (const entry of entries.slice(0, plan.succeeded)) entry.done = true;
    if (result.kind !== 'success') {
      const why = result.kind === 'partial' ? 'partial batch response' : result.reason;
      this.log(`batch of ${entries.length} failed (${why})`, {
        shardId: shard.shardId,
        firstSequenceNumber: entries[0]?.sequenceNumber,
        attempts: batch.attempts,
      });
    }
    const retries = plan.retry.map((r) => ({ entries: entries.slice(r.start, r.end), attempts: r.attempts }));
    if (plan.discard) {
      const discarded = entries.slice(plan.discard.start, plan.discard.end);
      if (!(await this.giveUp(discarded, 'RetryAttemptsExhausted'))) return;
    }
    shard.retries.unshift(...retries);
    await this.advance(shard);
  }

  /**
   * Hands records to the on-failure destination, then lets the checkpoint pass them. A destination that fails
   * is retried rather than skipped, so no record is dropped without a trace; false if stopped meanwhile.
   */
  private async giveUp(entries: Entry[], reason: FailureReason): Promise<boolean> {
    const records = entries.map((e) => e.record);
    this.log(`giving up on ${records.length} record(s): ${reason}`, {
      firstSequenceNumber: entries[0]?.sequenceNumber,
      lastSequenceNumber: entries.at(-1)?.sequenceNumber,
    });
    while (this.running) {
      try {
        await this.options.onFailure({ functionName: this.options.functionName, reason, records });
        for (const entry of entries) entry.done = true;
        return true;
      } catch (error) {
        this.log('on-failure destination failed; retrying', { error: errorMessage(error) });
        await sleep(ERROR_PAUSE_MS, this.stopSignal.signal);
      }
    }
    return false;
  }

  private async invoke(records: DynamoDBRecord[]): Promise<BatchResult> {
    const { functionName, timeoutSeconds, handler } = this.options;
    try {
      const response = await invokeWithTimeout(
        handler,
        { Records: records },
        {
          functionName,
          timeoutSeconds,
          region: this.region,
        },
      );
      return interpretStreamResponse(
        records.map((r) => r.dynamodb?.SequenceNumber ?? ''),
        response,
      );
    } catch (error) {
      return { kind: 'failure', reason: errorMessage(error) };
    }
  }
}
