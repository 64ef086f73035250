import type { ModelAnswer } from '#shared/schemas/ai';
import {
  AiBreakdownService,
  AiJobRunner,
  JOB_LEASE_MS,
  JobBusyError,
  jobView,
  ProviderError,
  secondsToNextMonth,
  type AiQuota,
  type BreakdownProvider,
  type JobRecord,
  type JobRepository,
} from './ai-breakdown.ts';
import type { BreakdownPrompt } from './ai-planner.ts';
import { jobOutgoingOf } from './broadcast.ts';
import { callerOf, codeOf, membershipOf, projectRecord, taskRecord } from './test-fixtures.ts';

const job: JobRecord = {
  id: 'W.J',
  type: 'ai-breakdown',
  status: 'running',
  progress: 10,
  taskId: 'W.T',
  projectId: 'W.P',
  workspaceId: 'W',
  requestedBy: 'u1',
  createdAt: '2026-12-05T10:00:00.000Z',
  updatedAt: '2026-12-05T10:00:01.000Z',
  maxSubtasks: 5,
  hint: 'internal',
  quotaWindow: 1_765_000_000,
  attempt: 1,
  leaseUntil: 1_765_000_090_000,
};
const isJob = (item: Record<string, unknown>) => item.kind === 'job';
const toJob = (item: Record<string, unknown>) => item as unknown as JobRecord;
const item = (j: Partial<JobRecord>) => ({ ...job, ...j, kind: 'job' });

describe('jobView', () => {
  it('shows the contract fields only, never the bookkeeping', () => {
    expect(Object.keys(jobView(job)).sort()).toEqual(
      [
        'createdAt',
        'id',
        'progress',
        'requestedBy',
        'status',
        'taskId',
        'type',
        'updatedAt',
        'workspaceId',
      ].sort(),
    );
  });
});

describe('secondsToNextMonth', () => {
  it('counts to the first of the next month, UTC, across a year end', () => {
    expect(secondsToNextMonth(new Date('2026-12-31T23:59:00Z'))).toBe(60);
    expect(secondsToNextMonth(new Date('2026-02-28T00:00:00Z'))).toBe(86_400);
  });
});

