import { createHmac, timingSafeEqual } from 'node:crypto';
import { channelOf, type NotificationChannel, type NotificationPrefs } from '#shared/schemas/me';
import { NOTIFICATION_KINDS, type NotificationKind } from '#shared/schemas/notifications';
import { escapeHtml, type EmailMessage } from './email.ts';
import type { NotificationRecord } from './notifications.ts';

/**
 * Notification emails (issue 13). A notification whose kind the person has on `email` (and whose project they
 * have not muted) joins their pending batch; the first one of a batch queues one delayed message, and when it
 * is delivered the email worker sends everything the batch holds then as ONE email. A kind on `digest` joins
 * their daily digest instead, which the daily job sends once a day (functions/domain/digest.ts). Each
 * notification carries a conditional "sent" marker for email, claimed before sending: a redelivered message, a
 * rerun of the daily job, or a batch that names a notification already mailed, sends nothing again (at most
 * once: a crash between the claim and the send loses that email rather than risking a second one).
 */

/**
 * Kinds whose `email` channel is an email of their own rather than the batched notification email: the daily
 * due-date email (functions/domain/reminders.ts) and the invitation email (functions/domain/invitations.ts).
 */
const OWN_EMAIL = new Set<NotificationKind>(['dueSoon', 'invitation']);

/** The channels that send email: at once (batched) or in the daily digest. */
const isMailed = (channel: NotificationChannel): channel is 'email' | 'digest' =>
  channel === 'email' || channel === 'digest';

/**
 * How this notification is mailed to a person with these preferences: `email` (soon), `digest` (in the daily
 * digest), or not at all (its kind is in-app or off, or its project is muted).
 */
export function mailChannelOf(
  prefs: NotificationPrefs | null | undefined,
  notification: Pick<NotificationRecord, 'kind' | 'projectId'>,
): 'email' | 'digest' | undefined {
  if (notification.projectId && prefs?.mutedProjects?.[notification.projectId]) return undefined;
  const channel = channelOf(prefs, notification.kind);
  return isMailed(channel) ? channel : undefined;
}

/** Whether this notification goes out in the batched notification email (soon, not in the digest). */
export const wantsEmail = (
  prefs: NotificationPrefs | null | undefined,
  notification: Pick<NotificationRecord, 'kind' | 'projectId'>,
) => mailChannelOf(prefs, notification) === 'email' && !OWN_EMAIL.has(notification.kind);

/** Whether this notification goes out in the daily digest email. */
export const wantsDigest = (
  prefs: NotificationPrefs | null | undefined,
  notification: Pick<NotificationRecord, 'kind' | 'projectId'>,
) => mailChannelOf(prefs, notification) === 'digest';

/** The kinds a person now gets by email (at once or in the digest): what an unsubscribe moves to the bell. */
export const emailedKinds = (prefs: NotificationPrefs | null | undefined): NotificationKind[] =>
  NOTIFICATION_KINDS.filter((kind) => isMailed(channelOf(prefs, kind)));

// ---------------------------------------------------------------------------------------------------------
// One-click unsubscribe tokens: `<userId>.<HMAC-SHA256(secret, "unsubscribe:" + userId), base64url>`
// ---------------------------------------------------------------------------------------------------------

const macOf = (userId: string, secret: string) =>
  createHmac('sha256', secret).update(`unsubscribe:${userId}`).digest('base64url');

export const unsubscribeToken = (userId: string, secret: string) => `${userId}.${macOf(userId, secret)}`;

/**
 * The two unsubscribe addresses of a person's emails: the web app's page (the link in the text and HTML: opening
 * it changes nothing, its button does) and the API's one-click POST (the `List-Unsubscribe` header, RFC 8058).
 */
export function unsubscribeUrls(userId: string, urls: { webUrl: string; apiUrl: string; secret: string }) {
  const query = `?token=${encodeURIComponent(unsubscribeToken(userId, urls.secret))}`;
  return { page: `${urls.webUrl}/unsubscribe${query}`, oneClick: `${urls.apiUrl}/unsubscribe${query}` };
}

/** The user a token unsubscribes, or undefined for a token this secret did not sign. */
export function verifyUnsubscribeToken(token: string, secret: string): string | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const userId = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(macOf(userId, secret));
  return given.length === expected.length && timingSafeEqual(given, expected) ? userId : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The email
// ---------------------------------------------------------------------------------------------------------

/** Notifications listed in one email (a digest may collect more; the rest are summed up in one line). */
export const EMAIL_MAX_ITEMS = 100;

export interface Recipient {
  userId: string;
  email: string;
  name: string;
}

/**
 * One email for a batch of notifications (or the day's digest): plain text and HTML, with RFC 8058 one-click
 * unsubscribe headers. The links in the body lead to the web app's unsubscribe page (opening it changes nothing:
 * a mail scanner that follows links unsubscribes no one); the header's address is the API's one-click POST.
 */
