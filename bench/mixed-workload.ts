/**
 * A mixed workload against one workspace: `concurrency` clients (default 20), each signed in as one of several
 * members, for `duration` (default 30 s) run a mix of board loads (40%), task creates (15%), patches with the
 * version last seen (20%; on 409 VERSION_CONFLICT the client re-reads the task and tries once more), moves
 * (15%, same on 409) and comments (10%) over a few projects pre-seeded with ~500 tasks each. Prints the
 * request rate overall and per operation, latency percentiles, and errors by status (409s apart: some are
 * expected when clients edit the same tasks).
 *
 * Next to it, the raw DynamoDB Local rate for the same work: every response reports the DynamoDB calls it
 * made (x-dynamodb-calls, TEAMFLOW_EXPOSE_DB_CALLS=1), and the same mix of raw calls (GetItem, BatchGetItem,
 * Query, UpdateItem and TransactWriteItems of the sizes each operation sends) runs straight against DynamoDB
 * Local at the same concurrency for as long (in rounds between the API's): its calls/s over the API's calls per request is the rate the API
 * could reach if everything around DynamoDB cost nothing.
 *
 * Settings: BENCH_MIXED_CONCURRENCY / BENCH_MIXED_DURATION_MS, or `npm run bench -- mixed-workload
 * --concurrency 5 --duration 10` (seconds). The per-user limit is raised out of reach (its counter is still
 * written on every request, as in production), so a handful of members can carry the load.
 */
import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { TASK_PRIORITIES, TASK_STATUSES, type Task } from '../shared/schemas/tasks.ts';
import { newActivity } from '../functions/domain/activity.ts';
import { statusIndex, taskView, type TaskRecord } from '../functions/domain/tasks.ts';
import { newChildId } from '../functions/lib/ids.ts';
import { activityItem } from '../functions/store/activity.ts';
import { keys } from '../functions/store/keys.ts';
import { mostTakenAtOnce } from '../functions/lib/rate-limit.ts';
import { RateCounter } from '../functions/store/rate-limiter.ts';
import { DynamoTaskRepository, PROJECT_WRITABLE, taskItem } from '../functions/store/task-repository.ts';
import { signUpLocalUser, type LocalUser } from '../test/users.ts';
import {
  apiClient,
  dynamoCallsOf,
  expectStatus,
  inviteMembers,
  localTable,
  percentile,
  seedTasks,
  type ApiCall,
  type ApiResponse,
  withBenchStack,
} from './load.ts';

const PROJECTS = 3;
const TASKS_PER_PROJECT = 500;
const MEMBERS = 5; // besides the owner
const WARM_UP_MS = 3000;
const ROUNDS = 3;

const MIX = [
  ['board load', 40],
  ['create', 15],
  ['patch', 20],
  ['move', 15],
  ['comment', 10],
] as const;
type MixOp = (typeof MIX)[number][0];
/** Not drawn from the mix: the GET a client makes after a 409 VERSION_CONFLICT before it tries again. */
type Op = MixOp | 're-read after 409';

/** A number from `--name N` or `--name=N` after the bench's name on the command line. */
function argument(name: string): number | undefined {
  const args = process.argv.slice(3);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === `--${name}`) return Number(args[i + 1]);
    if (arg.startsWith(`--${name}=`)) return Number(arg.slice(name.length + 3));
  }
  return undefined;
}

interface Project {
  id: string;
  key: string;
  records: TaskRecord[];
}

class Stats {
  readonly latencies: number[] = [];
  readonly statuses = new Map<number, number>();
  /** Error responses by status and code, e.g. `409 VERSION_CONFLICT`. */
  readonly errors = new Map<string, number>();
  readonly calls: Record<string, number> = {};
  retries = 0;

  add(response: ApiResponse<unknown>) {
    this.latencies.push(response.ms);
    this.statuses.set(response.status, (this.statuses.get(response.status) ?? 0) + 1);
    if (response.status >= 300) {
      const code = (response.body as { error?: { code?: string } }).error?.code ?? '?';
      const key = `${response.status} ${code}`;
      this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
    }
    for (const [op, n] of Object.entries(dynamoCallsOf(response))) this.calls[op] = (this.calls[op] ?? 0) + n;
  }

