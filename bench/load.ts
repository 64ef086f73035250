import fs from 'node:fs';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TASK_PRIORITIES, type TaskStatus } from '../shared/schemas/tasks.ts';
import { newActivity } from '../functions/domain/activity.ts';
import {
  assignmentsOf,
  completedAtAfter,
  placeRank,
  taskView,
  type TaskRecord,
} from '../functions/domain/tasks.ts';
import { activityItem } from '../functions/store/activity.ts';
import { newChildId } from '../functions/lib/ids.ts';
import { ItemType, keys } from '../functions/store/keys.ts';
import { taskItem } from '../functions/store/task-repository.ts';
import { LOCAL_CREDENTIALS } from '../infra/local/settings.ts';
import { spawnLocalStack, type SpawnedStack } from '../infra/local/spawn.ts';
import type { LocalOutputs } from '../infra/local/stack.ts';
import { signUpLocalUser, type LocalUser } from '../test/users.ts';

/**
 * Runs `bench` against a local stack of its own (fresh data folder, no web app, no per-request log line), then
 * stops the stack and deletes its data whatever happened.
 */
export async function withBenchStack<T>(
  root: string,
  env: Record<string, string>,
  bench: (stack: SpawnedStack) => Promise<T>,
): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'teamflow-bench-'));
  const stack = await spawnLocalStack({
    root,
    dataDir,
    web: false,
    env: { TEAMFLOW_ACCESS_LOG: '0', ...env },
  });
  try {
    return await bench(stack);
  } finally {
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A closed-loop load generator: `concurrency` workers call `fn` back to back for `durationMs`. */
export interface LoadResult {
  label: string;
  requests: number;
  errors: number;
  seconds: number;
  rate: number;
  p50: number;
  p95: number;
  p99: number;
  /** Every request's latency in ms, sorted (to merge rounds). */
  latencies: number[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export async function runLoad(
  label: string,
  options: { concurrency: number; durationMs: number },
  fn: () => Promise<boolean>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const ok = await fn().catch(() => false);
        latencies.push(performance.now() - t0);
        if (!ok) errors += 1;
      }
    }),
  );
  return summarize(label, latencies, errors, (performance.now() - started) / 1000);
}

export function summarize(label: string, latencies: number[], errors: number, seconds: number): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    label,
    requests: latencies.length,
    errors,
    seconds,
    rate: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    latencies,
  };
}

/** One result from several rounds of the same load (interleaved rounds even out drift between phases). */
export function mergeResults(label: string, rounds: LoadResult[]): LoadResult {
  return summarize(
    label,
    rounds.flatMap((r) => r.latencies),
    rounds.reduce((sum, r) => sum + r.errors, 0),
    rounds.reduce((sum, r) => sum + r.seconds, 0),
  );
}

export function formatResult(r: LoadResult): string {
  return (
    `${r.label.padEnd(44)} ${r.rate.toFixed(0).padStart(6)} req/s  ` +
    `p50 ${r.p50.toFixed(2).padStart(6)} ms  p95 ${r.p95.toFixed(2).padStart(6)} ms  ` +
    `p99 ${r.p99.toFixed(2).padStart(6)} ms  (${r.requests} requests, ${r.errors} errors)`
  );
}

// ---------------------------------------------------------------------------------------------------------
// Shared by the benches that run against their own local stack: a keep-alive HTTP client, members invited
// through the API, and tasks seeded straight into the store.
// ---------------------------------------------------------------------------------------------------------

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: IncomingHttpHeaders;
  /** Round trip in ms, measured around the request only. */
  ms: number;
}

export type ApiCall = <T = Record<string, unknown>>(
  method: string,
  path: string,
  options?: { token?: string; body?: unknown; fromIp?: string },
) => Promise<ApiResponse<T>>;

/**
 * A client of the local stack's API (`/api` + path) over node:http with a keep-alive pool of `maxSockets`
 * sockets, as bench/gateway-overhead.ts uses: the client's own cost stays small and alike across runs.
 */
