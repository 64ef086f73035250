import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Job } from '#shared/schemas/ai';
import { keys } from '#functions/store/keys';
import { jobItem } from '#functions/store/ai-job-repository';
import type { JobRecord } from '#functions/domain/ai-breakdown';
import { physicalFunctionName } from '../infra/definitions.ts';
import {
  addMember,
  api,
  eventually,
  expectErrorShape,
  outputs,
  signUpUser,
  type TestUser,
  invokeFunction,
} from './support.ts';
import {
  created,
  createProject,
  createTask,
  createWorkspace,
  db,
  expect400,
  storedItem,
  table,
} from './fixtures.ts';
import { LiveClient, isEvent } from './live-client.ts';

/**
 * The AI breakdown on the local stack, built-in planner (no model configured): the route → the `ai` queue (fauxqs)
 * → the AI worker (the local SQS poller) → the job item → GET /api/jobs and JOB_UPDATED; the quota under a race;
 * and the worker invoked directly through the local Lambda Invoke API with redelivered messages.
 */

const WORKER = physicalFunctionName('local', 'ai-worker');

/** Runs the AI worker on an SQS event, as the event source mapping would. */
const runWorker = (event: SQSEvent) => invokeFunction<SQSBatchResponse>(WORKER, event);

/** An SQS event of `count` deliveries of one job's message (distinct message ids, as redeliveries have). */
const deliveries = (jobId: string, count: number): SQSEvent => ({
  Records: Array.from({ length: count }, (_, i) => ({
    messageId: `redelivery-${jobId}-${i}-${Math.random()}`,
    receiptHandle: `handle-${i}`,
    body: JSON.stringify({ jobId }),
    attributes: {
      ApproximateReceiveCount: String(i + 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: outputs().local.resources.queues.ai.arn,
    awsRegion: outputs().region,
  })),
});

const breakDown = (user: TestUser, taskId: string, body: unknown = {}) =>
  api<{ jobId: string }>(`/tasks/${taskId}/ai-breakdown`, { method: 'POST', token: user.idToken, body });

const jobOf = (user: TestUser, jobId: string) => api<Job>(`/jobs/${jobId}`, { token: user.idToken });

/** The job once it is finished (completed or failed). */
const finished = (user: TestUser, jobId: string) =>
  eventually(async () => {
    const { body } = await jobOf(user, jobId);
    return body.status === 'completed' || body.status === 'failed' ? body : undefined;
  }, 30_000);

const storedJob = async (jobId: string) => (await storedItem(keys.job(jobId))) as unknown as JobRecord;

/** The same work in one clock hour (the quota's window): a run that crosses an hour is done again. */
async function inOneHour<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    const hour = Math.floor(Date.now() / 3_600_000);
    const result = await work();
    if (Math.floor(Date.now() / 3_600_000) === hour) return result;
  }
}

let owner: TestUser;
let admin: TestUser;
let member: TestUser;
let viewer: TestUser;
let outsider: TestUser;
let ws: string;
let projectId: string;

beforeAll(async () => {
  owner = await signUpUser('AI owner');
  ws = await createWorkspace(owner, 'AI');
  [admin, member, viewer, outsider] = await Promise.all([
    addMember(owner, ws, 'admin'),
    addMember(owner, ws, 'member'),
    addMember(owner, ws, 'viewer'),
    signUpUser('AI outsider'),
  ]);
  projectId = await createProject(owner, ws);
}, 180_000);