  get requests() {
    return this.latencies.length;
  }

  count(predicate: (status: number) => boolean) {
    let n = 0;
    for (const [status, count] of this.statuses) if (predicate(status)) n += count;
    return n;
  }

  get dynamoCalls() {
    return Object.values(this.calls).reduce((a, b) => a + b, 0);
  }
}

/** What one client knows: the tasks it has seen (as last seen) and the top task of each column it loaded. */
interface View {
  tasks: Map<string, Task>;
  tops: Map<string, string>;
}

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
const randomTask = (view: View): Task | undefined =>
  view.tasks.size ? pick([...view.tasks.values()]) : undefined;

export async function mixedWorkload(root: string): Promise<void> {
  const concurrency = argument('concurrency') ?? Number(process.env.BENCH_MIXED_CONCURRENCY ?? 20);
  const durationArg = argument('duration');
  const durationMs =
    durationArg !== undefined ? durationArg * 1000 : Number(process.env.BENCH_MIXED_DURATION_MS ?? 30_000);
  await withBenchStack(
    root,
    {
      TEAMFLOW_EXPOSE_DB_CALLS: '1',
      RATE_LIMIT_USER_PER_MINUTE: '1000000000',
    },
    async (stack) => {
      const o = stack.outputs;
      const api = apiClient(o, concurrency);
      const owner = await signUpLocalUser(o, 'Bench owner');
      const ws = expectStatus(
        await api<{ id: string }>('POST', '/workspaces', {
          token: owner.idToken,
          body: { name: 'Mixed bench' },
        }),
        201,
        'create workspace',
      );
      const members = await inviteMembers(o, api, owner, ws.id, MEMBERS);
      const users = [owner, ...members];

      const seedStarted = performance.now();
      const projects: Project[] = [];
      for (let p = 0; p < PROJECTS; p++) {
        const key = `MIX${'ABCDEFGHIJ'[p]}`;
        const project = expectStatus(
          await api<{ id: string }>('POST', `/workspaces/${ws.id}/projects`, {
            token: owner.idToken,
            body: { name: `Mixed ${p + 1}`, key },
          }),
          201,
          'create project',
        );
        const records = await seedTasks(o, {
          workspaceId: ws.id,
          projectId: project.id,
          createdBy: owner.userId,
          count: TASKS_PER_PROJECT,
          statusOf: (i) => TASK_STATUSES[[0, 0, 0, 1, 1, 2, 3, 4, 4, 5][i % 10]!]!,
          assigneesOf: (i) => (i % 3 === 0 ? [] : [users[i % users.length]!.userId]),
          activityWithKey: key,
        });
        projects.push({ id: project.id, key, records });
      }
      const seedSeconds = (performance.now() - seedStarted) / 1000;

      // --- the API ------------------------------------------------------------------------------------------
      const views: View[] = Array.from({ length: concurrency }, () => ({
        tasks: new Map(),
        tops: new Map(),
      }));
      const client = (w: number) => ({
        api,
        user: users[w % users.length]!,
        users,
        view: views[w]!,
        projects,
      });
      // Each client starts from a look at every board; then a short untimed run warms everything up.
      await Promise.all(
        views.map(async (_, w) => {
          for (const project of projects) await boardLoad(client(w), project, '');
        }),
      );
      await runMix(concurrency, WARM_UP_MS, client, newStats());
      // Rounds, API then raw DynamoDB (see the end), in turn: drift on this shared machine hits both alike. Each
      // raw round replays the calls the API has made so far.
      const stats = newStats();
      const raw: RawTotals = { byCall: new Map(), errors: 0, seconds: 0 };
      const world = { table: localTable(o, concurrency), workspaceId: ws.id, users, projects };
      let seconds = 0;
      for (let round = 0; round < ROUNDS; round++) {
        seconds += (await runMix(concurrency, durationMs / ROUNDS, client, stats)).seconds;
        await runRaw(concurrency, durationMs / ROUNDS, stats, world, raw);
      }

      const all = new Stats();
      for (const s of stats.values()) {
        all.latencies.push(...s.latencies);
        for (const [status, n] of s.statuses) all.statuses.set(status, (all.statuses.get(status) ?? 0) + n);
        for (const [code, n] of s.errors) all.errors.set(code, (all.errors.get(code) ?? 0) + n);
        for (const [op, n] of Object.entries(s.calls)) all.calls[op] = (all.calls[op] ?? 0) + n;
      }
      console.log('\n## Mixed workload');
      console.log(
        `${PROJECTS} projects x ${TASKS_PER_PROJECT} tasks seeded STRAIGHT INTO THE STORE (BatchWriteItem of the ` +
          `items the product's create writes: task, assignments, activity; project counters set to match) in ` +
          `${seedSeconds.toFixed(1)} s; workspace, projects and ${users.length} members made through the API.`,
      );
      console.log(
        `Concurrency ${concurrency} for ${seconds.toFixed(1)} s in ${ROUNDS} rounds (after ${WARM_UP_MS / 1000} s ` +
          `of warm-up); ` +
          `client i is member i mod ${users.length}; mix ${MIX.map(([op, w]) => `${op} ${w}%`).join(', ')}; ` +
          `per-user limit out of reach (its shared counter still written, once per share of the window taken).`,
      );
      console.log(
        `${'operation'.padEnd(20)} ${'req/s'.padStart(7)} ${'requests'.padStart(8)}  ${'p50'.padStart(8)}  ` +
          `${'p95'.padStart(8)}  ${'p99'.padStart(8)}  ${'2xx'.padStart(6)} ${'409'.padStart(5)}  ${'other errors'.padEnd(28)}  ` +
          `DynamoDB calls/request`,
      );
      const line = (label: string, s: Stats, note = '') => {
        const sorted = [...s.latencies].sort((a, b) => a - b);
        const others = [...s.errors]
          .filter(([code]) => !code.startsWith('409 '))
          .map(([code, n]) => `${code} x${n}`)
          .join(', ');
        const perRequest = Object.entries(s.calls)
          .map(([op, n]) => `${op} ${(n / s.requests).toFixed(2)}`)
          .join(', ');
        console.log(
          `${label.padEnd(20)} ${(s.requests / seconds).toFixed(1).padStart(7)} ${String(s.requests).padStart(8)}  ` +
            `${ms(percentile(sorted, 50))}  ${ms(percentile(sorted, 95))}  ${ms(percentile(sorted, 99))}  ` +
            `${String(s.count((st) => st < 300)).padStart(6)} ${String(s.count((st) => st === 409)).padStart(5)}  ` +
            `${(others || '-').padEnd(28)}  ${(s.dynamoCalls / Math.max(1, s.requests)).toFixed(2)} (${perRequest})${note}`,
        );
      };
      for (const [op, s] of stats) {
        line(op, s, op === 'patch' || op === 'move' ? `; ${s.retries} of them retries after a re-read` : '');
      }
      line('all', all);
      const conflicts = [...all.errors].filter(([code]) => code.startsWith('409 '));
      console.log(
        `409s by code: ${conflicts.map(([code, n]) => `${code.slice(4)} x${n}`).join(', ') || 'none'} ` +
          `(VERSION_CONFLICT: the task changed since the client saw it; CONFLICT: e.g. a neighbour that moved, ` +
          `or a create whose transaction kept losing to concurrent ones).`,
      );
      const notFound = stats.get('comment')?.statuses.get(404) ?? 0;
      if (notFound > 0 && notFound === stats.get('comment')?.requests) {
        console.log('Note: every comment answered 404: POST /api/tasks/{taskId}/comments is not served yet.');
      }

      // --- the same DynamoDB work, raw ----------------------------------------------------------------------
      const apiCallsPerRequest = all.dynamoCalls / all.requests;
      const rawCalls = [...raw.byCall.values()].reduce((sum, list) => sum + list.length, 0);
      const rawRate = rawCalls / raw.seconds;
      const detail = [...raw.byCall]
        .map(([name, list]) => {
          const sorted = list.sort((a, b) => a - b);
          return `${name} ${list.length} p50 ${percentile(sorted, 50).toFixed(1)} ms`;
        })
        .join(', ');
      console.log(
        `\nRaw DynamoDB Local, the same mix of calls (by operation and size) at concurrency ${concurrency} for ` +
          `${raw.seconds.toFixed(1)} s, in rounds between the API's: ${rawRate.toFixed(0)} calls/s (${rawCalls} ` +
          `calls, ${raw.errors} errors; ${detail})`,
      );
      const writes =
        (all.calls.UpdateItem ?? 0) + (all.calls.TransactWriteItems ?? 0) + (all.calls.PutItem ?? 0);
      console.log(
        `Writes (UpdateItem, TransactWriteItems) are ${((writes / all.dynamoCalls) * 100).toFixed(0)}% of the ` +
          `API's DynamoDB calls (the rate limit's counter ${((((all.calls.UpdateItem ?? 0) - numbersTaken(stats.get('create'))) / all.dynamoCalls) * 100).toFixed(0)}%); ` +
          `DynamoDB Local's writes barely scale with concurrency, so they set the pace on both sides.`,
      );
      const apiRate = all.requests / seconds;
      const equivalent = rawRate / apiCallsPerRequest;
      console.log(
        `The API made ${apiCallsPerRequest.toFixed(2)} DynamoDB calls per request (${(all.dynamoCalls / seconds).toFixed(0)} ` +
          `calls/s): the raw rate is ${equivalent.toFixed(1)} API requests/s; the API reached ${apiRate.toFixed(1)} ` +
          `requests/s = ${((apiRate / equivalent) * 100).toFixed(1)}% of it.`,
      );
    },
  );
}

