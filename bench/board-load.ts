/**
 * Board load time against board size: one workspace, two projects, one with 100 tasks and one with 10,000,
 * spread over the columns. Times the first page of each board (`GET /api/projects/{id}/tasks`, limit 50), a
 * one-column page (`?status=in_progress`) and a filtered page (`?assigneeId=`), sampled in interleaved order
 * (small, large, small, large, ...) by a few concurrent clients so warm-up and drift hit both sizes alike.
 * Target: the 10k board's first page within 1.2x of the 100-task board's.
 *
 * The workspace, projects and people are made through the API; the tasks are seeded straight into the store
 * (see seedTasks in bench/load.ts): 10,000 creates through the API would take minutes, every one contending
 * for the project's next task number. The per-user rate limit is off here: this measures the board query.
 */
import { TASK_STATUSES, type Task, type TaskStatus } from '../shared/schemas/tasks.ts';
import { taskView, type TaskRecord } from '../functions/domain/tasks.ts';
import { signUpLocalUser } from '../test/users.ts';
import {
  apiClient,
  dynamoCallsOf,
  expectStatus,
  inviteMembers,
  seedTasks,
  summarize,
  type ApiCall,
  type LoadResult,
  withBenchStack,
} from './load.ts';

const SAMPLES = Number(process.env.BENCH_BOARD_SAMPLES ?? 200);
const CONCURRENCY = Number(process.env.BENCH_BOARD_CONCURRENCY ?? 4);
const WARM_UP_ROUNDS = 10;
const SIZES = [100, 10_000] as const;

/** Column of task i: a repeating pattern of 20 (todo 6, in_progress 4, in_review 2, blocked 1, done 6, archived 1). */
const COLUMN_PATTERN: TaskStatus[] = [
  ...Array<TaskStatus>(6).fill('todo'),
  ...Array<TaskStatus>(4).fill('in_progress'),
  ...Array<TaskStatus>(2).fill('in_review'),
  'blocked',
  ...Array<TaskStatus>(6).fill('done'),
  'archived',
];

interface Board {
  size: number;
  projectId: string;
  key: string;
  records: TaskRecord[];
}

interface Variant {
  name: string;
  query: string;
}

interface Sample {
  ms: number;
  status: number;
  items: number;
  calls: number;
}

