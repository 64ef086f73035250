/**
 * Chaos on the live board: two clients each keep a replica of one board (a subscribed socket and the tasks by
 * id, with their versions) while 300 random writes (create, rename, move, delete, restore, comment) land through
 * the HTTP API and one client's socket is killed 10 times, at random: about half as a lost network (the socket
 * dropped without a close), the others by the server (DeleteConnection on the @connections API, as the
 * broadcast does to a connection it cannot reach). Once everything settled, both replicas must equal the
 * server's board: nothing lost, nothing applied twice.
 *
 * The Replica below is how a client catches up (docs/api-notes.md, "Nothing missed, nothing applied twice"):
 * every (re)subscribe may follow a gap, so after `subscribed` it reads the change feed from its cursor, holding
 * the live events back until the feed is applied; every event id is handled once, and a task's event is applied
 * only when it is newer than what the replica holds.
 *
 * Writes come from four people (the owner and three admins, who may delete and restore any task), each writing
 * in turn with the others: 300 writes from two people would pass the API's limit of 100 requests a minute each.
 * The replicas belong to two viewers (read-only members), so their reads count apart.
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { LiveChangeEvent } from '../shared/schemas/websocket.ts';
import type { ChangesPage, Task, TaskStatus } from '../shared/schemas/tasks.ts';
import { LOCAL_CREDENTIALS } from '../infra/local/settings.ts';
import { keys } from '#functions/store/keys';
import { addMember, api, outputs, signUpUser, type ApiResult, type TestUser } from './support.ts';
import { createProject, createWorkspace, db, listAll, read, table } from './fixtures.ts';
import { LiveClient, type Frame } from './live-client.ts';

const WRITES = 300;
const KILLS = 10;
const WRITERS = 4;
/** A bound on the attempts: no write should be refused (no two touch one task at once); one that is, is redone. */
const MAX_ATTEMPTS = 450;
/**
 * How far before the newest event it applied a replica reads the feed again after a reconnect: an event the
 * socket never delivered was written (stamped) at most this long before it was committed, which is when the
 * broadcast sends it. Events read twice are handled once (by id).
 */
