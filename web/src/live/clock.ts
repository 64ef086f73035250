/**
 * The server's clock as this tab sees it. The change feed's cursor is server time, and a laptop's clock can be
 * minutes off (or set by hand), so the client never uses its own `Date.now()` for a cursor.
 *
 * Every API answer carries a `Date` header (whole seconds). An answer sent at client time `sent`, received at
 * `received`, saying `D` was made at server time in [D, D + 1 s) and at client time in [sent, received], so
 * offset = server − client lies in [D − received, D + 1000 − sent]. Intersecting those bounds over a few answers
 * narrows the offset to about one round trip. A bound that contradicts the others means the client's clock was
 * changed: the estimate starts again from that answer.
 */
export class ServerClock {
  private low = -Infinity;
  private high = Infinity;

  /** Learns from one answer's `Date` header. */
  observe(dateHeader: string | null | undefined, sent: number, received: number): void {
    const date = dateHeader ? Date.parse(dateHeader) : NaN;
    if (!Number.isFinite(date) || received < sent) return;
    this.narrow(date - received, date + 1000 - sent);
  }

  /** Learns from a server timestamp (an event's `at`): it was stamped before it was received. */
  observeStamp(at: string, received: number): void {
    const stamp = Date.parse(at);
    if (Number.isFinite(stamp)) this.narrow(stamp - received, Infinity);
  }

  private narrow(low: number, high: number) {
    if (low > this.high || high < this.low) {
      this.low = low;
      this.high = high;
      return;
    }
    this.low = Math.max(this.low, low);
    this.high = Math.min(this.high, high);
  }

  /** Server time minus client time, in ms (0 until anything was observed). */
  offset(): number {
    if (this.low === -Infinity && this.high === Infinity) return 0;
    if (this.low === -Infinity) return this.high;
    if (this.high === Infinity) return this.low;
    return (this.low + this.high) / 2;
  }

  /** The server's time now, in ms since the epoch. */
  now(clientNow = Date.now()): number {
    return clientNow + this.offset();
  }
}

/** The tab's one server clock: api.ts feeds it every answer's `Date` header. */
export const serverClock = new ServerClock();
