import {
  HousekeepingService,
  PURGE_LOOKBACK_DAYS,
  purgeDays,
  type HousekeepingRepository,
} from './housekeeping.ts';
import type { TaskRecord } from './tasks.ts';
import { WS, idIn, taskRecord } from './test-fixtures.ts';

describe('purge days', () => {
  test('the newest day purged is 31 days back: every task deleted then is past the 30-day window', () => {
    const days = purgeDays(new Date('2026-05-31T00:00:01Z'));
    expect(days).toHaveLength(PURGE_LOOKBACK_DAYS);
    expect(days.at(-1)).toBe('2026-04-30');
    expect(days[0]).toBe('2026-04-17');
  });
});

class MemoryHousekeeping implements HousekeepingRepository {
  deleted: string[] = [];
  constructor(private readonly byDay: Map<string, TaskRecord[]>) {}
  async *deletedOn(day: string) {
    const tasks = this.byDay.get(day);
    if (tasks) yield tasks;
  }
  async deleteTasks(ids: string[]) {
    this.deleted.push(...ids);
  }
}

describe('the housekeeping run', () => {
  test('purges deleted tasks past the restore window, never one that is still restorable or live', async () => {
    const now = new Date('2026-05-31T16:00:00Z');
    const old = taskRecord({ id: idIn(WS, 1), deletedAt: '2026-04-30T23:59:59.000Z' });
    const older = taskRecord({ id: idIn(WS, 2), deletedAt: '2026-04-20T08:00:00.000Z' });
    // The index is a copy: an entry whose task is live again (or restorable) is left alone.
    const restored = taskRecord({ id: idIn(WS, 3), deletedAt: null });
    const recent = taskRecord({ id: idIn(WS, 4), deletedAt: '2026-05-02T00:00:00.000Z' });
    const repository = new MemoryHousekeeping(
      new Map([
        ['2026-04-30', [old, restored]],
        ['2026-04-20', [older]],
        ['2026-05-02', [recent]],
      ]),
    );
    expect(await new HousekeepingService(repository).run(now)).toEqual({ purgedTasks: 2 });
    expect(repository.deleted.sort()).toEqual([old.id, older.id].sort());
  });

  test('out of time: fails before deleting more', async () => {
    const old = taskRecord({ id: idIn(WS, 1), deletedAt: '2026-04-30T10:00:00.000Z' });
    const repository = new MemoryHousekeeping(new Map([['2026-04-30', [old]]]));
    await expect(
      new HousekeepingService(repository, () => false).run(new Date('2026-05-31T16:00:00Z')),
    ).rejects.toThrow('Out of time');
    expect(repository.deleted).toEqual([]);
  });
});
