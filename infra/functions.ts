/**
 * Every Lambda function of TeamFlow: its entry module and how it is triggered. The CDK stacks make one
 * NodejsFunction per entry with these settings; the local runtime imports the same entry modules and drives
 * them with the same event-source settings. Routes point here by `fn` name (shared/routes.ts).
 */
import { IMAGE_TYPES } from '../shared/schemas/attachments.ts';
import type { QueueName } from './definitions.ts';

/**
 * A DynamoDB stream event filter, as in Lambda's FilterCriteria: a pattern over the stream record
 * (`{ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['USER'] } } } }`).
 */
export type FilterPattern = Record<string, unknown>;

export interface StreamSource {
  batchSize: number;
  maxBatchingWindowSeconds: number;
  /** Retries of a failing batch before its records go to the on-failure destination. */
  retryAttempts: number;
  bisectBatchOnError: boolean;
  maxRecordAgeSeconds: number;
  filters: FilterPattern[];
  reportBatchItemFailures: true;
}

export interface QueueSource {
  queue: QueueName;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  reportBatchItemFailures: true;
}

/** An EventBridge schedule that invokes the function (asynchronously, with a Scheduled Event). */
export interface ScheduleSource {
  /** An EventBridge schedule expression, e.g. `cron(0 16 * * ? *)` (16:00 UTC every day) or `rate(1 hour)`. */
  expression: string;
  description: string;
}

/** An EventBridge rule (on the default bus) whose matching events invoke the function. */
export interface EventRuleSource {
  source: string[];
  detailType: string[];
  description: string;
}

export interface FunctionDefinition {
  /** Path of the entry module from the repository root; it exports `handler`. */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  /**
   * Packages with native code that esbuild cannot bundle: left external and installed into the asset for
   * Lambda's platform (infra/bundling.ts, lambdaNpmPlatform), at the version package-lock.json holds.
   */
  nodeModules?: readonly string[];
  /**
   * Of the modules every bundle leaves out (infra/bundling.ts, externalModules: only ever loaded lazily by the
   * SDK's credential chain), those this function's code imports for real, so they ship in its bundle.
   */
  bundledModules?: readonly string[];
  stream?: StreamSource;
  queue?: QueueSource;
  schedule?: ScheduleSource;
  event?: EventRuleSource;
}

