import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS } from '../infra/local/settings.ts';
import { keys } from '#functions/store/keys';
import type { Sprint } from '#shared/schemas/sprints';
import type { Activity, Task } from '#shared/schemas/tasks';
import { api, expectErrorShape, outputs, type ApiResult, type TestUser } from './support.ts';

/**
 * Fixtures the integration tests share: the contract's list and error shapes, objects made through the API
 * (each helper fails the test with the answer when the API refuses) and direct reads and writes of the table.
 * test/support.ts keeps the API client, users, mail and members.
 */

/** A list answer of the contract: `{ items, nextCursor }`. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One entry of a 400's `details`: the field (dotted path) and what is wrong with it. */
export interface FieldError {
  field: string;
  message: string;
}

/** The contract's error body; a 409 VERSION_CONFLICT also carries `current`, the stored object. */
export interface ErrorBody<Current = unknown> {
  error: { code: string; message: string; details?: FieldError[]; requestId: string };
  current?: Current;
}

/** Any answer, whatever its body type. */
export type Answer = Pick<ApiResult<unknown>, 'status' | 'body'>;

/** What a create answers at least: every object of the API has an id and a version. */
export interface Versioned {
  id: string;
  version: number;
}

/** A ULID, as a regular-expression source to build id patterns from. */
export const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
/** A well-formed ULID that names nothing. */
export const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

/** An answer's body as the contract's error body (`Body`: an error body that carries more). */
export const errorOf = <Body extends ErrorBody = ErrorBody>(res: { body: unknown }) => res.body as Body;

/** The fields a 400 names, in the order of its `details` (none if it has no details). */
export const fieldsOf = (res: { body: unknown }) =>
  ((res.body as Partial<ErrorBody> | undefined)?.error?.details ?? []).map((d) => d.field);

/** Expects a 400 VALIDATION_ERROR that names exactly `fields`, in any order. */
export function expect400(res: Answer, ...fields: string[]) {
  expect(res.status).toBe(400);
  expectErrorShape(res.body, 'VALIDATION_ERROR');
  expect(fieldsOf(res).sort()).toEqual([...fields].sort());
}

/** `YYYY-MM-DD` `days` from today (UTC). */
export const dayFromToday = (days: number) =>
  new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

let keySeq = 0;
/** Project keys unique within a test file (`TAAAA`, `TAAAB`, ...), so tests never collide by accident. */
export function nextKey(): string {
  let n = keySeq++;
  let letters = '';
  do {
    letters = String.fromCharCode(65 + (n % 26)) + letters;
    n = Math.floor(n / 26);
  } while (n > 0);
  return `T${letters.padStart(4, 'A')}`;
}

/**
 * The next of the users `pool()` gives (it may be filled later, in a beforeAll) each call, in turn: spreads
 * requests over their rate-limit budgets (100 requests a minute each).
 */
export function takingTurns(pool: () => TestUser[]): () => TestUser {
  let turn = 0;
  return () => {
    const users = pool();
    return users[turn++ % users.length]!;
  };
}

