import type {
  AiBreakdownRequest,
  AiProviderName,
  BreakdownResult,
  Job,
  ModelAnswer,
} from '#shared/schemas/ai';
import { ConflictError, ForbiddenError, NotFoundError, RateLimitedError } from '#functions/lib/errors';
import { newChildId, workspaceOf } from '#functions/lib/ids';
import { can } from './access.ts';
import {
  buildPrompt,
  normalizeSuggestions,
  type BreakdownInput,
  type BreakdownPrompt,
} from './ai-planner.ts';
import type { ProjectRecord, TaskRecord } from './tasks.ts';
import type { Caller, MembershipRecord } from './workspaces.ts';

// ---------------------------------------------------------------------------------------------------------
// Records, ports
// ---------------------------------------------------------------------------------------------------------

/** A job as stored: the API's shape plus what the worker needs. */
export interface JobRecord extends Job {
  projectId: string;
  maxSubtasks: number;
  hint?: string;
  /** Start (epoch seconds) of the hourly quota window the request was counted in: a refund goes there. */
  quotaWindow: number;
  /** How many times a worker claimed the job (a claim is the only way to a model call). */
  attempt: number;
  /** Until when (epoch ms) the worker that claimed it owns it; a later delivery may take over after. */
  leaseUntil?: number;
  /** Model tokens the answer cost (0 for the built-in planner). */
  tokens?: number;
}

export interface JobRepository {
  /** The task and the caller's membership of its workspace (one BatchGetItem). */
  readTask(taskId: string, userId: string): Promise<{ task?: TaskRecord; membership?: MembershipRecord }>;
  getProject(workspaceId: string, projectId: string): Promise<ProjectRecord | undefined>;
  /** Titles of the task's subtasks (the first 100). */
  subtaskTitles(taskId: string): Promise<string[]>;
  /** The job and the caller's membership of its workspace (one BatchGetItem). */
  readJob(jobId: string, userId: string): Promise<{ job?: JobRecord; membership?: MembershipRecord }>;
  getJob(jobId: string): Promise<JobRecord | undefined>;
  create(job: JobRecord): Promise<void>;
  /**
   * queued → running (or a running job whose lease ran out → running again), attempt + 1, in one conditional
   * update: the claimed job, or undefined when another delivery owns it or it is finished.
   */
  claim(jobId: string, now: string, leaseUntil: number, nowMs: number): Promise<JobRecord | undefined>;
  /** running (at `attempt`) → completed / failed, once: false when it is no longer that attempt's. */
  finish(
    jobId: string,
    attempt: number,
    outcome: Pick<JobRecord, 'status' | 'result' | 'error' | 'tokens'>,
    now: string,
  ): Promise<boolean>;
}

/** The per-workspace quota (functions/store/ai-quota.ts): counted atomically, in DynamoDB. */
export interface AiQuota {
  /** Counts one request of the hour; throws RATE_LIMITED (Retry-After) past the limit. Returns the window. */
  consumeRequest(workspaceId: string, nowMs: number): Promise<number>;
  /** Gives a request back to its window (a job that failed without a model answer). */
  refundRequest(workspaceId: string, window: number): Promise<void>;
  tokensUsed(workspaceId: string, month: string): Promise<number>;
  addTokens(workspaceId: string, month: string, tokens: number): Promise<void>;
}

export interface JobQueue {
  send(message: AiJobMessage): Promise<void>;
}

/** The `ai` queue's message. */
export interface AiJobMessage {
  jobId: string;
}

/** A model (or the built-in planner) behind one interface (functions/lib/ai-providers.ts). */
export interface BreakdownProvider {
  readonly name: AiProviderName;
  readonly model: string;
  breakdown(prompt: BreakdownPrompt, input: BreakdownInput): Promise<{ answer: ModelAnswer; tokens: number }>;
}

/**
 * A provider that gave up. `answered`: the model did answer (the answer failed validation), so the request
 * cost tokens and keeps its quota; otherwise (no answer: refused, unreachable, throttled past the retries) the
 * quota is given back.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly answered: boolean,
    readonly code = answered ? 'INVALID_ANSWER' : 'PROVIDER_UNAVAILABLE',
    readonly tokens = 0,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** A delivery of a job another delivery is running (its lease is live): retried later, never run twice. */
