import type { MailerRepository, NotificationMailer } from './notification-email.ts';
import { DailyIncompleteError } from './reminders.ts';

/**
 * The daily digest (run by the `daily` function after the due-date reminders, so today's "due soon" joins it):
 * everyone whose notifications of some kind are on the `digest` channel gets ONE email a day of what was
 * collected since their last one (functions/domain/notification-email.ts). Idempotent: the day's marker is
 * claimed before sending, so a rerun of the daily job (a retry, a manual run) sends no second digest that day;
 * each notification's "sent" marker keeps it out of any other email.
 */

/** How long the "digest of the day sent" marker is kept (it only has to outlive its day). */
export const DIGEST_MARKER_DAYS = 7;

export interface DigestOutcome {
  /** People with something collected. */
  people: number;
  sent: number;
  /** People whose digest of the day was sent by an earlier run. */
  alreadySent: number;
  failed: number;
}

export class DigestService {
  constructor(
    private readonly repository: Pick<MailerRepository, 'digestPeople'>,
    private readonly mailer: Pick<NotificationMailer, 'sendDigest'>,
    private readonly hasTime: () => boolean = () => true,
  ) {}

  /** The digests of the run at `now` (the schedule's time: a retry works out the same day, the UTC date). */
  async run(now: Date): Promise<DigestOutcome> {
    const outcome: DigestOutcome = { people: 0, sent: 0, alreadySent: 0, failed: 0 };
    const day = now.toISOString().slice(0, 10);
    const expiresAt = Math.floor(now.getTime() / 1000) + DIGEST_MARKER_DAYS * 86_400;
    for await (const userIds of this.repository.digestPeople()) {
      for (const userId of userIds) {
        if (!this.hasTime()) throw new DailyIncompleteError('the daily digests');
        outcome.people++;
        const result = await this.mailer.sendDigest(userId, day, expiresAt);
        if (result === 'sent') outcome.sent++;
        else if (result === 'alreadySent') outcome.alreadySent++;
        else if (result === 'failed') outcome.failed++;
      }
    }
    return outcome;
  }
}