export function apiClient(o: LocalOutputs, maxSockets: number): ApiCall {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const base = `${o.local.gatewayUrl}/api`;
  return <T>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; fromIp?: string } = {},
  ) =>
    new Promise<ApiResponse<T>>((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const t0 = performance.now();
      const req = request(
        `${base}${path}`,
        // Another loopback address is another client machine (for per-IP limits); it needs its own socket.
        { method, headers, ...(options.fromIp ? { localAddress: options.fromIp } : { agent }) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const ms = performance.now() - t0;
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              body: (text ? JSON.parse(text) : {}) as T,
              headers: res.headers,
              ms,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
}

/** The DynamoDB operations a response reports (`x-dynamodb-calls`, on a stack run with TEAMFLOW_EXPOSE_DB_CALLS=1). */
export function dynamoCallsOf(response: ApiResponse<unknown>): Record<string, number> {
  const header = response.headers['x-dynamodb-calls'];
  return typeof header === 'string' ? (JSON.parse(header) as Record<string, number>) : {};
}

/** Throws unless the response has the status expected (set-up steps of a bench must not fail silently). */
export function expectStatus<T>(response: ApiResponse<T>, status: number, what: string): T {
  if (response.status !== status) {
    throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/** Signs up `count` people and makes each a member of the workspace with `role`, through the API (invitation mail). */
export async function inviteMembers(
  o: LocalOutputs,
  api: ApiCall,
  owner: LocalUser,
  workspaceId: string,
  count: number,
  role = 'member',
): Promise<LocalUser[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const person = await signUpLocalUser(o, `Bench ${role} ${i + 1}`);
      expectStatus(
        await api('POST', `/workspaces/${workspaceId}/invitations`, {
          token: owner.idToken,
          body: { email: person.email, role },
        }),
        201,
        'invite',
      );
      const token = await invitationToken(o, person.email);
      // Each accepts from a loopback address of their own: the accept limit is per client IP.
      const fromIp = `127.${1 + (i % 250)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 250)}`;
      expectStatus(
        await api('POST', `/invitations/${token}/accept`, { token: person.idToken, fromIp }),
        200,
        'accept',
      );
      return person;
    }),
  );
}

async function invitationToken(o: LocalOutputs, to: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const { emails } = (await (await fetch(`${o.mailUrl}/store`)).json()) as {
      emails: Array<{ destination: { to: string[] }; body: { text?: string } }>;
    };
    const mail = emails.filter((m) => m.destination.to.includes(to)).at(-1);
    const token = /\/invitations\/([A-Za-z0-9_-]{43})/.exec(mail?.body.text ?? '')?.[1];
    if (token) return token;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no invitation mail to ${to}`);
}

/** A DocumentClient on the stack's DynamoDB Local, marshalling as the functions do, with its own socket pool. */
export function localTable(
  o: LocalOutputs,
  maxSockets: number,
): { ddb: DynamoDBDocumentClient; tableName: string } {
  const client = new DynamoDBClient({
    region: o.region,
    endpoint: o.local.endpoints.dynamodb,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets }) }),
  });
  const ddb = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { ddb, tableName: o.local.resources.tableName };
}

export interface SeedSpec {
  workspaceId: string;
  projectId: string;
  createdBy: string;
  count: number;
  /** The column of task i (0-based; its number is i + 1). */
  statusOf: (i: number) => TaskStatus;
  assigneesOf?: (i: number) => string[];
  /**
   * Also write each create's activity item ('created', data = the task as the API shows it, with this project
   * key), as the product's create does. Left out where nothing the bench reads shows them (it halves seeding).
   */
  activityWithKey?: string;
}

/**
 * Seeds `count` tasks into a project that has none yet, straight into the store: BatchWriteItem of the items
 * the product's create writes for a task (`taskItem(record)`, and an assignment item per assignee as the
 * create's transaction puts them), records built as TaskService.create builds them (numbers 1..n, each task
 * appended to the bottom of its column with `placeRank`), then the project item's `taskSeq`/`taskCount` set
 * to match, and (with `activityWithKey`) each create's activity item. Returns the records in creation order.
 */
export async function seedTasks(o: LocalOutputs, spec: SeedSpec): Promise<TaskRecord[]> {
  const { ddb, tableName } = localTable(o, 8);
  const lastRank = new Map<TaskStatus, string>();
  const start = Date.now() - spec.count * 1000;
  const records: TaskRecord[] = [];
  for (let i = 0; i < spec.count; i++) {
    const id = newChildId(spec.workspaceId);
    const status = spec.statusOf(i);
    const rank = placeRank(lastRank.get(status) ?? null, null, id);
    lastRank.set(status, rank);
    const at = new Date(start + i * 1000).toISOString();
    records.push({
      id,
      number: i + 1,
      projectId: spec.projectId,
      workspaceId: spec.workspaceId,
      title: `Seeded task ${i + 1}`,
      description: null,
      status,
      priority: TASK_PRIORITIES[i % TASK_PRIORITIES.length]!,
      storyPoints: i % 3 === 0 ? 1 + (i % 8) : null,
      dueDate: null,
      assigneeIds: spec.assigneesOf?.(i) ?? [],
      labelIds: [],
      sprintId: null,
      goalId: null,
      parentId: null,
      rank,
      subtaskCount: 0,
      subtasksDone: 0,
      commentCount: 0,
      attachmentCount: 0,
      createdBy: spec.createdBy,
      createdAt: at,
      updatedAt: at,
      completedAt: completedAtAfter(undefined, status, at),
      deletedAt: null,
      version: 1,
    });
  }
  const items = records.flatMap((task) => [
    taskItem(task),
    // As the create's transaction writes them (task-repository's assignmentItem).
    ...assignmentsOf(task).map((a) => ({
      ...keys.assignment(a.taskId, a.userId),
      ...keys.assignedTo(a.userId, a.dueDate, a.taskId),
      type: ItemType.Assignment,
      ...a,
    })),
    ...(spec.activityWithKey === undefined
      ? []
      : [
          activityItem(
            newActivity(
              {
                actorId: task.createdBy,
                action: 'created',
                entityType: 'task',
                entityId: task.id,
                projectId: task.projectId,
                workspaceId: task.workspaceId,
                taskId: task.id,
                changes: {},
                data: taskView(task, spec.activityWithKey),
              },
              new Date(task.createdAt),
            ),
          ),
        ]),
  ]);
  const batches: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batches.length) {
        let pending = batches[next++]!.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
          const { UnprocessedItems } = await ddb.send(
            new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
          );
          pending = (UnprocessedItems?.[tableName] ?? []) as typeof pending;
        }
      }
    }),
  );
  await ddb.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.project(spec.workspaceId, spec.projectId),
      UpdateExpression: 'SET taskSeq = :n, taskCount = :n',
      // A project with no task yet (a new project item holds 0, or no counter at all).
      ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(taskSeq) OR taskSeq = :zero)',
      ExpressionAttributeValues: { ':n': spec.count, ':zero': 0 },
    }),
  );
  return records;
}