const CATCH_UP_MARGIN_MS = 10_000;
const STATUSES: TaskStatus[] = ['todo', 'in_progress', 'in_review', 'blocked', 'done'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;

/** A task as a board shows it, the way replicas and the server are compared. */
interface BoardTask {
  id: string;
  title: string;
  status: TaskStatus;
  version: number;
  deleted: boolean;
  comments: number;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Calls the API as `user`, waiting out a 429 (Retry-After) a few times. */
async function call<T>(user: TestUser, path: string, options: { method?: string; body?: unknown } = {}) {
  for (let attempt = 1; ; attempt++) {
    const res: ApiResult<T> = await api<T>(path, { ...options, token: user.idToken });
    if (res.status !== 429 || attempt === 3) return res;
    await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
  }
}

/** What a replica holds of a task: `lastEventId` orders a deletion (which carries no version) among its events. */
interface ReplicaTask {
  title: string;
  status: TaskStatus;
  version: number;
  deleted: boolean;
  lastEventId: string;
}

type Outcome = 'applied' | 'stale' | 'ignored';

/** A client's copy of one board, kept by its live socket and, after each (re)connect, by the change feed. */
class Replica {
  readonly tasks = new Map<string, ReplicaTask>();
  /** Comment ids by task id. */
  readonly comments = new Map<string, Set<string>>();
  /** Ids of the events that changed the replica, in the order applied. */
  readonly applied: string[] = [];
  /** Ids of every event handled (applied, or older than what the replica held). */
  readonly seen = new Set<string>();
  readonly stats = { sessions: 0, live: 0, feed: 0, recovered: 0, repeats: 0, stale: 0 };
  readonly errors: string[] = [];
  client?: LiveClient;
  session?: string;
  /** Subscribed and caught up: what arrives now is applied at once. */
  live = false;
  /** The feed's `until` after the last catch-up, and the time of the newest event applied. */
  private feedUntil: string;
  private newestAt = '';
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    readonly name: string,
    private readonly user: TestUser,
    private readonly projectId: string,
    /** Where the feed starts for a replica with nothing yet: the board is new, its whole history is there. */
    since: string,
  ) {
    this.feedUntil = since;
  }

  start(): void {
    this.running = (async () => {
      while (!this.stopped) {
        try {
          await this.connectAndFollow();
        } catch (error) {
          // A socket killed before `subscribed` came, or a read that failed: connect again.
          if (!this.stopped) this.errors.push((error as Error).message);
        }
        if (!this.stopped) await sleep(50 + Math.random() * 250); // reconnect backoff
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.close();
    await this.running;
  }

  /** One connection: subscribe, catch up, then apply live events until the socket closes. */
  private async connectAndFollow(): Promise<void> {
    this.session = undefined;
    const client = await LiveClient.connect(outputs().wsUrl, this.user.idToken);
    this.client = client;
    this.stats.sessions++;
    const recovering = this.stats.sessions > 1;
    client.socket.on('error', () => undefined); // a killed socket may report ECONNRESET; 'close' follows
    const closed = new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
    // Live events wait until the catch-up is applied, then go in arrival order: each task's events are then
    // applied in the order they happened (the feed has what was written before the read, the socket what after).
    let held: LiveChangeEvent[] | undefined = [];
    client.socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      if (!isChangeEvent(frame)) return;
      if (held) held.push(frame);
      else this.handle(frame, 'live');
    });
    if (this.stopped) return client.close();
    // Subscribe first, read second: an event is either in the feed read or arrives on the socket after.
    const answer = await client.subscribe(this.projectId, 15_000);
    if (answer.type !== 'subscribed') throw new Error(`subscribe refused: ${JSON.stringify(answer)}`);
    this.session = String(answer.session);
    await this.catchUp(recovering);
    for (const event of held) this.handle(event, 'live');
    held = undefined;
    this.live = client.open;
    await closed;
    this.live = false;
  }

  /** Reads the change feed from the cursor to its end (every page) and applies it. */
  private async catchUp(recovering: boolean): Promise<void> {
    const margin = this.newestAt
      ? new Date(Date.parse(this.newestAt) - CATCH_UP_MARGIN_MS).toISOString()
      : '';
    let since = margin > this.feedUntil ? margin : this.feedUntil;
    for (;;) {
      const path = `/projects/${this.projectId}/changes?since=${encodeURIComponent(since)}&limit=500`;
      const res = await call<ChangesPage>(this.user, path);
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      for (const event of res.body.items) {
        if (this.handle(event, 'feed') === 'applied' && recovering) this.stats.recovered++;
      }
      since = res.body.until;
      if (!res.body.hasMore) break;
    }
    this.feedUntil = since;
  }

  /** Handles an event once (by id), from the socket or the feed. */
  handle(event: LiveChangeEvent, via: 'live' | 'feed'): Outcome | 'repeat' {
    if (this.seen.has(event.id)) {
      this.stats.repeats++;
      return 'repeat';
    }
    this.seen.add(event.id);
    if (event.at > this.newestAt) this.newestAt = event.at;
    const outcome = this.apply(event);
    if (outcome === 'applied') {
      this.applied.push(event.id);
      this.stats[via]++;
    } else if (outcome === 'stale') this.stats.stale++;
    return outcome;
  }

  private apply(event: LiveChangeEvent): Outcome {
    if (event.entityType === 'comment') {
      const comments = this.comments.get(event.taskId!) ?? new Set<string>();
      this.comments.set(event.taskId!, comments);
      if (event.type === 'COMMENT_CREATED') comments.add(event.entityId);
      else if (event.type === 'COMMENT_DELETED') comments.delete(event.entityId);
      else return 'ignored'; // an edit changes no count
      return 'applied';
    }
    if (event.entityType !== 'task') return 'ignored'; // project, sprint, subtask: not on this replica
    const known = this.tasks.get(event.entityId);
    if (event.type === 'TASK_DELETED') {
      // A deletion carries no data and no version: it applies unless a later event of the task (event ids are
      // ULIDs, in time order) was applied already, and it took the task one version further.
      if (!known || event.id < known.lastEventId) return 'stale';
      this.tasks.set(event.entityId, {
        ...known,
        deleted: true,
        version: known.version + 1,
        lastEventId: event.id,
      });
      return 'applied';
    }
    // A partial event (too large for one frame) has no data: a client re-reads the task. This test writes
    // short titles only, so none should come.
    if (event.partial || !event.data) {
      this.errors.push(`partial event ${event.id}`);
      return 'ignored';
    }
    const task = event.data as Task;
    if (known && task.version <= known.version) return 'stale';
    this.tasks.set(task.id, {
      title: task.title,
      status: task.status,
      version: task.version,
      deleted: task.deletedAt !== null,
      lastEventId: event.id,
    });
    return 'applied';
  }

  board(): BoardTask[] {
    return [...this.tasks]
      .map(([id, t]) => ({
        id,
        title: t.title,
        status: t.status,
        version: t.version,
        deleted: t.deleted,
        comments: this.comments.get(id)?.size ?? 0,
      }))
      .sort(byId);
  }
}

const isChangeEvent = (frame: Frame): frame is Frame & LiveChangeEvent =>
  typeof frame.id === 'string' && typeof frame.entityType === 'string' && typeof frame.at === 'string';

/** A task as the writers last saw it (from their own answers): they never write one task twice at once. */
interface Written extends BoardTask {
  busy: boolean;
}

/** The writers: random writes by several people, `WRITERS` at once, until WRITES succeeded. */
class Writers {
  readonly tasks = new Map<string, Written>();
  done = 0;
  attempts = 0;
  /** Writes sent and not answered yet: a writer starts one only while the others may still fall short. */
  private inFlight = 0;
  readonly refused: string[] = [];
  private turn = 0;

  constructor(
    private readonly people: TestUser[],
    private readonly projectId: string,
  ) {}

  async run(): Promise<void> {
    await Promise.all(
      this.people.map(async (person) => {
        while (this.done + this.inFlight < WRITES && this.attempts < MAX_ATTEMPTS) {
          this.inFlight++;
          try {
            await this.write(person);
          } finally {
            this.inFlight--;
          }
        }
      }),
    );
  }

  board(): BoardTask[] {
    return [...this.tasks.values()].map(({ busy: _busy, ...task }) => task).sort(byId);
  }

  private async write(person: TestUser): Promise<void> {
    this.attempts++;
    const n = ++this.turn;
    const idle = [...this.tasks.values()].filter((t) => !t.busy);
    const live = idle.filter((t) => !t.deleted);
    const deleted = idle.filter((t) => t.deleted);
    const roll = Math.random() * 100;
    const op =
      live.length < 5 || roll < 20
        ? 'create'
        : roll < 45
          ? 'rename'
          : roll < 65
            ? 'move'
            : roll < 80
              ? 'comment'
              : roll < 90 || deleted.length === 0
                ? 'delete'
                : 'restore';
    if (op === 'create') {
      const res = await call<Task>(person, `/projects/${this.projectId}/tasks`, {
        method: 'POST',
        body: { title: `Task ${n}`, status: pick(STATUSES) },
      });
      return this.record(op, res, undefined);
    }
    const task = op === 'restore' ? pick(deleted) : pick(live);
    task.busy = true;
    try {
      const path = `/tasks/${task.id}`;
      if (op === 'comment') {
        const res = await call(person, `${path}/comments`, {
          method: 'POST',
          body: { body: `Comment ${n}` },
        });
        if (res.status === 201) task.comments++;
        return this.record(op, res, task, false);
      }
      const res =
        op === 'rename'
          ? await call<Task>(person, path, {
              method: 'PATCH',
              body: { version: task.version, title: `${task.title.split(' /')[0]} / ${n}` },
            })
          : op === 'move'
            ? await call<Task>(person, `${path}/move`, {
                method: 'POST',
                body: { version: task.version, status: pick(STATUSES.filter((s) => s !== task.status)) },
              })
            : op === 'delete'
              ? await call<Task>(person, `${path}?version=${task.version}`, { method: 'DELETE' })
              : await call<Task>(person, `${path}/restore`, {
                  method: 'POST',
                  body: { version: task.version },
                });
      this.record(op, res, task);
    } finally {
      task.busy = false;
    }
  }

  /** Counts a write and keeps the task as its answer shows it (or, on a 409, as the server holds it). */
  private record(op: string, res: ApiResult<unknown>, known: Written | undefined, isTask = true): void {
    if (res.status !== 200 && res.status !== 201) {
      const current = (res.body as { current?: Task } | undefined)?.current;
      if (current && known) Object.assign(known, this.fromTask(current, known.comments));
      this.refused.push(`${op} ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      return;
    }
    this.done++;
    if (!isTask) return;
    const task = res.body as Task;
    const entry = this.tasks.get(task.id) ?? { ...this.fromTask(task, 0), busy: false };
    Object.assign(entry, this.fromTask(task, entry.comments));
    this.tasks.set(task.id, entry);
  }

  private fromTask(task: Task, comments: number): BoardTask {
    return {
      id: task.id,
      title: task.title,
      status: task.status,
      version: task.version,
      deleted: task.deletedAt !== null,
      comments,
    };
  }
}

/** Closes `replica`'s connection from the server side: DeleteConnection on the @connections API. */
async function deleteConnection(replica: Replica, projectId: string): Promise<boolean> {
  const { Items = [] } = await db().send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.subscribersOf(projectId) },
      ConsistentRead: true,
    }),
  );
  const connectionId = Items.find((item) => item.session === replica.session)?.connectionId as
    string | undefined;
  if (!connectionId) return false;
  const management = new ApiGatewayManagementApiClient({
    endpoint: outputs().local.websocketManagementEndpoint,
    region: outputs().region,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    return true;
  } catch (error) {
    // Closed meanwhile (its $disconnect has not removed the subscription yet): drop the network instead.
    if (error instanceof GoneException) return false;
    throw error;
  }
}

describe('live board under chaos', () => {
  let writers: TestUser[];
  let viewers: TestUser[];
  let projectId: string;
  let createdAt: string;

  beforeAll(async () => {
    const owner = await signUpUser('Chaos Owner');
    const workspaceId = await createWorkspace(owner, 'Chaos');
    projectId = await createProject(owner, workspaceId);
    createdAt = (await read<{ createdAt: string }>(owner, `/projects/${projectId}`)).createdAt;
    const members = await Promise.all([
      ...Array.from({ length: WRITERS - 1 }, () => addMember(owner, workspaceId, 'admin')),
      addMember(owner, workspaceId, 'viewer'),
      addMember(owner, workspaceId, 'viewer'),
    ]);
    writers = [owner, ...members.slice(0, WRITERS - 1)];
    viewers = members.slice(WRITERS - 1);
  }, 120_000);

  it('keeps both replicas equal to the server while one socket is killed 10 times', async () => {
    const [killed, steady] = viewers.map(
      (viewer, i) => new Replica(i === 0 ? 'killed' : 'steady', viewer, projectId, createdAt),
    ) as [Replica, Replica];
    killed.start();
    steady.start();
    const bothLive = async () => {
      for (let i = 0; i < 300 && !(killed.live && steady.live); i++) await sleep(100);
    };
    try {
      await bothLive();
      expect([killed.live, steady.live]).toEqual([true, true]);

      const writing = new Writers(writers, projectId);
      const killAt = Array.from({ length: KILLS }, () => 10 + Math.floor(Math.random() * (WRITES - 30))).sort(
        (a, b) => a - b,
      );
      const kills: string[] = [];
      const killer = (async () => {
        for (const [k, at] of killAt.entries()) {
          while (writing.done < at && writing.attempts < MAX_ATTEMPTS) await sleep(10);
          // Kill a connected socket: it may be subscribed and caught up, or still catching up.
          for (let i = 0; i < 500 && !killed.client?.open; i++) await sleep(10);
          if (k % 2 === 1 && (await deleteConnection(killed, projectId))) kills.push('DeleteConnection');
          else {
            killed.client?.kill();
            kills.push('network drop');
          }
          await sleep(50 + Math.random() * 150);
        }
      })();
      await Promise.all([writing.run(), killer]);
      expect(writing.done).toBe(WRITES);
      expect(kills).toHaveLength(KILLS);

      // Quiescence: both replicas live again and showing what the writers' answers said.
      const expected = writing.board();
      for (let i = 0; i < 600; i++) {
        const settled = [killed, steady].every(
          (r) => r.live && JSON.stringify(r.board()) === JSON.stringify(expected),
        );
        if (settled) break;
        await sleep(100);
      }

      // The server's board, every page, deleted tasks included, and every event of the board since it began.
      const { items } = await listAll<Task>(viewers[1]!, `/projects/${projectId}/tasks`, {
        query: '&includeDeleted=true',
      });
      const server: BoardTask[] = items
        .map((t) => ({
          id: t.id,
          title: t.title,
          status: t.status,
          version: t.version,
          deleted: t.deletedAt !== null,
          comments: t.commentCount,
        }))
        .sort(byId);
      const feedIds: string[] = [];
      let since = createdAt;
      for (;;) {
        const path = `/projects/${projectId}/changes?since=${encodeURIComponent(since)}&limit=500`;
        const page = await read<ChangesPage>(viewers[1]!, path);
        feedIds.push(...page.items.map((e) => e.id));
        since = page.until;
        if (!page.hasMore) break;
      }

      expect(server).toEqual(expected);
      for (const replica of [killed, steady]) {
        // 0 lost: every event of the feed handled, and the same board.
        expect({ name: replica.name, missed: feedIds.filter((id) => !replica.seen.has(id)) }).toEqual({
          name: replica.name,
          missed: [],
        });
        expect({ name: replica.name, board: replica.board() }).toEqual({ name: replica.name, board: server });
        // 0 duplicated: no event applied twice (comment counts would show it too).
        expect(new Set(replica.applied).size).toBe(replica.applied.length);
      }
      // The chaos happened: the killed client reconnected after each kill and caught up through the feed
      // events its socket missed; the steady one never reconnected.
      expect(killed.stats.sessions).toBeGreaterThanOrEqual(KILLS + 1);
      expect(killed.stats.recovered).toBeGreaterThan(0);
      expect(steady.stats.sessions).toBe(1);
    } finally {
      await Promise.all([killed.stop(), steady.stop()]);
    }
  }, 240_000);
});
