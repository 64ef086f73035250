import { RESTORE_DAYS } from '#shared/schemas/tasks';
import { DailyIncompleteError } from './reminders.ts';
import { addDays, withinRestoreWindow, type TaskRecord } from './tasks.ts';

/**
 * Daily housekeeping: what nothing else removes.
 *
 * Most short-lived items expire by DynamoDB TTL and need nothing here: invitations and their token and email
 * guards (ttl = expiry), rate-limit counters (2 min), WebSocket connections (2 h), the reminders' "sent"
 * markers (7 days). What has no TTL and outlives its use is a soft-deleted task past its restore window
 * (30 days): the task item, its subtasks, comments and history stay in its partition and in its project's
 * deleted-tasks index for ever. Those are purged here (and unconfirmed uploads past their expiry, below), through the clean-up's own `deleteTasks` (the code a
 * deleted project's tasks go through). Counters need nothing more: deleting the task already gave back its
 * project `taskCount` and its goal share, and its assignment items went with the delete.
 */

/** Past days still looked at, so a run that failed (or did not run) for a while is caught up later. */
export const PURGE_LOOKBACK_DAYS = 14;

/**
 * The deletion days whose tasks are all past the restore window at `now` (UTC days): a task deleted on the
 * day `today - RESTORE_DAYS - 1` was deleted more than RESTORE_DAYS × 24 h ago however late in that day.
 */
export function purgeDays(now: Date): string[] {
  const last = addDays(now.toISOString().slice(0, 10), -(RESTORE_DAYS + 1));
  return Array.from({ length: PURGE_LOOKBACK_DAYS }, (_, i) => addDays(last, i - PURGE_LOOKBACK_DAYS + 1));
}

/** An unconfirmed upload as the expiring-uploads index lists it. */
export interface PendingUpload {
  taskId: string;
  attachmentId: string;
  expiresAt: string;
}

/**
 * The days whose expiring uploads are looked at on `now`: today and the days before it (uploads expire minutes
 * after they start, so "today" holds the most recent ones; the earlier days catch up after failed runs).
 */
export function uploadDays(now: Date): string[] {
  const today = now.toISOString().slice(0, 10);
  return Array.from({ length: PURGE_LOOKBACK_DAYS }, (_, i) => addDays(today, i - PURGE_LOOKBACK_DAYS + 1));
}

/** Persistence of the housekeeping (functions/store/housekeeping-repository.ts). */
export interface HousekeepingRepository {
  /** Pending attachments whose upload expires on `day` (UTC), a page at a time. */
  uploadsExpiringOn(day: string): AsyncIterable<PendingUpload[]>;
  /** Deletes these attachment items if they are still pending (their files follow from the stream). */
  deletePendingUploads(uploads: PendingUpload[]): Promise<void>;
  /** Tasks deleted on `day` (UTC), a page at a time, from the deleted-on-day index. */
  deletedOn(day: string): AsyncIterable<TaskRecord[]>;
  /** Deletes everything stored with these tasks, the tasks last (the clean-up's deleteTasks). */
  deleteTasks(taskIds: string[]): Promise<void>;
}

export interface HousekeepingOutcome {
  purgedTasks: number;
  expiredUploads: number;
}

export class HousekeepingService {
  constructor(
    private readonly repository: HousekeepingRepository,
    private readonly hasTime: () => boolean = () => true,
  ) {}

  async run(now: Date): Promise<HousekeepingOutcome> {
    let purgedTasks = 0;
    for (const day of purgeDays(now)) {
      for await (const page of this.repository.deletedOn(day)) {
        // The index is a copy: only what is still deleted, and past the window, goes.
        const ids = page
          .filter((t) => t.deletedAt && !withinRestoreWindow(t.deletedAt, now))
          .map((t) => t.id);
        if (ids.length === 0) continue;
        if (!this.hasTime()) throw new DailyIncompleteError(`the purge of tasks deleted on ${day}`);
        await this.repository.deleteTasks(ids);
        purgedTasks += ids.length;
      }
    }
    return { purgedTasks, expiredUploads: await this.expireUploads(now) };
  }

  /**
   * Unconfirmed uploads past their expiry. DynamoDB's TTL removes them in the cloud (within days); DynamoDB
   * Local never does, and reads treat them as gone from the instant they expire either way. Removing the item
   * removes its file (functions/stream/cleanup.ts).
   */
  private async expireUploads(now: Date): Promise<number> {
    let expired = 0;
    for (const day of uploadDays(now)) {
      for await (const page of this.repository.uploadsExpiringOn(day)) {
        const due = page.filter((upload) => Date.parse(upload.expiresAt) <= now.getTime());
        if (due.length === 0) continue;
        if (!this.hasTime()) throw new DailyIncompleteError(`the removal of uploads expiring on ${day}`);
        await this.repository.deletePendingUploads(due);
        expired += due.length;
      }
    }
    return expired;
  }
}