/** The creates that took a task number: those created (a refusal before the number takes none). */
const numbersTaken = (creates: Stats | undefined) => creates?.count((status) => status === 201) ?? 0;

const ms = (value: number) => `${value.toFixed(1).padStart(6)} ms`;

interface Client {
  api: ApiCall;
  user: LocalUser;
  users: LocalUser[];
  view: View;
  projects: Project[];
}

type Recorder = (op: Op, response: ApiResponse<unknown>, retry?: boolean) => void;

/** `concurrency` clients run the mix back to back for `durationMs`, adding every request to `stats`. */
function newStats(): Map<Op, Stats> {
  const stats = new Map<Op, Stats>(MIX.map(([op]) => [op, new Stats()]));
  stats.set('re-read after 409', new Stats());
  return stats;
}

async function runMix(
  concurrency: number,
  durationMs: number,
  clientOf: (w: number) => Client,
  stats: Map<Op, Stats>,
) {
  const record: Recorder = (op, response, retry) => {
    stats.get(op)!.add(response);
    if (retry) stats.get(op)!.retries += 1;
  };
  const total = MIX.reduce((sum, [, w]) => sum + w, 0);
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      const client = clientOf(w);
      while (performance.now() < deadline) {
        let roll = Math.random() * total;
        const op = MIX.find(([, weight]) => (roll -= weight) < 0)?.[0] ?? 'board load';
        await OPERATIONS[op](client, record);
      }
    }),
  );
  return { stats, seconds: (performance.now() - started) / 1000 };
}

