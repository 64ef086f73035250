import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { Job } from '../../../shared/schemas/ai.ts';
import type { Comment } from '../../../shared/schemas/comments.ts';
import type { ChangesPage, Task } from '../../../shared/schemas/tasks.ts';
import type { LiveChangeEvent, ServerFrame } from '../../../shared/schemas/websocket.ts';
import { keys } from '../lib/data.ts';
import { localDate } from '../board/board-logic.ts';
import {
  applyAttachmentEvent,
  applyEvent,
  applyFetchedTask,
  applyOwnComment,
  tasksIn,
  type ApplyContext,
  type RemoteChange,
} from './apply.ts';
import type { ServerClock } from './clock.ts';
import { advanceCursor, catchUp, startCursor } from './cursor.ts';
import { EventGate } from './gate.ts';
import { peopleOf, sessionsFrom, withPresence, type Person, type Sessions } from './presence.ts';
import { backoffDelay, LiveSocket, type SocketLike, type SocketState } from './socket.ts';

/**
 * The live board of one tab: one socket, the boards on screen subscribed over it, each caught up through the
 * change feed after every (re)subscription, events applied to the query cache through the gate, and who else
 * is on each board. React reads it through live/react.tsx; everything else here is plain code (client.test.ts).
 */

/** Shown on the board: `live` only once the board is caught up over an open socket. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'refused';

export interface ProjectView {
  status: LiveStatus;
  /** Everyone else on the board (one entry a person, this person left out). */
  people: Person[];
}

export interface LiveClientOptions {
  client: QueryClient;
  wsUrl: string;
  clock: ServerClock;
  readChanges(projectId: string, since: string): Promise<ChangesPage>;
  readTask(taskId: string): Promise<Task>;
  token(): Promise<string | null>;
  checkSession(): Promise<unknown>;
  createSocket(url: string): SocketLike;
  online(): boolean;
  /** The signed-in user's id (their other tabs are not shown as someone else). */
  selfId(): string | undefined;
  random?: () => number;
}

/** With no board on screen for this long, the socket is closed (nothing to follow; reopened on the next board). */
export const IDLE_CLOSE_MS = 30_000;
/** Live writes that cannot be applied in place are coalesced into one refresh per this window. */
const COALESCE_MS = 250;
/**
 * Frames are handled by the server one invocation each, in parallel: two frames sent in quick succession may
 * take effect in either order. So a board left is unsubscribed only after this grace (a remount, React's strict
 * mode, a quick back-and-forth keep the subscription), and presence is sent once it has been still this long
 * (a panel opened and closed, focus hopping between fields: only the last state is sent).
 */
const LEAVE_GRACE_MS = 1_000;
const PRESENCE_SETTLE_MS = 150;

type Phase = 'subscribing' | 'catching-up' | 'live' | 'refused';

interface ProjectState {
  id: string;
  refs: number;
  phase: Phase;
  everLive: boolean;
  cursor: string;
  /** Live events that came during a catch-up: applied after it, in order. */
  queue: LiveChangeEvent[];
  /** Counts catch-ups: an older one finishing late does nothing. */
  run: number;
  attempts: number;
  session?: string;
  sessions: Sessions;
  presence: { viewing: string | null; editing: string | null };
  sentPresence?: string;
  presenceTimer?: ReturnType<typeof setTimeout>;
  /** Set while the board is being left (see LEAVE_GRACE_MS). */
  leaving?: ReturnType<typeof setTimeout>;
}

const PUBLIC_PHASES: Phase[] = ['catching-up', 'live'];

export class LiveClient {
  private readonly gate = new EventGate();
  private readonly socket: LiveSocket;
  private readonly projects = new Map<string, ProjectState>();
  /** The cursors of boards left: coming back catches up from there while their data is still cached. */
  private readonly cursors = new Map<string, string>();
  private readonly views = new Map<string, ProjectView>();
  private readonly changes = new Map<string, RemoteChange>();
  /** The latest JOB_UPDATED of each of this person's jobs (AI breakdown), pushed to their own connections. */
  private readonly jobs = new Map<string, Job>();
  private readonly listeners = new Set<() => void>();
  private readonly pendingRefresh = new Map<string, QueryKey>();
  private readonly pendingReads = new Set<string>();
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private readTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly ctx: ApplyContext;
  private readonly unsubscribeCache: () => void;