export class JobBusyError extends Error {
  constructor(jobId: string) {
    super(`Job ${jobId} is being run by another delivery`);
    this.name = 'JobBusyError';
  }
}

export interface AiLimits {
  requestsPerHour: number;
  monthlyTokens: number;
}

/** Jobs are kept this long (TTL), then DynamoDB removes them. */
export const JOB_TTL_SECONDS = 7 * 24 * 60 * 60;
/** How long a claim is owned: longer than the worker's timeout (infra/functions.ts, `ai-worker`). */
export const JOB_LEASE_MS = 90_000;

export const monthOf = (at: Date) => at.toISOString().slice(0, 7);

/** Seconds until the next calendar month (UTC) begins: the Retry-After of an exhausted monthly budget. */
export function secondsToNextMonth(at: Date): number {
  const next = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
  return Math.max(1, Math.ceil((next - at.getTime()) / 1000));
}

/** The API's view of a stored job. */
export function jobView(job: JobRecord): Job {
  return {
    id: job.id,
    type: job.type,
    status: job.status,
    progress: job.progress,
    taskId: job.taskId,
    workspaceId: job.workspaceId,
    requestedBy: job.requestedBy,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    ...(job.result ? { result: job.result } : {}),
    ...(job.error ? { error: job.error } : {}),
  };
}

const ADMINS = new Set(['owner', 'admin']);

// ---------------------------------------------------------------------------------------------------------
// Requests (the HTTP side)
// ---------------------------------------------------------------------------------------------------------

