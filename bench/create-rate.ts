/**
 * Task creation into ONE project at concurrency 10 (closed loop), through the API, against raw DynamoDB Local
 * sending the calls one creation sends, in the same order, at the same concurrency: the per-user rate limit
 * (an UpdateItem taking a share of the window's requests when the process has spent its last), the BatchGetItem of membership and project, the number (UpdateItem ADD on the project item) and
 * the column's last task (Query) in parallel, then the TransactWriteItems of project count, task and activity.
 * Target (issue 15): the API's creates/s at least 0.8 × the raw rate. Rounds alternate API and raw, so drift on
 * this shared machine hits both alike; every API response reports its DynamoDB calls (x-dynamodb-calls), printed
 * next to the raw form's to show they are the same calls.
 *
 * Settings: `npm run bench -- create-rate --concurrency 10 --duration 30` (seconds in all, per side), or
 * BENCH_CREATE_CONCURRENCY / BENCH_CREATE_DURATION_MS.
 */
import { BatchGetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import type { Task } from '../shared/schemas/tasks.ts';
import { newActivity } from '../functions/domain/activity.ts';
import { creationRank, statusIndex, taskView, type TaskRecord } from '../functions/domain/tasks.ts';
import { newChildId } from '../functions/lib/ids.ts';
import { activityItem } from '../functions/store/activity.ts';
import { keys } from '../functions/store/keys.ts';
import { RateLimits } from '../functions/lib/rate-limit.ts';
import { RateCounter } from '../functions/store/rate-limiter.ts';
import {
  DynamoTaskRepository,
  PROJECT_WRITABLE,
  taskItem,
  toTask,
} from '../functions/store/task-repository.ts';
import { signUpLocalUser } from '../test/users.ts';
import {
  apiClient,
  dynamoCallsOf,
  expectStatus,
  formatResult,
  localTable,
  mergeResults,
  runLoad,
  withBenchStack,
  type LoadResult,
} from './load.ts';

const ROUNDS = 3;
const WARM_UP_MS = 3000;
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

export async function createRate(root: string): Promise<void> {
  const concurrency = argument('concurrency') ?? Number(process.env.BENCH_CREATE_CONCURRENCY ?? 10);
  const durationArg = argument('duration');
  const durationMs =
    durationArg !== undefined ? durationArg * 1000 : Number(process.env.BENCH_CREATE_DURATION_MS ?? 30_000);
  await withBenchStack(
    root,
    { TEAMFLOW_EXPOSE_DB_CALLS: '1', RATE_LIMIT_USER_PER_MINUTE: '1000000000' },
    async (stack) => {
      const o = stack.outputs;
      const api = apiClient(o, concurrency);
      const owner = await signUpLocalUser(o, 'Bench owner');
      const ws = expectStatus(
        await api<{ id: string }>('POST', '/workspaces', {
          token: owner.idToken,
          body: { name: 'Create bench' },
        }),
        201,
        'create workspace',
      ).id;
      const project = async (key: string) =>
        expectStatus(
          await api<{ id: string }>('POST', `/workspaces/${ws}/projects`, {
            token: owner.idToken,
            body: { name: `Create ${key}`, key },
          }),
          201,
          'create project',
        ).id;
      const apiProject = await project('API');
      const rawProject = await project('RAW');

      // --- through the API ---------------------------------------------------------------------------------
      const calls: Record<string, number> = {};
      let created = 0;
      const numbers: number[] = [];
      /** Failed creations by status and code (or the client's error). */
      const failures = new Map<string, number>();
      const failed = (what: string) => failures.set(what, (failures.get(what) ?? 0) + 1);
      const createViaApi = async () => {
        const res = await api<Task>('POST', `/projects/${apiProject}/tasks`, {
          token: owner.idToken,
          body: { title: `Bench task ${ulid()}` },
        }).catch((error: Error) => {
          failed(`client ${error.message}`);
          throw error;
        });
        if (res.status !== 201) {
          failed(`${res.status} ${(res.body as { error?: { code?: string } }).error?.code ?? '?'}`);
          return false;
        }
        created += 1;
        numbers.push(res.body.number);
        for (const [op, n] of Object.entries(dynamoCallsOf(res))) calls[op] = (calls[op] ?? 0) + n;
        return true;
      };

      // --- the same calls, raw -----------------------------------------------------------------------------
      const { ddb, tableName } = localTable(o, concurrency);
      const rateCounter = new RateCounter(ddb, tableName);
      let rawTakes = 0; // the raw side's rate-limit takes (one UpdateItem each at this limit)
      const limits = new RateLimits((...args) => {
        rawTakes += 1;
        return rateCounter.take(...args);
      });
      const counter = new DynamoTaskRepository(ddb, tableName);
      const projectKey = keys.project(ws, rawProject);
      const createRaw = async () => {
        // The per-user rate limit, through the API's own code (limit high enough never to refuse): a write to
        // the shared counter only when this process's share of the window is spent, as in the API.
        await limits.consume(`user:raw:${owner.userId}`, 1e9);
        await ddb.send(
          new BatchGetCommand({
            RequestItems: {
              [tableName]: { Keys: [keys.member(ws, owner.userId), projectKey], ConsistentRead: true },
            },
          }),
        );
        const [number, column] = await Promise.all([
          // The number, through the API's own call (its counter item).
          counter.takeNumber(ws, rawProject, 0),
          ddb.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: 'GSI1',
              KeyConditionExpression: 'GSI1PK = :pk AND begins_with(GSI1SK, :column)',
              ExpressionAttributeValues: {
                ':pk': keys.boardOf(rawProject),
                ':column': `${statusIndex('todo')}#`,
              },
              ScanIndexForward: false,
              Limit: 1,
            }),
          ),
        ]);
        const last = column.Items?.[0];
        const at = new Date().toISOString();
        const task: TaskRecord = {
          id: newChildId(ws),
          number,
          projectId: rawProject,
          workspaceId: ws,
          title: `Bench task ${ulid()}`,
          description: null,
          status: 'todo',
          priority: 'medium',
          storyPoints: null,
          dueDate: null,
          assigneeIds: [],
          labelIds: [],
          sprintId: null,
          goalId: null,
          parentId: null,
          rank: creationRank(last ? toTask(last) : undefined, number),
          subtaskCount: 0,
          subtasksDone: 0,
          commentCount: 0,
          attachmentCount: 0,
          createdBy: owner.userId,
          createdAt: at,
          updatedAt: at,
          completedAt: null,
          deletedAt: null,
          version: 1,
        };
        const activity = newActivity(
          {
            actorId: owner.userId,
            action: 'created',
            entityType: 'task',
            entityId: task.id,
            projectId: rawProject,
            workspaceId: ws,
            taskId: task.id,
            changes: {},
            data: taskView(task, 'RAW'),
          },
          new Date(),
        );
        await ddb.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName,
                  Key: projectKey,
                  UpdateExpression: 'ADD taskCount :one',
                  ConditionExpression: PROJECT_WRITABLE,
                  ExpressionAttributeValues: { ':one': 1, ':false': false },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: taskItem(task),
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
              { Put: { TableName: tableName, Item: activityItem(activity) } },
            ],
          }),
        );
        return true;
      };

      const load = { concurrency, durationMs: durationMs / ROUNDS };
      await runLoad('warm-up API', { concurrency, durationMs: WARM_UP_MS }, createViaApi);
      await runLoad('warm-up raw', { concurrency, durationMs: WARM_UP_MS }, createRaw);
      const warmUpCreated = created;
      Object.keys(calls).forEach((op) => delete calls[op]);
      rawTakes = 0;
      const apiRounds: LoadResult[] = [];
      const rawRounds: LoadResult[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        apiRounds.push(await runLoad('api', load, createViaApi));
        rawRounds.push(await runLoad('raw', load, createRaw));
      }
      const apiResult = mergeResults(`POST /api/projects/{id}/tasks (one project)`, apiRounds);
      const rawResult = mergeResults(`raw DynamoDB Local, the same calls`, rawRounds);
      const measured = created - warmUpCreated;
      const unique = new Set(numbers).size === numbers.length;
      const sorted = [...numbers].sort((a, b) => a - b);
      const gapFree = sorted.every((n, i) => n === i + 1);

      console.log('\n## Task creation into one project');
      console.log(
        `Concurrency ${concurrency}, closed loop, ${ROUNDS} rounds of ${(load.durationMs / 1000).toFixed(1)} s ` +
          `per side, API and raw in turn (after ${WARM_UP_MS / 1000} s of warm-up each).`,
      );
      console.log(formatResult(apiResult));
      console.log(formatResult(rawResult));
      const perCreate = Object.entries(calls)
        .map(([op, n]) => `${op} ${(n / Math.max(1, measured)).toFixed(2)}`)
        .join(', ');
      console.log(
        `DynamoDB calls per API create: ${perCreate}; raw: UpdateItem ` +
          `${(1 + rawTakes / Math.max(1, rawResult.requests)).toFixed(2)}, BatchGetItem 1, Query 1, TransactWriteItems 1.`,
      );
      const ratio = apiResult.rate / rawResult.rate;
      console.log(
        `API / raw: ${ratio.toFixed(2)} (target >= 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'}). ` +
          `${numbers.length} API creations: numbers ${unique ? 'unique' : 'NOT UNIQUE'}, ` +
          `${gapFree ? `exactly 1..${numbers.length}` : 'with gaps'} (failures: ${
            [...failures].map(([what, n]) => `${what} x${n}`).join(', ') || 'none'
          }).`,
      );
    },
  );
}