  constructor(private readonly options: LiveClientOptions) {
    this.socket = new LiveSocket({
      url: options.wsUrl,
      token: options.token,
      checkSession: options.checkSession,
      create: options.createSocket,
      online: options.online,
      random: options.random,
      onOpen: () => this.onOpen(),
      onFrame: (frame) => this.onFrame(frame),
      onState: (state) => this.onSocketState(state),
    });
    this.ctx = {
      client: options.client,
      gate: this.gate,
      get today() {
        return localDate();
      },
      rereadTask: (taskId) => this.rereadTask(taskId),
      refresh: (key) => this.refresh(key),
      remoteChange: (change) => this.rememberChange(change),
    };
    // Tasks read from the API carry counters as of that read: child events older than it are already in them.
    this.unsubscribeCache = options.client.getQueryCache().subscribe((event) => {
      if (event.type !== 'updated' || event.action.type !== 'success' || event.action.manual) return;
      const now = options.clock.now();
      for (const task of tasksIn(event.query.queryKey, event.query.state.data))
        this.gate.countersRead(task.id, now);
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // What the app calls
  // ---------------------------------------------------------------------------------------------------------

  /** A board is on screen (a component mounted): follow its project. Returns the matching release. */
  track(projectId: string): () => void {
    clearTimeout(this.idleTimer);
    let project = this.projects.get(projectId);
    if (project) {
      project.refs++;
      clearTimeout(project.leaving);
      project.leaving = undefined;
    } else {
      const kept = this.cursors.get(projectId);
      project = {
        id: projectId,
        refs: 1,
        phase: 'subscribing',
        everLive: false,
        // A board left earlier and still in the cache catches up from where it stopped; otherwise the board is
        // being read now and the catch-up starts a settle window before now (server time).
        cursor: kept && this.hasCachedBoard(projectId) ? kept : startCursor(this.options.clock.now()),
        queue: [],
        run: 0,
        attempts: 0,
        sessions: new Map(),
        presence: { viewing: null, editing: null },
      };
      this.projects.set(projectId, project);
      this.cursors.delete(projectId);
      this.socket.send({ action: 'subscribe', projectId });
      this.publish(projectId);
    }
    this.socket.start();
    let released = false;
    return () => {
      if (!released) this.untrack(projectId);
      released = true;
    };
  }

  /** Where this tab is on a board: the task panel open and the field being edited (presence). */
  setPresence(projectId: string, viewing: string | null, editing: string | null = null): void {
    const project = this.projects.get(projectId);
    if (!project) return;
    project.presence = { viewing, editing: viewing ? editing : null };
    clearTimeout(project.presenceTimer);
    project.presenceTimer = setTimeout(() => this.sendPresence(project), PRESENCE_SETTLE_MS);
  }

  view(projectId: string): ProjectView | undefined {
    return this.views.get(projectId);
  }

  /** The latest change of a task by someone else (or this person in another tab), for the panel's warning. */
  lastChange(taskId: string): RemoteChange | undefined {
    return this.changes.get(taskId);
  }

  /** The latest pushed state of a job of this person's (undefined until one arrives: poll meanwhile). */
  job(jobId: string): Job | undefined {
    return this.jobs.get(jobId);
  }

  /** Whether the socket is open now: pushed job updates can arrive (else the panel polls faster). */
  get connected(): boolean {
    return this.socket.current === 'open';
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The tab's own new comment came back: listed and counted once, whether its event came first or not. */
  ownComment(comment: Comment): void {
    applyOwnComment(this.ctx, comment);
  }

  /** Re-reads a task (its counters after the tab's own checklist change, or after an event too big to carry). */
  rereadTask(taskId: string): void {
    this.pendingReads.add(taskId);
    this.readTimer ??= setTimeout(() => {
      this.readTimer = undefined;
      const ids = [...this.pendingReads];
      this.pendingReads.clear();
      for (const id of ids) void this.readTaskNow(id);
    }, COALESCE_MS);
  }

  /** Signed out, or another person signed in: nothing of the last session's state may remain. */
  reset(): void {
    this.socket.stop();
    this.gate.clear();
    this.cursors.clear();
    this.changes.clear();
    for (const project of this.projects.values()) {
      project.cursor = startCursor(this.options.clock.now());
      project.sessions = new Map();
      project.phase = 'subscribing';
      project.everLive = false;
    }
    this.publishAll();
  }

  /** Page lifecycle and network hints (live/react.tsx wires them to the window). */
  pageHidden(): void {
    // pagehide: the tab is closing or going into the back/forward cache. Closing the socket now clears this
    // person's presence on the others' boards at once instead of at the server's timeout.
    this.socket.stop();
  }
  pageShown(): void {
    if (this.projects.size) this.socket.start();
  }
  wake(): void {
    this.socket.wake();
  }
  wentOffline(): void {
    this.socket.drop();
  }
  /** A user is signed in again (or still): follow the boards on screen. */
  resume(): void {
    if (this.projects.size) this.socket.start();
  }

  dispose(): void {
    this.socket.stop();
    for (const project of this.projects.values()) {
      clearTimeout(project.leaving);
      clearTimeout(project.presenceTimer);
    }
    this.unsubscribeCache();
    clearTimeout(this.refreshTimer);
    clearTimeout(this.readTimer);
    clearTimeout(this.idleTimer);
  }

  // ---------------------------------------------------------------------------------------------------------
  // The socket's side
  // ---------------------------------------------------------------------------------------------------------

  private untrack(projectId: string) {
    const project = this.projects.get(projectId);
    if (!project || --project.refs > 0) return;
    project.leaving = setTimeout(() => this.leave(project), LEAVE_GRACE_MS);
  }

  private leave(project: ProjectState) {
    const projectId = project.id;
    if (this.projects.get(projectId) !== project || project.refs > 0) return;
    clearTimeout(project.presenceTimer);
    this.projects.delete(projectId);
    this.views.delete(projectId);
    project.run++;
    this.cursors.set(projectId, project.cursor);
    this.socket.send({ action: 'unsubscribe', projectId });
    this.notify();
    if (this.projects.size === 0) {
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => {
        if (this.projects.size === 0) this.socket.stop();
      }, IDLE_CLOSE_MS);
    }
  }

  private onOpen() {
    for (const project of this.projects.values()) {
      project.phase = 'subscribing';
      project.run++;
      project.queue = [];
      project.sentPresence = undefined;
      this.socket.send({ action: 'subscribe', projectId: project.id });
    }
    this.publishAll();
  }

  private onSocketState(state: SocketState) {
    if (state !== 'open') {
      // Until the next `subscribed`, a board may miss events: it is not live, and its catch-up is void.
      for (const project of this.projects.values()) {
        if (project.phase !== 'refused') project.phase = 'subscribing';
        project.run++;
      }
    }
    this.publishAll();
  }

  private onFrame(frame: ServerFrame) {
    switch (frame.type) {
      case 'pong':
        return;
      case 'subscribed': {
        const project = this.projects.get(frame.projectId);
        if (!project) {
          this.socket.send({ action: 'unsubscribe', projectId: frame.projectId });
          return;
        }
        project.session = frame.session;
        project.sessions = sessionsFrom(frame.presence, frame.session);
        project.sentPresence = undefined;
        void this.runCatchUp(project);
        this.sendPresence(project);
        return;
      }
      case 'unsubscribed':
      case 'error': {
        if (frame.type === 'error' && frame.code === 'UNAUTHORIZED') {
          this.socket.drop(); // the server no longer knows this connection: a new one
          return;
        }
        const project = frame.projectId ? this.projects.get(frame.projectId) : undefined;
        if (!project) return;
        const refused =
          frame.type === 'unsubscribed'
            ? frame.reason !== 'UNSUBSCRIBED'
            : project.phase === 'subscribing' && (frame.code === 'NOT_FOUND' || frame.code === 'FORBIDDEN');
        if (!refused) return;
        // Removed from the workspace, or the project is gone: the board's own requests now say so.
        project.phase = 'refused';
        project.sessions = new Map();
        project.run++;
        void this.options.client.invalidateQueries({ queryKey: keys.projectByKey });
        void this.options.client.invalidateQueries({ queryKey: keys.workspaces });
        this.publish(project.id);
        return;
      }
      case 'JOB_UPDATED': {
        this.jobs.set(frame.entityId, frame.data);
        for (const listener of this.listeners) listener();
        return;
      }
      case 'NOTIFICATION': {
        // One of this person's notifications arrived or was read (maybe in another tab): the bell reads again.
        void this.options.client.invalidateQueries({ queryKey: ['notifications'] });
        return;
      }
      case 'ATTACHMENT_READY':
      case 'ATTACHMENT_DELETED': {
        // Not in the change feed (nothing to queue behind a catch-up): applied as it comes, once per id.
        const project = this.projects.get(frame.projectId);
        if (project && project.phase !== 'refused') applyAttachmentEvent(this.ctx, frame);
        return;
      }
      case 'PRESENCE': {
        const project = this.projects.get(frame.projectId);
        if (!project || project.phase === 'refused') return;
        const next = withPresence(project.sessions, frame.data, project.session);
        if (next === project.sessions) return;
        project.sessions = next;
        this.publish(project.id);
        return;
      }
      default: {
        // A change event; anything else this version does not know is ignored.
        if (!('entityType' in frame) || !frame.id) return;
        const project = this.projects.get(frame.projectId);
        if (!project) return;
        this.options.clock.observeStamp(frame.at, Date.now());
        if (project.phase === 'live') this.applyLive(project, frame);
        else project.queue.push(frame);
      }
    }
  }

  private applyLive(project: ProjectState, event: LiveChangeEvent) {
    applyEvent(this.ctx, event);
    project.cursor = advanceCursor(project.cursor, event.at);
  }

  /** After a subscription: the change feed from the cursor, then the events that came meanwhile. */
  private async runCatchUp(project: ProjectState) {
    const run = ++project.run;
    project.phase = 'catching-up';
    this.publish(project.id);
    let result: Awaited<ReturnType<typeof catchUp>>;
    try {
      result = await catchUp(
        (since) => this.options.readChanges(project.id, since),
        project.cursor,
        (event) => {
          if (run === project.run) applyEvent(this.ctx, event);
        },
      );
    } catch {
      if (run !== project.run) return;
      // The feed failed (network, server): try again while the subscription stands; nothing is skipped, since
      // the cursor has not moved.
      setTimeout(
        () => {
          if (run === project.run && this.projects.get(project.id) === project) void this.runCatchUp(project);
        },
        backoffDelay(project.attempts++, this.options.random),
      );
      return;
    }
    if (run !== project.run) return;
    project.attempts = 0;
    if (result === 'reload') {
      this.reloadBoard(project.id);
      project.cursor = startCursor(this.options.clock.now());
    } else project.cursor = result.until;
    const queued = project.queue.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    project.queue = [];
    for (const event of queued) this.applyLive(project, event);
    // Attachment events are not in the change feed: after a gap, the file list on screen reads again.
    if (project.everLive) this.refresh(['attachments']);
    project.phase = 'live';
    project.everLive = true;
    this.publish(project.id);
  }

  /** Too far behind to replay: every view of the board reads again. */
  private reloadBoard(projectId: string) {
    for (const key of [
      keys.column(projectId),
      keys.seed(projectId),
      keys.list(projectId),
      keys.plan(projectId),
      keys.calendar(projectId),
      keys.sprints(projectId),
      keys.projectByKey,
    ])
      void this.options.client.invalidateQueries({ queryKey: key });
  }

  private sendPresence(project: ProjectState) {
    clearTimeout(project.presenceTimer);
    if (!PUBLIC_PHASES.includes(project.phase)) return;
    const frame = {
      action: 'presence' as const,
      projectId: project.id,
      viewing: project.presence.viewing,
      editing: project.presence.editing,
    };
    const text = JSON.stringify(frame);
    // Right after subscribing the server holds "on the board, nothing open": no need to say so.
    const unchanged = project.sentPresence ?? JSON.stringify({ ...frame, viewing: null, editing: null });
    if (text === unchanged) return;
    if (this.socket.send(frame)) project.sentPresence = text;
  }

  private async readTaskNow(taskId: string) {
    const sent = this.options.clock.now();
    try {
      const task = await this.options.readTask(taskId);
      applyFetchedTask(this.ctx, task, (sent + this.options.clock.now()) / 2);
    } catch {
      // Gone (purged) or unreachable: the next event or catch-up brings it.
    }
  }

  private refresh(key: QueryKey) {
    this.pendingRefresh.set(JSON.stringify(key), key);
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      const all = [...this.pendingRefresh.values()];
      this.pendingRefresh.clear();
      for (const queryKey of all)
        void this.options.client.invalidateQueries({ queryKey, refetchType: 'active' });
    }, COALESCE_MS);
  }

  private rememberChange(change: RemoteChange) {
    this.changes.delete(change.taskId);
    this.changes.set(change.taskId, change);
    // The panel needs the latest few only.
    if (this.changes.size > 200) this.changes.delete(this.changes.keys().next().value!);
    this.notify();
  }

  private hasCachedBoard(projectId: string) {
    return this.options.client
      .getQueriesData({ queryKey: keys.column(projectId) })
      .some(([, data]) => data !== undefined);
  }

  // ---------------------------------------------------------------------------------------------------------
  // What React reads
  // ---------------------------------------------------------------------------------------------------------

  private statusOf(project: ProjectState): LiveStatus {
    if (project.phase === 'refused') return 'refused';
    const socket = this.socket.current;
    if (socket === 'offline') return 'offline';
    if (socket === 'open' && project.phase === 'live') return 'live';
    return project.everLive || socket === 'retrying' ? 'reconnecting' : 'connecting';
  }

  private publish(projectId: string) {
    const project = this.projects.get(projectId);
    if (!project) return;
    const status = this.statusOf(project);
    const people = peopleOf(project.sessions, this.options.selfId());
    const old = this.views.get(projectId);
    if (old && old.status === status && JSON.stringify(old.people) === JSON.stringify(people)) return;
    this.views.set(projectId, { status, people });
    this.notify();
  }

  private publishAll() {
    for (const id of this.projects.keys()) this.publish(id);
  }

  private notify() {
    for (const listener of this.listeners) listener();
  }
}
