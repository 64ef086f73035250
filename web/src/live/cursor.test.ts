import type { ChangeEvent, ChangesPage } from '../../../shared/schemas/tasks.ts';
import { ApiError } from '../lib/api.ts';
import { advanceCursor, catchUp, SETTLE_MS, startCursor } from './cursor.ts';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const ev = (id: string) => ({ id }) as ChangeEvent;

describe('cursor', () => {
  it('a live event moves the cursor to its time minus the settle window, never back', () => {
    expect(advanceCursor(iso(0), iso(60_000))).toBe(iso(60_000 - SETTLE_MS));
    expect(advanceCursor(iso(60_000), iso(10_000))).toBe(iso(60_000));
  });

  it('starts a settle window before the server time of the first read', () => {
    expect(startCursor(T0)).toBe(iso(-SETTLE_MS));
  });
});

describe('catchUp', () => {
  it('pages while hasMore, applies every event in order, and ends at the last until', async () => {
    const pages: Record<string, ChangesPage> = {
      [iso(0)]: { items: [ev('1'), ev('2')], until: iso(100), hasMore: true },
      [iso(100)]: { items: [ev('2'), ev('3')], until: iso(900), hasMore: false },
    };
    const read = jest.fn(async (since: string) => pages[since]!);
    const applied: string[] = [];
    const result = await catchUp(read, iso(0), (e) => applied.push(e.id));
    expect(result).toEqual({ until: iso(900) });
    expect(read.mock.calls.map(([since]) => since)).toEqual([iso(0), iso(100)]);
    // The gate, not catchUp, drops the repeated '2' (catch-up and live share the apply path).
    expect(applied).toEqual(['1', '2', '2', '3']);
  });

  it('keeps the cursor when the answer ends before it (until = since near the server now)', async () => {
    const result = await catchUp(
      async () => ({ items: [], until: iso(-3000), hasMore: false }),
      iso(0),
      () => {},
    );
    expect(result).toEqual({ until: iso(0) });
  });

  it('asks for a reload when too far behind', async () => {
    const read = async (since: string) => ({
      items: [ev(since)],
      until: iso(Date.parse(since) - T0 + 1),
      hasMore: true,
    });
    expect(await catchUp(read, iso(0), () => {}, 3)).toBe('reload');
  });

  it('asks for a reload when the feed refuses `since` as too old', async () => {
    const tooOld = async (): Promise<ChangesPage> => {
      throw new ApiError(400, 'VALIDATION_ERROR', 'since is more than 30 days ago');
    };
    expect(await catchUp(tooOld, iso(0), () => {})).toBe('reload');
  });

  it('other failures are thrown for the caller to retry (nothing is skipped)', async () => {
    const down = async (): Promise<ChangesPage> => {
      throw new ApiError(0, 'NETWORK_ERROR', 'offline');
    };
    await expect(catchUp(down, iso(0), () => {})).rejects.toThrow('offline');
  });
});