export async function boardLoad(root: string): Promise<void> {
  await withBenchStack(
    root,
    { RATE_LIMIT_USER_PER_MINUTE: '0', TEAMFLOW_EXPOSE_DB_CALLS: '1' },
    async (stack) => {
      const o = stack.outputs;
      const api = apiClient(o, CONCURRENCY);
      const owner = await signUpLocalUser(o, 'Bench owner');
      const ws = expectStatus(
        await api<{ id: string }>('POST', '/workspaces', {
          token: owner.idToken,
          body: { name: 'Board bench' },
        }),
        201,
        'create workspace',
      );
      const [member] = await inviteMembers(o, api, owner, ws.id, 1);
      // Every 4th task is the member's, the next one the owner's, the other two nobody's.
      const assigneesOf = (i: number) => (i % 4 === 0 ? [member!.userId] : i % 4 === 1 ? [owner.userId] : []);

      const boards: Board[] = [];
      const seedStarted = performance.now();
      for (const size of SIZES) {
        const key = size === 100 ? 'SMALL' : 'LARGE';
        const project = expectStatus(
          await api<{ id: string }>('POST', `/workspaces/${ws.id}/projects`, {
            token: owner.idToken,
            body: { name: `${size} tasks`, key },
          }),
          201,
          'create project',
        );
        const records = await seedTasks(o, {
          workspaceId: ws.id,
          projectId: project.id,
          createdBy: owner.userId,
          count: size,
          statusOf: (i) => COLUMN_PATTERN[i % COLUMN_PATTERN.length]!,
          assigneesOf,
        });
        boards.push({ size, projectId: project.id, key, records });
      }
      const seedSeconds = (performance.now() - seedStarted) / 1000;

      await verify(api, owner.idToken, boards);

      const variants: Variant[] = [
        { name: 'first page', query: '' },
        { name: 'one column (?status=in_progress)', query: '?status=in_progress' },
        {
          name: `filtered (?assigneeId=<member>)`,
          query: `?assigneeId=${encodeURIComponent(member!.userId)}`,
        },
      ];
      // Interleaved: every round asks each variant of each size once, in turn.
      const jobs = (rounds: number) =>
        Array.from({ length: rounds }, () => variants.flatMap((v) => boards.map((b) => ({ v, b })))).flat();
      const load = (board: Board, variant: Variant) =>
        api<{ items: unknown[] }>('GET', `/projects/${board.projectId}/tasks${variant.query}`, {
          token: owner.idToken,
        });

      await runJobs(jobs(WARM_UP_ROUNDS), async ({ v, b }) => {
        expectStatus(await load(b, v), 200, 'warm-up');
      });
      const samples = new Map<string, Sample[]>();
      const timedStarted = performance.now();
      await runJobs(jobs(SAMPLES), async ({ v, b }) => {
        const res = await load(b, v);
        const calls = Object.values(dynamoCallsOf(res)).reduce((a, n) => a + n, 0);
        const list = samples.get(`${v.name}|${b.size}`) ?? [];
        list.push({ ms: res.ms, status: res.status, items: res.body.items?.length ?? 0, calls });
        samples.set(`${v.name}|${b.size}`, list);
      });
      const timedSeconds = (performance.now() - timedStarted) / 1000;

      console.log('\n## Board load: first page latency against board size');
      console.log(
        `Seeding: ${SIZES.join(' + ')} tasks written STRAIGHT INTO THE STORE (BatchWriteItem of taskItem(record) and ` +
          `assignment items, not the creates' activity items, which no board reads; project taskSeq/taskCount set ` +
          `to match) in ${seedSeconds.toFixed(1)} s; workspace, ` +
          `projects and members made through the API. Columns per 20 tasks: todo 6, in_progress 4, in_review 2, ` +
          `blocked 1, done 6, archived 1; the member is assigned every 4th task.`,
      );
      console.log(
        `Verified: the 10k board's first page is its first 50 todo tasks in rank order (as the API shows them).`,
      );
      console.log(
        `${SAMPLES} samples per line, interleaved across sizes and variants, concurrency ${CONCURRENCY}, ` +
          `rate limit off (${timedSeconds.toFixed(1)} s of timed requests).`,
      );
      const results = new Map<string, LoadResult & { mean: number }>();
      for (const variant of variants) {
        for (const board of boards) {
          const list = samples.get(`${variant.name}|${board.size}`) ?? [];
          const errors = list.filter((s) => s.status !== 200).length;
          const latencies = list.map((s) => s.ms);
          const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
          const r = {
            ...summarize(`${variant.name}, ${board.size} tasks`, latencies, errors, timedSeconds),
            mean,
          };
          results.set(`${variant.name}|${board.size}`, r);
          const items = list[0]?.items ?? 0;
          const calls = list.reduce((a, s) => a + s.calls, 0) / Math.max(1, list.length);
          console.log(
            `${r.label.padEnd(50)} mean ${fmt(r.mean)}  p50 ${fmt(r.p50)}  p95 ${fmt(r.p95)}  p99 ${fmt(r.p99)}  ` +
              `(${r.requests} requests, ${errors} errors; ${items} items/page, ${calls.toFixed(1)} DynamoDB calls/request)`,
          );
        }
      }
      console.log('\nRatio 10k / 100 tasks (target <= 1.2x):');
      for (const variant of variants) {
        const small = results.get(`${variant.name}|${SIZES[0]}`)!;
        const large = results.get(`${variant.name}|${SIZES[1]}`)!;
        const ratio = (f: 'p50' | 'p95' | 'p99' | 'mean') => (large[f] / small[f]).toFixed(2);
        const met = large.p50 / small.p50 <= 1.2 && large.mean / small.mean <= 1.2;
        console.log(
          `${variant.name.padEnd(50)} p50 ${ratio('p50')}x  mean ${ratio('mean')}x  p95 ${ratio('p95')}x  ` +
            `p99 ${ratio('p99')}x${variant.query === '' ? `  (target ${met ? 'met' : 'NOT met'} on p50 and mean)` : ''}`,
        );
      }
    },
  );
}

const fmt = (ms: number) => `${ms.toFixed(2).padStart(7)} ms`;

/** Runs the jobs in order by CONCURRENCY workers (each takes the next job when it is done with one). */
async function runJobs<J>(jobs: J[], run: (job: J) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < jobs.length) await run(jobs[next++]!);
    }),
  );
}

/**
 * Before timing: each board's first page is exactly what the seeded records say it is (the 10k board's: its
 * first 50 todo tasks in rank order; the small one's: its 30 todo tasks, then the first 20 in progress), and
 * the tasks read back equal what the API shows of the records (so the store holds what the product writes).
 */
async function verify(api: ApiCall, token: string, boards: Board[]): Promise<void> {
  for (const board of boards) {
    const res = await api<{ items: Task[]; nextCursor: string | null }>(
      'GET',
      `/projects/${board.projectId}/tasks`,
      { token },
    );
    const page = expectStatus(res, 200, 'first page');
    const expected = TASK_STATUSES.flatMap((status) => board.records.filter((t) => t.status === status))
      .slice(0, 50)
      .map((t) => taskView(t, board.key));
    const problems: string[] = [];
    if (page.items.length !== 50) problems.push(`${page.items.length} items, not 50`);
    if (!page.nextCursor) problems.push('no nextCursor');
    page.items.forEach((task, i) => {
      if (JSON.stringify(task) !== JSON.stringify(expected[i]))
        problems.push(`item ${i} is not the expected task`);
      const previous = page.items[i - 1];
      if (previous && previous.status === task.status && !(previous.rank < task.rank))
        problems.push(`item ${i} is not in rank order`);
    });
    if (board.size === 10_000 && page.items.some((t) => t.status !== 'todo'))
      problems.push('not all of the first column');
    if (problems.length) {
      throw new Error(
        `The ${board.size}-task board's first page is wrong: ${problems.slice(0, 5).join('; ')}`,
      );
    }
  }
}