describe('a breakdown job', () => {
  it('goes queued → completed through the queue, with 3..max built-in suggestions that skip existing subtasks', async () => {
    const task = await createTask(member, projectId, {
      title: 'Launch the pricing page',
      description: '- [ ] Write the comparison table\n- [x] Agree on prices\n- [ ] Add the FAQ',
    });
    await created(member, `/tasks/${task.id}/subtasks`, { title: 'Add the FAQ' });
    const live = await LiveClient.connect(outputs().wsUrl, member.idToken);
    try {
      const res = await breakDown(member, task.id, { maxSubtasks: 4, hint: 'mobile first' });
      expect(res.status).toBe(202);
      expect(res.body.jobId).toMatch(new RegExp(`^${ws}\\.`));
      const job = await finished(member, res.body.jobId);
      expect(job).toMatchObject({
        id: res.body.jobId,
        type: 'ai-breakdown',
        status: 'completed',
        progress: 100,
        taskId: task.id,
        requestedBy: member.userId,
        result: { provider: 'built-in', model: expect.any(String) },
      });
      const titles = job.result!.subtasks.map((s) => s.title);
      expect(titles[0]).toBe('Write the comparison table');
      expect(titles).not.toContain('Add the FAQ');
      expect(titles).not.toContain('Agree on prices');
      expect(titles.length).toBeGreaterThanOrEqual(3);
      expect(titles.length).toBeLessThanOrEqual(4);
      expect(job.result!.subtasks.map((s) => s.order)).toEqual(titles.map((_, i) => i + 1));
      // Pushed to the requester's own connection (no board subscription needed).
      const frame = await live.waitFor(
        (f) => isEvent('JOB_UPDATED', res.body.jobId)(f) && (f.data as Job).status === 'completed',
        15_000,
      );
      expect((frame.data as Job).result?.subtasks).toEqual(job.result!.subtasks);
      // The internal bookkeeping stays inside.
      expect(Object.keys(job).sort()).toEqual(
        [
          'createdAt',
          'id',
          'progress',
          'requestedBy',
          'result',
          'status',
          'taskId',
          'type',
          'updatedAt',
          'workspaceId',
        ].sort(),
      );
      // Stored with a TTL.
      const stored = await storedItem(keys.job(res.body.jobId));
      expect(stored?.ttl).toEqual(expect.any(Number));
    } finally {
      await live.close();
    }
  });

  it('is readable by its requester and the admins only; 404 outside the workspace', async () => {
    const task = await createTask(member, projectId, { title: 'Readable job' });
    const { body } = await breakDown(member, task.id);
    expect((await jobOf(member, body.jobId)).status).toBe(200);
    expect((await jobOf(owner, body.jobId)).status).toBe(200);
    expect((await jobOf(admin, body.jobId)).status).toBe(200);
    const byViewer = await jobOf(viewer, body.jobId);
    expect(byViewer.status).toBe(403);
    expectErrorShape(byViewer.body, 'FORBIDDEN');
    expect((await jobOf(outsider, body.jobId)).status).toBe(404);
    expect((await api(`/jobs/${body.jobId}`)).status).toBe(401);
    expect((await jobOf(member, `${ws}.01ARZ3NDEKTSV4RRFFQ69G5FAV`)).status).toBe(404);
    expect400(await jobOf(member, 'not-a-job'), 'jobId');
  });

  it('is refused to viewers (403) and strangers (404); bad input is a 400 naming the field', async () => {
    const task = await createTask(member, projectId, { title: 'Guarded' });
    expect((await breakDown(viewer, task.id)).status).toBe(403);
    expect((await breakDown(outsider, task.id)).status).toBe(404);
    expect400(await breakDown(member, task.id, { maxSubtasks: 11 }), 'maxSubtasks');
    expect400(await breakDown(member, task.id, { maxSubtasks: 2 }), 'maxSubtasks');
    expect400(await breakDown(member, task.id, { hint: 'x'.repeat(501) }), 'hint');
    expect400(await breakDown(member, task.id, { prompt: 'do evil' }), 'prompt');
    expect((await breakDown(member, `${ws}.01ARZ3NDEKTSV4RRFFQ69G5FAV`)).status).toBe(404);
  });
});

