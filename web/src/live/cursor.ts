import type { ChangeEvent, ChangesPage } from '../../../shared/schemas/tasks.ts';
import { ApiError } from '../lib/api.ts';

/**
 * Where a board's catch-up starts: a cursor in SERVER time (never the client's clock; see clock.ts).
 *
 * How gaps are closed: every (re)subscription is followed by `GET /changes?since=<cursor>`, paged while
 * `hasMore`, then the cursor becomes the last answer's `until`. Between catch-ups, each live event moves the
 * cursor to its `at` minus SETTLE_MS: the feed itself ends that far behind the server's clock because a change
 * stamped a moment earlier may still be committing, so an event older than that could still arrive; starting
 * the next catch-up there replays a few seconds at most, and the gate drops what was already applied.
 */
export const SETTLE_MS = 5_000;
/** Events per catch-up call (the feed's maximum). */
export const CATCH_UP_LIMIT = 500;
/** Past this many pages a reload of the board is cheaper than replaying its history. */
export const CATCH_UP_MAX_PAGES = 10;

const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);

/** The cursor after a live event stamped `at`. It never goes back. */
export function advanceCursor(cursor: string, at: string): string {
  return later(cursor, new Date(Date.parse(at) - SETTLE_MS).toISOString());
}

/** A first cursor for a board whose data is being read now (server time `now`, ms). */
export const startCursor = (now: number) => new Date(now - SETTLE_MS).toISOString();

export type CatchUp = { until: string } | 'reload';

/**
 * Reads the change feed from `since` and applies every event in order, page by page. 'reload' when the board
 * is too far behind: more than CATCH_UP_MAX_PAGES pages, or a `since` older than the feed keeps (400 `since`:
 * deleted tasks' events are purged after the restore window). Other failures throw (the caller retries).
 */
export async function catchUp(
  readPage: (since: string) => Promise<ChangesPage>,
  since: string,
  apply: (event: ChangeEvent) => void,
  maxPages = CATCH_UP_MAX_PAGES,
): Promise<CatchUp> {
  let cursor = since;
  for (let page = 0; page < maxPages; page++) {
    let answer: ChangesPage;
    try {
      answer = await readPage(cursor);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'VALIDATION_ERROR') return 'reload';
      throw error;
    }
    for (const event of answer.items) apply(event);
    cursor = later(cursor, answer.until);
    if (!answer.hasMore) return { until: cursor };
  }
  return 'reload';
}
