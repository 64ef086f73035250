import {
  HEARTBEAT_INTERVAL_MS,
  type ClientFrame,
  type ServerFrame,
} from '../../../shared/schemas/websocket.ts';

/**
 * The tab's one WebSocket: connects with the session's ID token, keeps the link alive (a `ping` every heartbeat,
 * inside API Gateway's 10-minute idle limit), notices a dead link, and reconnects with exponential backoff and
 * jitter. It knows nothing of projects: the live client re-subscribes in `onOpen` and reads the frames.
 */

/** First retry within a second; doubling up to 30 s. */
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 30_000;
/** No frame (a pong at least) for this long: the link is dead even if the socket looks open. */
export const DEAD_AFTER_MS = 2 * HEARTBEAT_INTERVAL_MS + 5_000;
/** A handshake that neither opens nor fails within this long is given up. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** After a wake-up (or a tab shown again), a link that answers no ping within this long is replaced. */
export const PROBE_TIMEOUT_MS = 5_000;

/**
 * The delay before reconnect attempt `attempt` (0-based): exponential, capped, with "equal jitter" (the upper
 * half of the range at random), so a server restart does not bring every tab back in the same instant, and no
 * delay is ever near zero.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The part of the browser's WebSocket this module uses (tests give a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

const OPEN = 1;

/** `connecting`: first attempt under way; `open`; `retrying`: waiting for the next attempt; `offline`: the
 * browser says there is no network; `stopped`: signed out, page hidden away, or no board open. */
export type SocketState = 'connecting' | 'open' | 'retrying' | 'offline' | 'stopped';

export interface SocketOptions {
  url: string;
  /** A valid ID token (renewed when near expiry), null when signed out. */
  token(): Promise<string | null>;
  /**
   * Called before retrying after a handshake that never opened. A browser cannot see the handshake's status, so a
   * refused token (401) looks like any network failure: this checks the session with an API call, which renews
   * the token on a 401 (and does not sign the person out when merely offline).
   */
  checkSession(): Promise<unknown>;
  create(url: string): SocketLike;
  online(): boolean;
  onOpen(): void;
  onFrame(frame: ServerFrame): void;
  onState(state: SocketState): void;
  random?: () => number;
  now?: () => number;
}

export class LiveSocket {
  private socket: SocketLike | undefined;
  private state: SocketState = 'stopped';
  private running = false;
  /** Between deciding to connect and creating the socket (the token is being fetched). */
  private handshaking = false;
  private attempt = 0;
  private refused = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private lastTickAt = 0;
  private readonly now: () => number;

  constructor(private readonly options: SocketOptions) {
    this.now = options.now ?? Date.now;
  }

  get current(): SocketState {
    return this.state;
  }

  /** Connects (if not already connected or connecting). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    void this.connect();
  }

  /** Closes the socket and stays closed (sign-out, page hidden away, nothing to follow). */
  stop(): void {
    this.running = false;
    this.clearTimers();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      detach(socket);
      socket.close(1000, 'Closed by the client');
    }
    this.setState('stopped');
  }

  /** Sends a frame if the socket is open; false otherwise (the caller sends it again after `onOpen`). */
  send(frame: ClientFrame): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /**
   * The network may be back (the `online` event) or the tab is shown again after a long time: a waiting
   * reconnect happens now, and an open link is probed with a ping and replaced if it stays silent.
   */
  wake(): void {
    if (!this.running) return;
    if (this.socket?.readyState === OPEN) {
      this.probe();
      return;
    }
    if (this.socket || this.handshaking) return; // a handshake is under way
    this.attempt = 0;
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (!this.running || this.socket || this.handshaking) return;
    clearTimeout(this.retryTimer);
    if (!this.options.online()) {
      this.setState('offline');
      // `online` normally wakes us; a slow retry covers a browser whose online flag is wrong.
      this.retryTimer = setTimeout(() => void this.connect(), BACKOFF_CAP_MS);
      return;
    }
    this.setState(this.state === 'stopped' ? 'connecting' : 'retrying');
    this.handshaking = true;
    let token: string | null;
    try {
      if (this.refused) {
        this.refused = false;
        await this.options.checkSession().catch(() => undefined);
      }
      token = await this.options.token().catch(() => null);
    } finally {
      this.handshaking = false;
    }
    if (!this.running || this.socket) return;
    if (!token) {
      this.stop();
      return;
    }
    const separator = this.options.url.includes('?') ? '&' : '?';
    const socket = this.options.create(`${this.options.url}${separator}token=${encodeURIComponent(token)}`);
    this.socket = socket;
    let opened = false;
    this.connectTimer = setTimeout(() => {
      if (!opened && this.socket === socket) this.drop();
    }, CONNECT_TIMEOUT_MS);
    socket.onopen = () => {
      opened = true;
      clearTimeout(this.connectTimer);
      this.lastFrameAt = this.now();
      this.lastTickAt = this.now();
      this.heartbeat = setInterval(() => this.tick(), HEARTBEAT_INTERVAL_MS);
      this.setState('open');
      this.options.onOpen();
    };
    socket.onmessage = (message) => {
      this.lastFrameAt = this.now();
      // A frame is proof the link works: the next failure starts the backoff from the beginning again.
      this.attempt = 0;
      clearTimeout(this.probeTimer);
      const frame = parse(message.data);
      if (frame) this.options.onFrame(frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (!opened) this.refused = true;
      this.retry();
    };
    socket.onerror = () => undefined; // a close follows
  }

  /** Every heartbeat: a ping, and the checks for a dead link and for a machine that slept. */
  private tick() {
    const now = this.now();
    const slept = now - this.lastTickAt > 2 * HEARTBEAT_INTERVAL_MS;
    this.lastTickAt = now;
    if (now - this.lastFrameAt > DEAD_AFTER_MS && !slept) {
      this.drop();
      return;
    }
    if (slept) this.probe();
    else this.send({ action: 'ping' });
  }

  /** Pings and replaces the link unless some frame arrives soon. */
  private probe() {
    clearTimeout(this.probeTimer);
    if (!this.send({ action: 'ping' })) return;
    // Any frame clears this timer (onmessage).
    this.probeTimer = setTimeout(() => this.drop(), PROBE_TIMEOUT_MS);
  }

  /**
   * Gives up the current socket and schedules the next attempt: a dead link, a handshake timeout, the browser
   * going offline (no point waiting for the socket to notice), a server that no longer knows the connection.
   */
  drop(): void {
    if (!this.running) return;
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      detach(socket);
      socket.close(4000, 'Link lost');
    }
    this.retry();
  }

  private retry() {
    this.clearTimers();
    if (!this.running) return;
    if (!this.options.online()) {
      void this.connect(); // reports offline and waits for the network
      return;
    }
    this.setState('retrying');
    const delay = backoffDelay(this.attempt++, this.options.random);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private clearTimers() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
    clearTimeout(this.probeTimer);
    clearInterval(this.heartbeat);
    this.retryTimer = this.connectTimer = this.probeTimer = this.heartbeat = undefined;
  }

  private setState(state: SocketState) {
    if (state === this.state) return;
    this.state = state;
    this.options.onState(state);
  }
}

function detach(socket: SocketLike) {
  socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
}

function parse(data: unknown): ServerFrame | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const frame = JSON.parse(data) as unknown;
    return frame && typeof frame === 'object' && 'type' in frame ? (frame as ServerFrame) : undefined;
  } catch {
    return undefined;
  }
}