describe('the quota', () => {
  it('accepts exactly 20 of 50 concurrent requests of a workspace an hour; 429 + Retry-After past it', async () => {
    const boss = await signUpUser('Quota owner');
    const quotaWs = await createWorkspace(boss, 'Quota');
    const quotaProject = await createProject(boss, quotaWs);
    const task = await createTask(boss, quotaProject, { title: 'Popular task' });
    const answers = await inOneHour(() =>
      Promise.all(Array.from({ length: 50 }, () => breakDown(boss, task.id))),
    );
    const accepted = answers.filter((a) => a.status === 202);
    const limited = answers.filter((a) => a.status === 429);
    expect(accepted).toHaveLength(20);
    expect(limited).toHaveLength(30);
    expectErrorShape(limited[0]!.body, 'RATE_LIMITED');
    const retryAfter = Number(limited[0]!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    // Another workspace is not affected.
    const other = await createTask(member, projectId, { title: 'Elsewhere' });
    expect((await breakDown(member, other.id)).status).toBe(202);

    // A job that fails without a model answer (its task went meanwhile) gives its request back: one more fits.
    const now = new Date().toISOString();
    const window = Math.floor(Date.now() / 1000) - (Math.floor(Date.now() / 1000) % 3600);
    const orphan: JobRecord = {
      id: `${quotaWs}.01ARZ3NDEKTSV4RRFFQ69G5FAV`,
      type: 'ai-breakdown',
      status: 'queued',
      progress: 0,
      taskId: `${quotaWs}.01ARZ3NDEKTSV4RRFFQ69G5FAW`,
      projectId: quotaProject,
      workspaceId: quotaWs,
      requestedBy: boss.userId,
      createdAt: now,
      updatedAt: now,
      maxSubtasks: 5,
      quotaWindow: window,
      attempt: 0,
    };
    await db().send(new PutCommand({ TableName: table(), Item: jobItem(orphan) }));
    expect(await runWorker(deliveries(orphan.id, 1))).toEqual({ batchItemFailures: [] });
    expect(await storedJob(orphan.id)).toMatchObject({ status: 'failed', error: { code: 'TASK_GONE' } });
    const again = await Promise.all([breakDown(boss, task.id), breakDown(boss, task.id)]);
    expect(again.map((a) => a.status).sort()).toEqual([202, 429]);
  });
});

describe('the monthly token budget', () => {
  it("refuses requests once the month's tokens are used, until the next month", async () => {
    const boss = await signUpUser('Budget owner');
    const budgetWs = await createWorkspace(boss, 'Budget');
    const task = await createTask(boss, await createProject(boss, budgetWs), { title: 'Costly' });
    const month = new Date().toISOString().slice(0, 7);
    // The local default budget (AI_MONTHLY_TOKENS, 200,000), as used up by model answers.
    await db().send(
      new PutCommand({
        TableName: table(),
        Item: { ...keys.aiUsage(budgetWs, month), type: 'AI_USAGE', tokens: 200_000 },
      }),
    );
    const refused = await breakDown(boss, task.id);
    expect(refused.status).toBe(429);
    expectErrorShape(refused.body, 'RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(31 * 86_400);
    // The refused request took nothing from the hour's quota.
    const nowSeconds = Math.floor(Date.now() / 1000);
    const window = nowSeconds - (nowSeconds % 3600);
    expect(await storedItem(keys.rateCounter(`AI#${budgetWs}`, window))).toBeUndefined();
  });
});

describe('redelivery', () => {
  it('a finished job delivered 3 more times: no second run, no second result', async () => {
    const task = await createTask(member, projectId, { title: 'Delivered thrice' });
    const { body } = await breakDown(member, task.id);
    const job = await finished(member, body.jobId);
    const before = await storedJob(body.jobId);
    expect(before.attempt).toBe(1);
    expect(await runWorker(deliveries(body.jobId, 3))).toEqual({ batchItemFailures: [] });
    const after = await storedJob(body.jobId);
    expect(after.attempt).toBe(1);
    expect(after.updatedAt).toBe(before.updatedAt);
    expect((await jobOf(member, body.jobId)).body).toEqual(job);
  });

  it('one queued job delivered 3 times at once: claimed once (one provider call), one result', async () => {
    const task = await createTask(member, projectId, {
      title: 'Raced',
      description: '- [ ] One\n- [ ] Two\n- [ ] Three',
    });
    const now = new Date().toISOString();
    const jobId = `${ws}.01BX5ZZKBKACTAV9WEVGEMMVRZ`;
    const queued: JobRecord = {
      id: jobId,
      type: 'ai-breakdown',
      status: 'queued',
      progress: 0,
      taskId: task.id,
      projectId,
      workspaceId: ws,
      requestedBy: member.userId,
      createdAt: now,
      updatedAt: now,
      maxSubtasks: 3,
      quotaWindow: 0,
      attempt: 0,
    };
    await db().send(new PutCommand({ TableName: table(), Item: jobItem(queued) }));
    const event = deliveries(jobId, 3);
    const first = await runWorker(event);
    // The deliveries that found the job running under the claimer's lease are handed back to the queue.
    const failed = first.batchItemFailures.map((f) => f.itemIdentifier);
    expect(failed.length).toBeLessThanOrEqual(2);
    const done = await storedJob(jobId);
    expect(done).toMatchObject({ status: 'completed', attempt: 1 });
    expect(done.result!.subtasks.map((s) => s.title)).toEqual(['One', 'Two', 'Three']);
    // Delivered again, they find it finished: nothing more happens.
    const retry = { Records: event.Records.filter((r) => failed.includes(r.messageId)) };
    if (retry.Records.length) expect(await runWorker(retry)).toEqual({ batchItemFailures: [] });
    const final = await storedJob(jobId);
    expect(final.attempt).toBe(1);
    expect(final.updatedAt).toBe(done.updatedAt);
  });
});