export const functions = {
  health: { entry: 'functions/http/health.ts', memoryMb: 256, timeoutSeconds: 5 },
  me: { entry: 'functions/http/me.ts', memoryMb: 512, timeoutSeconds: 10 },
  workspaces: { entry: 'functions/http/workspaces.ts', memoryMb: 512, timeoutSeconds: 10 },
  projects: { entry: 'functions/http/projects.ts', memoryMb: 512, timeoutSeconds: 10 },
  tasks: { entry: 'functions/http/tasks.ts', memoryMb: 1024, timeoutSeconds: 29 },
  subtasks: { entry: 'functions/http/subtasks.ts', memoryMb: 512, timeoutSeconds: 10 },
  comments: { entry: 'functions/http/comments.ts', memoryMb: 512, timeoutSeconds: 10 },
  /** Attachments (functions/http/attachments.ts): presigned uploads and downloads; files never pass through. */
  attachments: { entry: 'functions/http/attachments.ts', memoryMb: 512, timeoutSeconds: 10 },
  sprints: { entry: 'functions/http/sprints.ts', memoryMb: 1024, timeoutSeconds: 29 },
  goals: { entry: 'functions/http/goals.ts', memoryMb: 512, timeoutSeconds: 10 },
  /** AI breakdown requests and jobs (functions/http/ai.ts); the work itself is the ai-worker's. */
  ai: { entry: 'functions/http/ai.ts', memoryMb: 512, timeoutSeconds: 10 },
  /** The caller's in-app notifications (functions/http/notifications.ts). */
  notifications: { entry: 'functions/http/notifications.ts', memoryMb: 512, timeoutSeconds: 10 },
  /** Reads a whole workspace: more memory (CPU) and time than a request of one resource. */
  export: { entry: 'functions/http/export.ts', memoryMb: 1769, timeoutSeconds: 29 },
  'not-found': { entry: 'functions/http/not-found.ts', memoryMb: 128, timeoutSeconds: 3 },
  'post-confirmation': { entry: 'functions/triggers/post-confirmation.ts', memoryMb: 256, timeoutSeconds: 5 },
  'ws-connect': { entry: 'functions/ws/connect.ts', memoryMb: 256, timeoutSeconds: 5 },
  'ws-disconnect': { entry: 'functions/ws/disconnect.ts', memoryMb: 256, timeoutSeconds: 5 },
  'ws-message': { entry: 'functions/ws/message.ts', memoryMb: 256, timeoutSeconds: 10 },
  enqueue: {
    entry: 'functions/stream/enqueue.ts',
    memoryMb: 256,
    timeoutSeconds: 30,
    stream: {
      batchSize: 100,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 3,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 3600,
      filters: [{ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['USER'] } } } }],
      reportBatchItemFailures: true,
    },
  },
  /**
   * Removes what a deleted project, workspace or label leaves behind (functions/domain/cleanup.ts), and the file
   * of every attachment item that goes (deleted, expired by TTL, or with its task). One record
   * can be a lot of work (every item of a project), so: small batches, a long timeout, and an invocation that
   * runs short of time fails the record on purpose so the mapping delivers it again and the next attempt goes
   * on from what is left (the work is idempotent); retries are generous for that reason. Records may wait as
   * long as the stream keeps them (24 h): a late clean-up still beats an orphan.
   */
  cleanup: {
    entry: 'functions/stream/cleanup.ts',
    memoryMb: 512,
    timeoutSeconds: 60,
    stream: {
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 10,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 86_400,
      filters: [
        {
          eventName: ['REMOVE'],
          dynamodb: { OldImage: { type: { S: ['PROJECT', 'WORKSPACE', 'LABEL', 'ATTACHMENT'] } } },
        },
      ],
      reportBatchItemFailures: true,
    },
  },
  /**
   * Thumbnails (functions/stream/thumbnails.ts): an image attachment that just became ready (pending → ready) is
   * read, shrunk with sharp to fit 480x480 (EXIF rotation applied) as webp under `thumbs/`, and the outcome
   * recorded on the attachment. A stream consumer, not stream → queue → worker: the filter hands it exactly
   * that transition, the mapping has its own checkpoint (a slow image never holds up the clean-up or the live
   * board), and retries, bisecting and the on-failure queue are the mapping's, so a queue would add a hop, a
   * DLQ and a second retry policy for nothing. An unreadable image is an outcome (`failed`, recorded once),
   * not an error; only storage or table trouble fails a record, retried a few times. Small batches, one image
   * at a time; 1 GB gives sharp room for a 10 MB image (and Lambda CPU in proportion).
   */
  thumbnails: {
    entry: 'functions/stream/thumbnails.ts',
    memoryMb: 1024,
    timeoutSeconds: 60,
    nodeModules: ['sharp'],
    stream: {
      batchSize: 5,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 3,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 3600,
      filters: [
        {
          eventName: ['MODIFY'],
          dynamodb: {
            OldImage: { status: { S: ['pending'] } },
            NewImage: {
              type: { S: ['ATTACHMENT'] },
              status: { S: ['ready'] },
              contentType: { S: [...IMAGE_TYPES] },
            },
          },
        },
      ],
      reportBatchItemFailures: true,
    },
  },
  /**
   * The live board (functions/stream/broadcast.ts): activities (every change of a task, comment, subtask, project
   * or sprint writes one) and subscription changes (presence) fan out to the project's subscribed connections.
   * Latency matters more than batch size: no batching window. A failing record is retried a few times, then given
   * up on (the on-failure queue): a client that missed an event catches up through the change feed on reconnect,
   * and an event older than a minute is no longer "live" news worth replaying to sockets.
   */
  broadcast: {
    entry: 'functions/stream/broadcast.ts',
    memoryMb: 1024,
    timeoutSeconds: 30,
    stream: {
      batchSize: 100,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 2,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 60,
      filters: [
        { eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['ACTIVITY'] } } } },
        { eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { type: { S: ['SUBSCRIPTION'] } } } },
        { eventName: ['REMOVE'], dynamodb: { OldImage: { type: { S: ['SUBSCRIPTION'] } } } },
        // An AI job that changed (running, completed, failed): JOB_UPDATED to its requester's connections.
        { eventName: ['MODIFY'], dynamodb: { NewImage: { type: { S: ['JOB'] } } } },
        // A notification arrived or was read: NOTIFICATION to its recipient's connections (the bell's count).
        { eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { type: { S: ['NOTIFICATION'] } } } },
        // An attachment confirmed (pending → ready) or deleted: ATTACHMENT_READY / ATTACHMENT_DELETED to the board.
        { eventName: ['MODIFY', 'REMOVE'], dynamodb: { OldImage: { type: { S: ['ATTACHMENT'] } } } },
      ],
      reportBatchItemFailures: true,
    },
  },
  /**
   * Notifications (functions/stream/notify.ts): task and comment activities and finished AI jobs become in-app
   * notifications, checked at send time (members only, never the actor). Idempotent (conditional puts), so a
   * failing record may be retried generously; a notification hours late is still worth having.
   */
  notify: {
    entry: 'functions/stream/notify.ts',
    memoryMb: 512,
    timeoutSeconds: 30,
    stream: {
      batchSize: 50,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 5,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 21_600,
      filters: [
        {
          eventName: ['INSERT'],
          dynamodb: { NewImage: { type: { S: ['ACTIVITY'] }, entityType: { S: ['task', 'comment'] } } },
        },
        {
          eventName: ['MODIFY'],
          dynamodb: { NewImage: { type: { S: ['JOB'] }, status: { S: ['completed', 'failed'] } } },
        },
      ],
      reportBatchItemFailures: true,
    },
  },
  /** Bounces and complaints from SES (an EventBridge rule, infra/stacks/api-stack.ts): stops mailing them. */
  'ses-events': {
    entry: 'functions/workers/ses-events.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    event: {
      source: ['aws.ses'],
      detailType: ['Email Bounced', 'Email Complaint Received'],
      description: 'TeamFlow: SES bounces and complaints → ses-events (stops mailing those addresses)',
    },
  },
  'email-worker': {
    entry: 'functions/workers/email.ts',
    memoryMb: 256,
    timeoutSeconds: 30,
    queue: { queue: 'email', batchSize: 10, maxBatchingWindowSeconds: 0, reportBatchItemFailures: true },
  },
  /**
   * The AI breakdown worker (functions/workers/ai.ts): one job per message, exactly once per job. Small batches
   * (a model call takes seconds, a local model on a CPU tens of them); the timeout leaves room for the
   * provider's retries with backoff (their budget is 40 s, functions/lib/ai-providers/retry.ts), and stays under
   * the job's lease (JOB_LEASE_MS, 90 s) and the queue's visibility timeout (180 s).
   */
  'ai-worker': {
    entry: 'functions/workers/ai.ts',
    memoryMb: 512,
    // The Bedrock client imports the bearer-token provider (Bedrock API keys) itself, not lazily.
    bundledModules: ['@aws-sdk/token-providers'],
    timeoutSeconds: 60,
    queue: { queue: 'ai', batchSize: 5, maxBatchingWindowSeconds: 0, reportBatchItemFailures: true },
  },
  /**
   * Once a day: due-date reminder digests (functions/domain/reminders.ts), then housekeeping (soft-deleted tasks
   * past their restore window, functions/domain/housekeeping.ts). 16:00 UTC: at that instant no time zone that
   * observes daylight saving time is within an hour of midnight (the zones there, UTC+7 to +9, keep no DST), so
   * a clock change never moves anyone's "tomorrow" by a day; Europe reads the digest in the late afternoon, the
   * Americas in the morning, Asia and Oceania on waking. A run out of time fails; the retry goes on (idempotent).
   */
  daily: {
    entry: 'functions/scheduled/daily.ts',
    memoryMb: 512,
    timeoutSeconds: 300,
    schedule: {
      expression: 'cron(0 16 * * ? *)',
      description: 'TeamFlow daily: due-date reminder digests and housekeeping',
    },
  },
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionName = keyof typeof functions;
