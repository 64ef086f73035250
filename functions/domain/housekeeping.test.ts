import {
  HousekeepingService,
  PURGE_LOOKBACK_DAYS,
  purgeDays,
  type HousekeepingRepository,
  type PendingUpload,
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
  expired: string[] = [];
  constructor(
    private readonly byDay: Map<string, TaskRecord[]>,
    private readonly uploads = new Map<string, PendingUpload[]>(),
  ) {}
  async *uploadsExpiringOn(day: string) {
    const uploads = this.uploads.get(day);
    if (uploads) yield uploads;
  }
  async deletePendingUploads(uploads: PendingUpload[]) {
    this.expired.push(...uploads.map((u) => u.attachmentId));
  }
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
    expect(await new HousekeepingService(repository).run(now)).toEqual({ purgedTasks: 2, expiredUploads: 0 });
    expect(repository.deleted.sort()).toEqual([old.id, older.id].sort());
  });

  test('removes unconfirmed uploads past their expiry (today and the days before), not those still running', async () => {
    const now = new Date('2026-05-31T16:00:00Z');
    const upload = (attachmentId: string, expiresAt: string) => ({
      taskId: idIn(WS, 9),
      attachmentId,
      expiresAt,
    });
    const repository = new MemoryHousekeeping(
      new Map(),
      new Map([
        [
          '2026-05-31',
          [
            upload('today-expired', '2026-05-31T15:59:00.000Z'),
            upload('running', '2026-05-31T16:05:00.000Z'),
          ],
        ],
        ['2026-05-20', [upload('missed-run', '2026-05-20T09:00:00.000Z')]],
      ]),
    );
    expect(await new HousekeepingService(repository).run(now)).toEqual({ purgedTasks: 0, expiredUploads: 2 });
    expect(repository.expired.sort()).toEqual(['missed-run', 'today-expired']);
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