export function notificationEmail(
  person: Recipient,
  notifications: NotificationRecord[],
  urls: { webUrl: string; unsubscribe: { page: string; oneClick: string } },
  digest = false,
): EmailMessage {
  const { webUrl, unsubscribe } = urls;
  const settingsUrl = `${webUrl}/settings`;
  const count = `${notifications.length} ${notifications.length === 1 ? 'update' : 'updates'}`;
  // An email stays readable and well under the queue's message size: the rest are in the bell.
  const shown = notifications.slice(0, EMAIL_MAX_ITEMS);
  const more = notifications.length - shown.length;
  const moreLine = `... and ${more} more in TeamFlow: ${webUrl}`;
  const subject = digest
    ? `Your TeamFlow digest: ${count}`
    : notifications.length === 1
      ? notifications[0]!.title.slice(0, 200)
      : `${count} in TeamFlow`;
  const intro = digest ? 'Here is what happened in TeamFlow since your last digest:' : undefined;
  const text = [
    `Hi ${person.name},`,
    '',
    ...(intro ? [intro, ''] : []),
    ...shown.flatMap((n) => [
      `- ${n.title}`,
      ...(n.excerpt ? [`  "${n.excerpt}"`] : []),
      `  ${webUrl}${n.link}`,
    ]),
    ...(more ? [moreLine] : []),
    '',
    `Choose which emails you get: ${settingsUrl}`,
    `Unsubscribe from these emails: ${unsubscribe.page}`,
  ].join('\n');
  const items = shown
    .map(
      (n) =>
        `<li><a href="${escapeHtml(webUrl + n.link)}">${escapeHtml(n.title)}</a>` +
        (n.excerpt ? `<br><q>${escapeHtml(n.excerpt)}</q>` : '') +
        '</li>',
    )
    .join('');
  const html =
    `<p>Hi ${escapeHtml(person.name)},</p>${intro ? `<p>${escapeHtml(intro)}</p>` : ''}<ul>${items}</ul>` +
    (more ? `<p><a href="${escapeHtml(webUrl)}">${escapeHtml(moreLine)}</a></p>` : '') +
    `<p><a href="${escapeHtml(settingsUrl)}">Choose which emails you get</a> · ` +
    `<a href="${escapeHtml(unsubscribe.page)}">Unsubscribe from these emails</a></p>`;
  return {
    kind: digest ? 'digest' : 'notifications',
    to: person.email,
    subject,
    text,
    html,
    headers: [
      { name: 'List-Unsubscribe', value: `<${unsubscribe.oneClick}>` },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Batching and sending
// ---------------------------------------------------------------------------------------------------------

export interface MailProfile extends Recipient {
  notificationPrefs: NotificationPrefs | null;
}

/** A person's pending notifications: those to mail soon (`email`), those for the daily digest (`digest`). */
export type MailBatch = 'email' | 'digest';

export interface MailerRepository {
  /** Adds the notification to the person's pending batch; true when the batch has no message queued yet. */
  addPending(userId: string, notificationId: string): Promise<boolean>;
  /** Notes that the batch's message is queued. */
  markQueued(userId: string): Promise<void>;
  /** Adds the notification to the person's daily digest (idempotent). */
  addToDigest(userId: string, notificationId: string): Promise<void>;
  /** The people with a digest pending, a page at a time. */
  digestPeople(): AsyncIterable<string[]>;
  /** The ids in the person's pending batch (none: undefined). */
  pending(userId: string, batch: MailBatch): Promise<string[] | undefined>;
  /**
   * Takes these ids out of the batch and deletes it when nothing is left; true when something is left (added
   * meanwhile), which needs a message of its own.
   */
  settle(userId: string, ids: string[], batch: MailBatch): Promise<boolean>;
  notifications(userId: string, ids: string[]): Promise<NotificationRecord[]>;
  profile(userId: string): Promise<MailProfile | undefined>;
  /** Whether the address bounced or complained (SES events): it is mailed no more. */
  suppressed(email: string): Promise<boolean>;
  /** Claims the email "sent" marker of a notification; false when it was claimed before. */
  claimSent(userId: string, notificationId: string): Promise<boolean>;
  /** Gives a "sent" marker back (the email could not be queued). */
  releaseSent(userId: string, notificationId: string): Promise<void>;
  /** Claims the "digest of `day` sent" marker; false when it was claimed before. `expiresAt` in epoch seconds. */
  claimDigestDay(userId: string, day: string, expiresAt: number): Promise<boolean>;
  releaseDigestDay(userId: string, day: string): Promise<void>;
}

export interface MailerDeps {
  repository: MailerRepository;
  /** Queues the batch's message, delivered after the batching window. */
  queueBatch: (userId: string) => Promise<void>;
  send: (message: EmailMessage) => Promise<void>;
  webUrl: string;
  apiUrl: string;
  secret: string;
}

/**
 * Puts these notifications of one person where their preferences send them: the batch mailed soon (its first
 * one queues the batch's delayed message) or the daily digest. Idempotent: a retry schedules again safely.
 */
export async function scheduleEmail(
  deps: Pick<MailerDeps, 'repository' | 'queueBatch'>,
  notifications: NotificationRecord[],
  prefs: NotificationPrefs | null,
): Promise<void> {
  const { repository, queueBatch } = deps;
  for (const notification of notifications) {
    if (wantsDigest(prefs, notification)) {
      await repository.addToDigest(notification.userId, notification.id);
    } else if (wantsEmail(prefs, notification)) {
      if (await repository.addPending(notification.userId, notification.id)) {
        await queueBatch(notification.userId);
        await repository.markQueued(notification.userId);
      }
    }
  }
}

/** What became of one person's pending batch. */
type Sent = { message: EmailMessage } | { message?: undefined; reason: 'nothing' | 'failed' };

export class NotificationMailer {
  constructor(private readonly deps: MailerDeps) {}

  /** Sends the person's pending batch as one email (what is still wanted and not yet sent). Returns it, if sent. */
  async sendBatch(userId: string): Promise<EmailMessage | undefined> {
    const ids = await this.deps.repository.pending(userId, 'email');
    if (!ids?.length) return undefined;
    const sent = await this.mail(userId, ids, 'email');
    if (await this.deps.repository.settle(userId, ids, 'email')) await this.deps.queueBatch(userId);
    return sent.message;
  }

  /**
   * Sends the person's daily digest of `day` (the daily job's `send` puts it on the email queue), once: the
   * day's marker is claimed first, so a rerun of the daily job sends nothing again. A digest that cannot be
   * queued gives its markers back (the rerun sends it). Notifications collected after it wait for the next day.
   */
  async sendDigest(
    userId: string,
    day: string,
    expiresAt: number,
  ): Promise<'sent' | 'nothing' | 'alreadySent' | 'failed'> {
    const { repository } = this.deps;
    if (!(await repository.claimDigestDay(userId, day, expiresAt))) return 'alreadySent';
    const ids = (await repository.pending(userId, 'digest')) ?? [];
    const sent = ids.length ? await this.mail(userId, ids, 'digest') : { reason: 'nothing' as const };
    if ('reason' in sent && sent.reason === 'failed') {
      await repository.releaseDigestDay(userId, day);
      return 'failed';
    }
    if (ids.length) await repository.settle(userId, ids, 'digest');
    return sent.message ? 'sent' : 'nothing';
  }

  /**
   * One email of those of `ids` that are still wanted on this channel (preferences as they are now, unread, not
   * mailed before: each one's "sent" marker is claimed first; a suppressed address gets nothing).
   */
  private async mail(userId: string, ids: string[], batch: MailBatch): Promise<Sent> {
    const { repository } = this.deps;
    const [profile, notifications] = await Promise.all([
      repository.profile(userId),
      repository.notifications(userId, ids),
    ]);
    if (!profile || (await repository.suppressed(profile.email))) return { reason: 'nothing' };
    const wants = batch === 'email' ? wantsEmail : wantsDigest;
    const wanted = notifications.filter((n) => !n.readAt && wants(profile.notificationPrefs, n));
    const claimed: NotificationRecord[] = [];
    for (const n of wanted) if (await repository.claimSent(userId, n.id)) claimed.push(n);
    if (!claimed.length) return { reason: 'nothing' };
    const message = notificationEmail(
      profile,
      claimed,
      { webUrl: this.deps.webUrl, unsubscribe: unsubscribeUrls(userId, this.deps) },
      batch === 'digest',
    );
    try {
      await this.deps.send(message);
    } catch (error) {
      // SES failing may still have sent it: at most once, the markers stay and the redelivery sends nothing.
      if (batch === 'email') throw error;
      // The digest only goes on the email queue: not queued is not sent, so the daily job's rerun sends it.
      for (const n of claimed) await repository.releaseSent(userId, n.id).catch(() => undefined);
      return { reason: 'failed' };
    }
    return { message };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Bounces and complaints (SES events)
// ---------------------------------------------------------------------------------------------------------

/** What SES publishes to EventBridge for a bounce or a complaint (the parts read here). */
export interface SesEventDetail {
  eventType?: string;
  bounce?: { bounceType?: string; bouncedRecipients?: Array<{ emailAddress: string }> };
  complaint?: { complainedRecipients?: Array<{ emailAddress: string }> };
}

/**
 * The addresses an SES event says to stop mailing: every recipient of a complaint, and of a permanent bounce
 * (a transient one, a full mailbox, may clear).
 */
export function addressesToSuppress(detail: SesEventDetail): { addresses: string[]; reason: string } {
  if (detail.eventType === 'Complaint') {
    return {
      addresses: (detail.complaint?.complainedRecipients ?? []).map((r) => r.emailAddress),
      reason: 'complaint',
    };
  }
  if (detail.eventType === 'Bounce' && detail.bounce?.bounceType === 'Permanent') {
    return {
      addresses: (detail.bounce.bouncedRecipients ?? []).map((r) => r.emailAddress),
      reason: 'bounce',
    };
  }
  return { addresses: [], reason: '' };
}