/** POSTs `body` to `path` as `user` and returns what was created; anything but 201 fails. */
export async function created<T = Versioned>(user: TestUser, path: string, body: unknown): Promise<T> {
  const res = await api<T>(path, { method: 'POST', token: user.idToken, body });
  if (res.status !== 201) throw new Error(`POST ${path} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** GETs `path` as `user`; anything but 200 fails. */
export async function read<T = Versioned>(user: TestUser, path: string): Promise<T> {
  const res = await api<T>(path, { token: user.idToken });
  if (res.status !== 200) throw new Error(`GET ${path} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Every item of a list and the size of each page, following `nextCursor` to the end with `limit` a page and
 * `query` (`&name=value...`) on every page. Anything but 200 fails, and so does a page longer than `limit`.
 * `reader` reads every page, or gives the reader of each page (to spread the requests over a pool of users).
 */
export async function listAll<T>(
  reader: TestUser | (() => TestUser),
  path: string,
  { limit = 100, query = '' }: { limit?: number; query?: string } = {},
): Promise<{ items: T[]; pages: number[] }> {
  const items: T[] = [];
  const pages: number[] = [];
  let cursor: string | null = null;
  do {
    const url = `${path}?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const user = typeof reader === 'function' ? reader() : reader;
    const res: ApiResult<Page<T>> = await api<Page<T>>(url, { token: user.idToken });
    if (res.status !== 200) throw new Error(`GET ${url} failed: ${res.status} ${JSON.stringify(res.body)}`);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...res.body.items);
    pages.push(res.body.items.length);
    cursor = res.body.nextCursor;
  } while (cursor);
  return { items, pages };
}

/** A new workspace owned by `user`; its id. */
export const createWorkspace = async (user: TestUser, name: string) =>
  (await created(user, '/workspaces', { name })).id;

/** A new project named `Project <key>`; its id. */
export const createProject = async (user: TestUser, workspaceId: string, key = nextKey()) =>
  (await created(user, `/workspaces/${workspaceId}/projects`, { name: `Project ${key}`, key })).id;

/** A new label; its id. */
export const createLabel = async (user: TestUser, workspaceId: string, name: string) =>
  (await created(user, `/workspaces/${workspaceId}/labels`, { name, color: '#336699' })).id;

/** A new task of the project (`body` as the create route takes it). */
export const createTask = (
  user: TestUser,
  projectId: string,
  body: Record<string, unknown> = { title: 'Task' },
) => created<Task>(user, `/projects/${projectId}/tasks`, body);

/** A new planned sprint of the project, from three days ago to three days ahead unless `body` says so. */
export const createSprint = (user: TestUser, projectId: string, body: Record<string, unknown> = {}) =>
  created<Sprint>(user, `/projects/${projectId}/sprints`, {
    name: 'Sprint',
    startDate: dayFromToday(-3),
    endDate: dayFromToday(3),
    ...body,
  });

/** The task as `user` reads it. */
export const getTask = (user: TestUser, taskId: string) => read<Task>(user, `/tasks/${taskId}`);

/** PATCHes the task with the version it has and `body`; anything but 200 fails. */
export async function updateTask(user: TestUser, task: Task, body: Record<string, unknown>): Promise<Task> {
  const res = await api<Task>(`/tasks/${task.id}`, {
    method: 'PATCH',
    token: user.idToken,
    body: { version: task.version, ...body },
  });
  if (res.status !== 200) throw new Error(`task patch failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The task's history (subtask and comment changes included), newest first, up to 100 entries. */
export const activityOf = async (user: TestUser, taskId: string): Promise<Activity[]> =>
  (await read<Page<Activity>>(user, `/tasks/${taskId}/activity?limit=100`)).items;

/** A document client for the stack's DynamoDB Local. */
export const db = () =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: outputs().region,
      endpoint: outputs().local.endpoints.dynamodb,
      credentials: LOCAL_CREDENTIALS,
    }),
  );

/** The name of the stack's one table. */
export const table = () => outputs().local.resources.tableName;

/** An item of the table, as stored. */
export type Item = Record<string, unknown>;

/** An item as stored (read consistently), to see what no route shows. */
export async function storedItem(key: { PK: string; SK: string }): Promise<Item | undefined> {
  const { Item } = await db().send(new GetCommand({ TableName: table(), Key: key, ConsistentRead: true }));
  return Item;
}

/** Puts an item in the table directly, as it is. */
export const putItem = (item: Item) => db().send(new PutCommand({ TableName: table(), Item: item }));

/** The project item as stored, counters and the active sprint included. */
export async function storedProject(workspaceId: string, projectId: string) {
  const [project, counter] = await Promise.all([
    storedItem(keys.project(workspaceId, projectId)),
    storedItem(keys.projectCounter(workspaceId, projectId)),
  ]);
  if (!project) return undefined;
  // The numbers taken: the counter's own item once a number was taken, else the project's starting point.
  const taskSeq = (counter?.taskSeq ?? project.taskSeq) as number;
  return { ...project, taskSeq } as {
    key: string;
    taskSeq: number;
    taskCount: number;
    activeSprintId?: string;
  };
}