/** Loads a board page and takes in what it shows. */
async function boardLoad(client: Client, project: Project, query: string, record?: Recorder) {
  const res = await client.api<{ items: Task[] }>('GET', `/projects/${project.id}/tasks${query}`, {
    token: client.user.idToken,
  });
  record?.('board load', res);
  if (res.status !== 200) return;
  let previous: Task | undefined;
  for (const task of res.body.items) {
    client.view.tasks.set(task.id, task);
    // On a page that starts at the top of the board or of a column, a column's first task is its top.
    if (!previous || previous.status !== task.status)
      client.view.tops.set(`${project.id}|${task.status}`, task.id);
    previous = task;
  }
}

/** Sends a change made from what the client last saw; on 409 VERSION_CONFLICT, re-reads and tries once more. */
async function change(
  client: Client,
  record: Recorder,
  op: 'patch' | 'move',
  task: Task,
  send: (seen: Task) => Promise<ApiResponse<Task>>,
) {
  let seen = task;
  for (let attempt = 0; attempt < 2; attempt++) {
    const res = await send(seen);
    record(op, res, attempt > 0);
    if (res.status === 200) {
      client.view.tasks.set(res.body.id, res.body);
      return;
    }
    if (res.status === 404) client.view.tasks.delete(task.id);
    const conflict =
      (res.body as unknown as { error?: { code?: string } }).error?.code === 'VERSION_CONFLICT';
    if (!conflict || attempt > 0) return;
    const reread = await client.api<Task>('GET', `/tasks/${task.id}`, { token: client.user.idToken });
    record('re-read after 409', reread);
    if (reread.status !== 200) return;
    client.view.tasks.set(task.id, reread.body);
    seen = reread.body;
  }
}

