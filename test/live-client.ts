/**
 * A WebSocket client of the live board for tests and benchmarks: connects with an ID token, keeps every frame it
 * receives (with the time it arrived), and waits for frames that match.
 */
import WebSocket from 'ws';
import type { ClientFrame, ServerFrame } from '../shared/schemas/websocket.ts';

export type Frame = ServerFrame & Record<string, unknown>;

export interface ReceivedFrame {
  frame: Frame;
  receivedAt: number;
}

export class LiveClient {
  readonly received: ReceivedFrame[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.received.push({ frame: JSON.parse(data.toString()) as Frame, receivedAt: performance.now() });
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('close', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Opens a connection; rejects with `refused: <status>` when `$connect` refuses it. */
  static connect(wsUrl: string, token?: string): Promise<LiveClient> {
    const socket = new WebSocket(token ? `${wsUrl}?token=${encodeURIComponent(token)}` : wsUrl);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new LiveClient(socket)));
      socket.once('unexpected-response', (_, res) => reject(new Error(`refused: ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  get frames(): Frame[] {
    return this.received.map((r) => r.frame);
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(frame: ClientFrame | Record<string, unknown> | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame (from `from` on) that matches, waiting up to `timeoutMs` for it. */
  async waitFor(match: (frame: Frame) => boolean, timeoutMs = 5000, from = 0): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || !this.open) {
        throw new Error(
          `no matching frame within ${timeoutMs} ms (${this.open ? 'open' : 'closed'}); got ${JSON.stringify(this.frames.slice(-5))}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Subscribes and waits for the answer (`subscribed`, or the error frame). */
  async subscribe(projectId: string, timeoutMs = 5000): Promise<Frame> {
    const from = this.received.length;
    this.send({ action: 'subscribe', projectId });
    return this.waitFor(
      (f) => (f.type === 'subscribed' || f.type === 'error') && f.projectId === projectId,
      timeoutMs,
      from,
    );
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.close();
    return closed;
  }

  /** Drops the connection without a closing handshake, as a lost network does. */
  kill(): void {
    this.socket.terminate();
  }
}

/** Whether a frame is a change event of `type` about `entityId`. */
export const isEvent = (type: string, entityId?: string) => (frame: Frame) =>
  frame.type === type && (entityId === undefined || frame.entityId === entityId);