describe('jobOutgoingOf', () => {
  it('makes JOB_UPDATED for the requester when the status or progress changed', () => {
    const outgoing = jobOutgoingOf(
      { eventName: 'MODIFY', oldItem: item({ status: 'queued', progress: 0 }), newItem: item({}) },
      isJob,
      toJob,
    );
    expect(outgoing).toEqual({
      userId: 'u1',
      frame: { type: 'JOB_UPDATED', entityId: 'W.J', actorId: 'u1', at: job.updatedAt, data: jobView(job) },
    });
  });

  it('says nothing for other items, inserts, or a change the requester cannot see', () => {
    expect(jobOutgoingOf({ eventName: 'INSERT', newItem: item({}) }, isJob, toJob)).toBeUndefined();
    expect(
      jobOutgoingOf(
        { eventName: 'MODIFY', oldItem: item({}), newItem: item({ leaseUntil: 1 }) },
        isJob,
        toJob,
      ),
    ).toBeUndefined();
    expect(
      jobOutgoingOf(
        { eventName: 'MODIFY', oldItem: { kind: 'task' }, newItem: { kind: 'task' } },
        isJob,
        toJob,
      ),
    ).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------
// The service and the runner, over in-memory ports that keep the stores' conditions (claim: queued or an
// expired lease; finish: running at that attempt). The DynamoDB versions are exercised by
// test/ai-breakdown.int.test.ts.
// ---------------------------------------------------------------------------------------------------------

function ports(role: 'owner' | 'member' | 'viewer' = 'member') {
  const jobs = new Map<string, JobRecord>();
  const task = taskRecord({ description: '- [ ] One\n- [ ] Two\n- [ ] Three' });
  const counts = { refunds: 0, tokens: 0, requests: 0, sent: 0 };
  let tokensUsed = 0;
  const repository: JobRepository = {
    readTask: async (_taskId, userId) => ({ task, membership: membershipOf(userId, role) }),
    getProject: async () => projectRecord(),
    subtaskTitles: async () => ['Two'],
    readJob: async (jobId, userId) => ({ job: jobs.get(jobId), membership: membershipOf(userId, role) }),
    getJob: async (jobId) => jobs.get(jobId),
    create: async (job) => void jobs.set(job.id, { ...job }),
    claim: async (jobId, now, leaseUntil, nowMs) => {
      const job = jobs.get(jobId);
      if (!job) return undefined;
      const free = job.status === 'queued' || (job.status === 'running' && (job.leaseUntil ?? 0) < nowMs);
      if (!free) return undefined;
      Object.assign(job, {
        status: 'running',
        progress: 10,
        leaseUntil,
        updatedAt: now,
        attempt: job.attempt + 1,
      });
      return { ...job };
    },
    finish: async (jobId, attempt, outcome, now) => {
      const job = jobs.get(jobId);
      if (!job || !['queued', 'running'].includes(job.status) || job.attempt !== attempt) return false;
      Object.assign(job, outcome, { progress: 100, updatedAt: now });
      return true;
    },
  };
  const quota: AiQuota = {
    consumeRequest: async () => {
      counts.requests++;
      return 3600;
    },
    refundRequest: async () => void counts.refunds++,
    tokensUsed: async () => tokensUsed,
    addTokens: async (_ws, _month, tokens) => void (counts.tokens += tokens),
  };
  const queue = { send: jest.fn(async () => void counts.sent++) };
  return { jobs, task, counts, repository, quota, queue, useTokens: (n: number) => (tokensUsed = n) };
}

function provider(outcome: ModelAnswer | ProviderError, tokens = 500) {
  const calls: BreakdownPrompt[] = [];
  const made: BreakdownProvider = {
    name: 'openai-compatible',
    model: 'test-model',
    breakdown: async (prompt) => {
      calls.push(prompt);
      if (outcome instanceof ProviderError) throw outcome;
      return { answer: outcome, tokens };
    },
  };
  return { made, calls };
}

const answer = (...titles: string[]): ModelAnswer => ({
  subtasks: titles.map((title) => ({ title, description: '', estimatedHours: 1, confidence: 0.5 })),
});
const LIMITS = { requestsPerHour: 20, monthlyTokens: 1000 };

async function queuedJob(p: ReturnType<typeof ports>) {
  const service = new AiBreakdownService(p.repository, p.quota, p.queue, LIMITS);
  const { jobId } = await service.request(callerOf('u1'), p.task.id, { maxSubtasks: 5 });
  return jobId;
}

describe('AiBreakdownService', () => {
  it('queues a job for a member, counted against the hour', async () => {
    const p = ports();
    const jobId = await queuedJob(p);
    expect(p.jobs.get(jobId)).toMatchObject({
      status: 'queued',
      attempt: 0,
      requestedBy: 'u1',
      quotaWindow: 3600,
    });
    expect(p.queue.send).toHaveBeenCalledWith({ jobId });
    expect(p.counts.requests).toBe(1);
  });

  it('refuses viewers, and everyone once the month’s tokens are used', async () => {
    const service = (p: ReturnType<typeof ports>) =>
      new AiBreakdownService(p.repository, p.quota, p.queue, LIMITS);
    const viewer = ports('viewer');
    expect(await codeOf(service(viewer).request(callerOf('v'), viewer.task.id, { maxSubtasks: 5 }))).toBe(
      'FORBIDDEN',
    );
    const spent = ports();
    spent.useTokens(1000);
    expect(await codeOf(service(spent).request(callerOf('u1'), spent.task.id, { maxSubtasks: 5 }))).toBe(
      'RATE_LIMITED',
    );
    expect(spent.counts.requests).toBe(0);
  });

  it('marks a job it could not queue as failed and gives its request back', async () => {
    const p = ports();
    p.queue.send.mockRejectedValueOnce(new Error('SQS down'));
    const service = new AiBreakdownService(p.repository, p.quota, p.queue, LIMITS);
    await expect(service.request(callerOf('u1'), p.task.id, { maxSubtasks: 5 })).rejects.toThrow('SQS down');
    expect([...p.jobs.values()][0]).toMatchObject({ status: 'failed', error: { code: 'QUEUE_UNAVAILABLE' } });
    expect(p.counts.refunds).toBe(1);
  });
});

describe('AiJobRunner', () => {
  it('calls the provider once and writes one result, however often the job is delivered', async () => {
    const p = ports();
    const jobId = await queuedJob(p);
    const model = provider(answer('One', 'Two', 'Three', 'Four'));
    const runner = new AiJobRunner(p.repository, p.quota, model.made);
    expect(await runner.run({ jobId })).toBe('completed');
    expect(await runner.run({ jobId })).toBe('duplicate');
    expect(await runner.run({ jobId })).toBe('duplicate');
    expect(model.calls).toHaveLength(1);
    expect(p.jobs.get(jobId)!.result).toEqual({
      provider: 'openai-compatible',
      model: 'test-model',
      // "Two" is an existing subtask.
      subtasks: ['One', 'Three', 'Four'].map((title, i) => ({ ...answer(title).subtasks[0]!, order: i + 1 })),
    });
    expect(p.counts).toMatchObject({ tokens: 500, refunds: 0 });
  });

  it('fails a delivery of a job another delivery runs (retried later), and takes over after the lease', async () => {
    const p = ports();
    const jobId = await queuedJob(p);
    let now = Date.parse('2026-12-05T10:00:00Z');
    const clock = () => new Date(now);
    const model = provider(answer('One', 'Three', 'Four'));
    await p.repository.claim(jobId, clock().toISOString(), now + JOB_LEASE_MS, now); // a claimer that died
    const runner = new AiJobRunner(p.repository, p.quota, model.made, clock);
    await expect(runner.run({ jobId })).rejects.toBeInstanceOf(JobBusyError);
    expect(model.calls).toHaveLength(0);
    now += JOB_LEASE_MS + 1;
    expect(await runner.run({ jobId })).toBe('completed');
    expect(p.jobs.get(jobId)).toMatchObject({ status: 'completed', attempt: 2 });
  });

  it('gives the request back when the provider had no answer; keeps it (and counts tokens) when it had one', async () => {
    const unavailable = ports();
    const failing = new AiJobRunner(
      unavailable.repository,
      unavailable.quota,
      provider(new ProviderError('throttled', false)).made,
    );
    expect(await failing.run({ jobId: await queuedJob(unavailable) })).toBe('failed');
    expect(unavailable.counts).toMatchObject({ refunds: 1, tokens: 0 });

    const invalid = ports();
    const bad = new AiJobRunner(
      invalid.repository,
      invalid.quota,
      provider(new ProviderError('outside the schema', true, 'INVALID_ANSWER', 300)).made,
    );
    const jobId = await queuedJob(invalid);
    expect(await bad.run({ jobId })).toBe('failed');
    expect(invalid.jobs.get(jobId)!.error).toEqual({ code: 'INVALID_ANSWER', message: 'outside the schema' });
    expect(invalid.counts).toMatchObject({ refunds: 0, tokens: 300 });

    const thin = ports();
    const few = new AiJobRunner(thin.repository, thin.quota, provider(answer('Two', 'One', 'one!')).made);
    expect(await few.run({ jobId: await queuedJob(thin) })).toBe('failed');
    expect(thin.counts).toMatchObject({ refunds: 0, tokens: 500 });
  });

  it('on the last delivery, a fault of ours fails the job (request given back) instead of leaving it running', async () => {
    const p = ports();
    const jobId = await queuedJob(p);
    const broken = {
      ...p.repository,
      subtaskTitles: async () => Promise.reject(new Error('table unavailable')),
    };
    const runner = new AiJobRunner(broken, p.quota, provider(answer('One', 'Three', 'Four')).made);
    await expect(runner.run({ jobId })).rejects.toThrow('table unavailable');
    expect(p.jobs.get(jobId)!.status).toBe('running'); // the queue delivers it again
    // The lease of the first delivery ran out before the second (visibility timeout > lease).
    p.jobs.get(jobId)!.leaseUntil = 0;
    await expect(runner.run({ jobId }, true)).rejects.toThrow('table unavailable');
    expect(p.jobs.get(jobId)).toMatchObject({ status: 'failed', error: { code: 'INTERNAL_ERROR' } });
    expect(p.counts.refunds).toBe(1);
  });

  it('does not run a job whose requester lost access: failed, request given back, no provider call', async () => {
    const p = ports();
    const jobId = await queuedJob(p);
    const model = provider(answer('One', 'Three', 'Four'));
    const viewerNow = { ...p.repository, readTask: async () => ({ task: p.task, membership: undefined }) };
    expect(await new AiJobRunner(viewerNow, p.quota, model.made).run({ jobId })).toBe('failed');
    expect(p.jobs.get(jobId)!.error?.code).toBe('FORBIDDEN');
    expect(model.calls).toHaveLength(0);
    expect(p.counts.refunds).toBe(1);
  });
});