const OPERATIONS: { [op in MixOp]: (client: Client, record: Recorder) => Promise<void> } = {
  'board load': async (client, record) => {
    // Half the loads are the board's first page, half one column (as a board scrolled per column loads).
    const status = Math.random() < 0.5 ? undefined : pick(TASK_STATUSES.slice(0, 5));
    await boardLoad(client, pick(client.projects), status ? `?status=${status}` : '', record);
  },
  create: async (client, record) => {
    const project = pick(client.projects);
    const res = await client.api<Task>('POST', `/projects/${project.id}/tasks`, {
      token: client.user.idToken,
      body: {
        title: `Bench task ${ulid()}`,
        status: pick(['todo', 'todo', 'in_progress'] as const),
        priority: pick(TASK_PRIORITIES),
        assigneeIds: Math.random() < 0.5 ? [client.user.userId] : [],
      },
    });
    record('create', res);
    if (res.status === 201) client.view.tasks.set(res.body.id, res.body);
  },
  patch: async (client, record) => {
    const task = randomTask(client.view);
    if (!task) return;
    const edits = [
      () => ({ title: `Edited ${ulid()}` }),
      () => ({ priority: pick(TASK_PRIORITIES.filter((p) => p !== task.priority)) }),
      () => ({ storyPoints: 1 + Math.floor(Math.random() * 8) }),
    ];
    const edit = pick(edits)();
    await change(client, record, 'patch', task, (seen) =>
      client.api<Task>('PATCH', `/tasks/${task.id}`, {
        token: client.user.idToken,
        body: { ...edit, version: seen.version },
      }),
    );
  },
  move: async (client, record) => {
    const task = randomTask(client.view);
    if (!task) return;
    const status = pick(TASK_STATUSES.slice(0, 5).filter((s) => s !== task.status));
    // Half to the top of the column (above the top task the client last saw there), half to its bottom.
    const top = Math.random() < 0.5 ? client.view.tops.get(`${task.projectId}|${status}`) : undefined;
    const afterId = top && top !== task.id ? top : undefined;
    await change(client, record, 'move', task, async (seen) => {
      const res = await client.api<Task>('POST', `/tasks/${task.id}/move`, {
        token: client.user.idToken,
        body: { version: seen.version, status, ...(afterId ? { afterId } : {}) },
      });
      if (res.status === 200 && afterId) client.view.tops.set(`${task.projectId}|${status}`, task.id);
      if (res.status === 400 || (res.status === 409 && afterId))
        client.view.tops.delete(`${task.projectId}|${status}`);
      return res;
    });
  },
  comment: async (client, record) => {
    const task = randomTask(client.view);
    if (!task) return;
    // One comment in four @mentions a teammate (by display name); the others have no @ at all.
    const someone = pick(client.users.filter((u) => u.userId !== client.user.userId));
    const body =
      Math.random() < 0.25
        ? `@${someone.name} could you take a look at this one?`
        : 'Looks good to me; merging after the review.';
    const res = await client.api('POST', `/tasks/${task.id}/comments`, {
      token: client.user.idToken,
      body: { body },
    });
    record('comment', res);
  },
};

// --- raw DynamoDB -------------------------------------------------------------------------------------------

/** The raw rounds together: every call's latency by DynamoDB operation, errors, and the time they ran. */
interface RawTotals {
  byCall: Map<string, number[]>;
  errors: number;
  seconds: number;
}

