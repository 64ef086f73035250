import type { ChangeEvent } from '../../../shared/schemas/tasks.ts';

/**
 * "Apply each event at most once, never undo a newer state": the rules, in one place, with no cache or network
 * in sight (gate.test.ts). One gate per signed-in tab; the live client and the app's own writes both report to it.
 *
 * - **By event id.** The same event comes twice across catch-up calls (`since` is inclusive and the feed ends 5 s
 *   behind the server's clock) and live-then-caught-up after a reconnect. The last `SEEN_MAX` ids are kept: a
 *   replay never reaches further back than a few seconds before the last event, so that is plenty, and an event
 *   evicted from it is still caught by its version.
 * - **By entity version.** An event whose `version` is not above the one known (from an earlier event, from the
 *   tab's own write, or from the cache) is stale: a replay or an echo of the tab's own change.
 * - **Deletions** carry no version (their `data` is null), so a deletion leaves a tombstone stamped with its
 *   `at`: an older event of that entity replayed later does not bring it back; a newer one (a restore, which
 *   has a version) does.
 * - **Counters** (`commentCount`, `subtaskCount`, `subtasksDone`) are changed by comment and subtask events, which
 *   leave the task's version alone, so versions cannot guard them. A task's counters are "as of" a server time:
 *   the read that brought them (`countersRead`) or the task event whose data they came from. A child event older
 *   than that is already in them; and a task event's counters replace the cache's only when no newer child event
 *   was counted since (events of different items may arrive out of order).
 */
export const SEEN_MAX = 5000;

export type Admission = 'apply' | 'duplicate' | 'stale';

type GateEvent = Pick<ChangeEvent, 'id' | 'entityId' | 'action' | 'version' | 'at'>;

interface Mark {
  version: number;
  /** Server time (ms) of a deletion seen without a version: events up to then are stale. */
  deletedAt?: number;
}

interface Counters {
  /** Server time of the last absolute value (a read, or a task event's data). */
  basis: number;
  /** The newest change counted in: the basis or a later child event. */
  latest: number;
}

export class EventGate {
  private readonly seen = new Set<string>();
  private readonly marks = new Map<string, Mark>();
  private readonly counters = new Map<string, Counters>();

  constructor(private readonly seenMax = SEEN_MAX) {}

  /**
   * Whether to apply `event`. `cachedVersion` is the entity's version in the cache, if any (what the tab's own
   * writes and reads left there). Admitting an event records it: asking twice answers 'duplicate'.
   */
  admit(event: GateEvent, cachedVersion = 0): Admission {
    if (this.seen.has(event.id)) return 'duplicate';
    this.remember(event.id);
    const at = Date.parse(event.at);
    const mark = this.marks.get(event.entityId);
    if (mark?.deletedAt !== undefined && at <= mark.deletedAt) return 'stale';
    const known = Math.max(mark?.version ?? 0, cachedVersion);
    if (event.version !== undefined) {
      if (event.version <= known) return 'stale';
      this.marks.set(event.entityId, { version: event.version });
      return 'apply';
    }
    if (event.action === 'deleted') this.marks.set(event.entityId, { version: known, deletedAt: at });
    return 'apply';
  }

  /**
   * The tab's own write answered with `version` of `entityId` (its echo must not be applied again). False when
   * that version (or a newer one) was already known, e.g. the echo came before the answer.
   */
  note(entityId: string, version: number): boolean {
    const mark = this.marks.get(entityId);
    if (mark && mark.version >= version) return false;
    this.marks.set(entityId, { version });
    return true;
  }

  /** The version known for an entity (0: none). */
  versionOf(entityId: string): number {
    return this.marks.get(entityId)?.version ?? 0;
  }

  /** The task's counters were read from the server at server time `at` (ms): they hold every change before. */
  countersRead(taskId: string, at: number): void {
    this.counters.set(taskId, { basis: at, latest: at });
  }

  /**
   * A task event at server time `at` carries counters: whether they should replace the cache's (false when a
   * child change newer than the event was already counted). Taking them moves the basis to `at`.
   */
  takeEventCounters(taskId: string, at: number): boolean {
    const counters = this.counters.get(taskId);
    if (counters && at < counters.latest) return false;
    this.counters.set(taskId, { basis: at, latest: at });
    return true;
  }

  /** Whether a child change (comment, subtask) at server time `at` is not yet in the task's counters. */
  countChild(taskId: string, at: number): boolean {
    const counters = this.counters.get(taskId) ?? { basis: -Infinity, latest: -Infinity };
    if (at < counters.basis) return false;
    counters.latest = Math.max(counters.latest, at);
    this.counters.set(taskId, counters);
    return true;
  }

  /** Forgets everything (another person signed in). */
  clear(): void {
    this.seen.clear();
    this.marks.clear();
    this.counters.clear();
  }

  private remember(id: string) {
    this.seen.add(id);
    if (this.seen.size > this.seenMax) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