export class AiBreakdownService {
  constructor(
    private readonly repository: JobRepository,
    private readonly quota: AiQuota,
    private readonly queue: JobQueue,
    private readonly limits: AiLimits,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Accepts a breakdown of a task (members and up): counts it against the workspace's quota, stores the job and
   * queues it. A job that cannot be queued is stored as failed and its request given back.
   */
  async request(caller: Caller, taskId: string, input: AiBreakdownRequest): Promise<{ jobId: string }> {
    const workspaceId = workspaceOf(taskId);
    if (!workspaceId) throw new NotFoundError('No such task');
    const { task, membership } = await this.repository.readTask(taskId, caller.userId);
    if (!task || !membership) throw new NotFoundError('No such task');
    if (!can(membership.role, 'task.write')) throw new ForbiddenError();
    if (task.deletedAt) throw new ConflictError('The task is deleted; restore it first');
    const project = await this.repository.getProject(workspaceId, task.projectId);
    if (!project) throw new NotFoundError('No such task');
    if (project.archived) throw new ConflictError('The project is archived; its tasks cannot change');

    const now = this.clock();
    if (this.limits.monthlyTokens > 0) {
      const used = await this.quota.tokensUsed(workspaceId, monthOf(now));
      if (used >= this.limits.monthlyTokens) {
        throw new RateLimitedError(
          secondsToNextMonth(now),
          "The workspace's AI token budget for this month is used up",
        );
      }
    }
    const window = await this.quota.consumeRequest(workspaceId, now.getTime());
    const at = now.toISOString();
    const job: JobRecord = {
      id: newChildId(workspaceId),
      type: 'ai-breakdown',
      status: 'queued',
      progress: 0,
      taskId,
      projectId: task.projectId,
      workspaceId,
      requestedBy: caller.userId,
      createdAt: at,
      updatedAt: at,
      maxSubtasks: input.maxSubtasks,
      ...(input.hint ? { hint: input.hint } : {}),
      quotaWindow: window,
      attempt: 0,
    };
    try {
      await this.repository.create(job);
    } catch (error) {
      await this.quota.refundRequest(workspaceId, window);
      throw error;
    }
    try {
      await this.queue.send({ jobId: job.id });
    } catch (error) {
      // Nothing will run it: say so on the job, and give the request back.
      await this.repository.finish(
        job.id,
        0,
        { status: 'failed', error: { code: 'QUEUE_UNAVAILABLE', message: 'The job could not be queued' } },
        this.clock().toISOString(),
      );
      await this.quota.refundRequest(workspaceId, window);
      throw error;
    }
    return { jobId: job.id };
  }

  /** A job, for its requester and the workspace's owners and admins; 404 for anyone outside the workspace. */
  async get(caller: Caller, jobId: string): Promise<Job> {
    if (!workspaceOf(jobId)) throw new NotFoundError('No such job');
    const { job, membership } = await this.repository.readJob(jobId, caller.userId);
    if (!job || !membership) throw new NotFoundError('No such job');
    if (job.requestedBy !== caller.userId && !ADMINS.has(membership.role)) {
      throw new ForbiddenError("Only the job's requester and the workspace's admins may read it");
    }
    return jobView(job);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The worker (the queue side)
// ---------------------------------------------------------------------------------------------------------

export type RunOutcome = 'completed' | 'failed' | 'duplicate';

/**
 * Runs one queued job, exactly once however often its message is delivered: a delivery first claims the job
 * (a conditional queued → running on the job item); only the claimer reads the task and calls the provider, and
 * the result is written only if the job is still that claim's (running, same attempt). A delivery that finds the
 * job finished does nothing; one that finds it running under a live lease fails (JobBusyError) so the queue
 * delivers it again later, by when it is finished or the lease has run out (the claimer died) and it takes over.
 */
export class AiJobRunner {
  constructor(
    private readonly repository: JobRepository,
    private readonly quota: AiQuota,
    private readonly provider: BreakdownProvider,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * `lastDelivery`: the queue will not deliver this message again (the next failure sends it to the DLQ). A
   * fault of ours then fails the job (and gives its request back when no model answered) instead of leaving it
   * `running` until it expires, so the person waiting sees it end and may ask again.
   */
  async run(message: AiJobMessage, lastDelivery = false): Promise<RunOutcome> {
    const now = this.clock();
    const job = await this.repository.claim(
      message.jobId,
      now.toISOString(),
      now.getTime() + JOB_LEASE_MS,
      now.getTime(),
    );
    if (!job) {
      const current = await this.repository.getJob(message.jobId);
      if (current?.status === 'running') throw new JobBusyError(message.jobId);
      return 'duplicate'; // finished already, or gone (expired): nothing to do
    }

    const fail = async (code: string, text: string, refund: boolean, tokens = 0): Promise<RunOutcome> => {
      const written = await this.repository.finish(
        job.id,
        job.attempt,
        { status: 'failed', error: { code, message: text }, tokens },
        this.clock().toISOString(),
      );
      if (written && refund) await this.quota.refundRequest(job.workspaceId, job.quotaWindow);
      if (written && tokens > 0) await this.quota.addTokens(job.workspaceId, monthOf(this.clock()), tokens);
      return 'failed';
    };

    try {
      return await this.runClaimed(job, fail);
    } catch (error) {
      if (!lastDelivery) throw error;
      await fail('INTERNAL_ERROR', 'The breakdown could not run; try again', true);
      throw error; // still recorded as a failure of the delivery (logs, DLQ, alarm)
    }
  }

  private async runClaimed(
    job: JobRecord,
    fail: (code: string, text: string, refund: boolean, tokens?: number) => Promise<RunOutcome>,
  ): Promise<RunOutcome> {
    const { task, membership } = await this.repository.readTask(job.taskId, job.requestedBy);
    if (!task || task.deletedAt) return fail('TASK_GONE', 'The task was deleted', true);
    // The requester may have lost access since asking: their job must not read the task for them.
    if (!membership || !can(membership.role, 'task.write')) {
      return fail('FORBIDDEN', 'The requester may no longer change this task', true);
    }
    const input: BreakdownInput = {
      title: task.title,
      description: task.description,
      existingSubtasks: await this.repository.subtaskTitles(job.taskId),
      ...(job.hint ? { hint: job.hint } : {}),
      maxSubtasks: job.maxSubtasks,
    };

    let answer: ModelAnswer;
    let tokens: number;
    try {
      ({ answer, tokens } = await this.provider.breakdown(buildPrompt(input), input));
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error; // a fault of ours: the queue retries
      return fail(error.code, error.message, !error.answered, error.tokens);
    }
    let result: BreakdownResult;
    try {
      result = {
        subtasks: normalizeSuggestions(answer, input),
        provider: this.provider.name,
        model: this.provider.model,
      };
    } catch (error) {
      return fail('INVALID_ANSWER', (error as Error).message, false, tokens);
    }
    const written = await this.repository.finish(
      job.id,
      job.attempt,
      { status: 'completed', result, tokens },
      this.clock().toISOString(),
    );
    if (!written) return 'duplicate';
    if (tokens > 0) await this.quota.addTokens(job.workspaceId, monthOf(this.clock()), tokens);
    return 'completed';
  }
}