/**
 * Replays the API run's DynamoDB calls raw: one kind per (operation, DynamoDB call) the API made, drawn in
 * proportion to how often the API made it, each shaped like what that operation sends (keys read, page size,
 * transaction parts and item sizes), on the seeded items, at the same concurrency for `durationMs`.
 */
async function runRaw(
  concurrency: number,
  durationMs: number,
  stats: Map<Op, Stats>,
  world: {
    table: ReturnType<typeof localTable>;
    workspaceId: string;
    users: LocalUser[];
    projects: Project[];
  },
  totals: RawTotals,
): Promise<void> {
  const { ddb, tableName } = world.table;
  const kinds: Array<{ op: Op; call: string; weight: number }> = [];
  for (const [op, s] of stats) {
    for (const [call, weight] of Object.entries(s.calls)) kinds.push({ op, call, weight });
  }
  const total = kinds.reduce((sum, k) => sum + k.weight, 0);
  const { workspaceId, users, projects } = world;
  const rateCounter = new RateCounter(ddb, tableName);
  // The share of a comment's BatchGetItems that read profiles: those past the first of each comment.
  const comments = stats.get('comment');
  const commentBatches = comments?.calls.BatchGetItem ?? 0;
  const profileShare = commentBatches ? Math.max(0, commentBatches - comments!.requests) / commentBatches : 0;
  // The share of a create's UpdateItems that take its number (one per create that got one), the rest being
  // the rate limit's takes.
  const creates = stats.get('create');
  const createUpdates = creates?.calls.UpdateItem ?? 0;
  const numberShare = createUpdates ? Math.min(1, numbersTaken(creates!) / createUpdates) : 0;

  const activity = (task: TaskRecord, project: Project, actorId: string) =>
    activityItem(
      newActivity(
        {
          actorId,
          action: 'updated',
          entityType: 'task',
          entityId: task.id,
          projectId: task.projectId,
          workspaceId,
          taskId: task.id,
          changes: { title: { from: task.title, to: `${task.title}!` } },
          data: taskView(task, project.key),
        },
        new Date(),
      ),
    );
  const someTask = () => {
    const project = pick(projects);
    return { project, task: pick(project.records) };
  };

  const call = async (op: Op, kind: string, w: number): Promise<void> => {
    const user = users[w % users.length]!;
    switch (kind) {
      case 'UpdateItem': {
        if (op === 'create' && Math.random() < numberShare) {
          // A create's number, through the API's own call (the project's counter item).
          await new DynamoTaskRepository(ddb, tableName).takeNumber(workspaceId, pick(projects).id, 0);
          return;
        }
        // A take of the per-user rate limit's shared counter, through the API's own call (limit high enough
        // never to refuse; the most the API takes at once).
        const nowSeconds = Math.floor(Date.now() / 1000);
        await rateCounter.take(
          `user:raw:${user.userId}`,
          1e9,
          mostTakenAtOnce(1e9),
          nowSeconds - (nowSeconds % 60),
          60,
        );
        return;
      }
      case 'GetItem': {
        // The project item (a change reads its project).
        const { project } = someTask();
        await ddb.send(
          new GetCommand({
            TableName: tableName,
            Key: keys.project(workspaceId, project.id),
            ConsistentRead: true,
          }),
        );
        return;
      }
      case 'BatchGetItem': {
        // The membership with the project (board load, create) or with the task (the others); a comment with
        // an @ reads the members' profiles too (to resolve its mentions).
        const { project, task } = someTask();
        const keyList =
          op === 'comment' && Math.random() < profileShare
            ? users.map((u) => keys.user(u.userId))
            : [
                keys.member(workspaceId, user.userId),
                op === 'board load' || op === 'create'
                  ? keys.project(workspaceId, project.id)
                  : keys.task(task.id),
              ];
        await ddb.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keyList, ConsistentRead: true } } }),
        );
        return;
      }
      case 'Query': {
        const { project, task } = someTask();
        if (op === 'comment') {
          // The workspace's members (a comment with an @ resolves its mentions against them).
          await ddb.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
              ExpressionAttributeValues: {
                ':pk': keys.workspace(workspaceId).PK,
                ':prefix': keys.memberPrefix,
              },
            }),
          );
        } else if (op === 'board load') {
          // A page of 50 (+1 to know whether more follow).
          await ddb.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: 'GSI1',
              KeyConditionExpression: 'GSI1PK = :pk',
              ExpressionAttributeValues: { ':pk': keys.boardOf(project.id) },
              Limit: 51,
            }),
          );
        } else {
          // The last task of a column (where a created or moved task goes).
          await ddb.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: 'GSI1',
              KeyConditionExpression: 'GSI1PK = :pk AND begins_with(GSI1SK, :column)',
              ExpressionAttributeValues: {
                ':pk': keys.boardOf(project.id),
                ':column': `${statusIndex(task.status)}#`,
              },
              ScanIndexForward: false,
              Limit: 2,
            }),
          );
        }
        return;
      }
      case 'TransactWriteItems': {
        const { project, task } = someTask();
        const parts: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [];
        if (op === 'create') {
          // The project's task count (its item, as every create's), the new task item, its activity.
          const id = newChildId(workspaceId);
          const created: TaskRecord = { ...task, id, title: `Raw ${id}`, version: 1 };
          parts.push(
            {
              Update: {
                TableName: tableName,
                Key: keys.project(workspaceId, project.id),
                UpdateExpression: 'ADD taskCount :one',
                ConditionExpression: PROJECT_WRITABLE,
                ExpressionAttributeValues: { ':one': 1, ':false': false },
              },
            },
            {
              Put: {
                TableName: tableName,
                Item: taskItem(created),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            { Put: { TableName: tableName, Item: activity(created, project, user.userId) } },
          );
        } else if (op === 'comment') {
          // The comment, the task's counter, the activity.
          parts.push(
            {
              Put: {
                TableName: tableName,
                Item: {
                  PK: `TASK#${task.id}`,
                  SK: `COMMENT#${ulid()}`,
                  type: 'BenchComment',
                  id: `${task.id}.${ulid()}`,
                  taskId: task.id,
                  authorId: user.userId,
                  body: 'Looks good to me, @Bench; merging after the review.',
                  createdAt: new Date().toISOString(),
                  updatedAt: new Date().toISOString(),
                  version: 1,
                },
              },
            },
            {
              Update: {
                TableName: tableName,
                Key: keys.task(task.id),
                UpdateExpression: 'ADD commentCount :one',
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(deletedAt)',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
            { Put: { TableName: tableName, Item: activity(task, project, user.userId) } },
          );
        } else {
          // A change of the task and its activity.
          parts.push(
            {
              Update: {
                TableName: tableName,
                Key: keys.task(task.id),
                UpdateExpression: 'SET #title = :title, #updatedAt = :at ADD #version :one',
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(#deletedAt)',
                ExpressionAttributeNames: {
                  '#title': 'title',
                  '#updatedAt': 'updatedAt',
                  '#version': 'version',
                  '#deletedAt': 'deletedAt',
                },
                ExpressionAttributeValues: {
                  ':title': `Raw ${ulid()}`,
                  ':at': new Date().toISOString(),
                  ':one': 1,
                },
              },
            },
            { Put: { TableName: tableName, Item: activity(task, project, user.userId) } },
          );
        }
        await ddb.send(new TransactWriteCommand({ TransactItems: parts }));
        return;
      }
      default:
        throw new Error(`no raw form of ${kind}`);
    }
  };

  const unknown = kinds.filter(
    (k) => !['UpdateItem', 'GetItem', 'BatchGetItem', 'Query', 'TransactWriteItems'].includes(k.call),
  );
  if (unknown.length) throw new Error(`no raw form of ${unknown.map((k) => k.call).join(', ')}`);

  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < deadline) {
        let roll = Math.random() * total;
        const kind = kinds.find((k) => (roll -= k.weight) < 0) ?? kinds[0]!;
        const t0 = performance.now();
        await call(kind.op, kind.call, w).catch(() => (totals.errors += 1));
        const list = totals.byCall.get(kind.call) ?? [];
        list.push(performance.now() - t0);
        totals.byCall.set(kind.call, list);
      }
    }),
  );
  totals.seconds += (performance.now() - started) / 1000;
}
