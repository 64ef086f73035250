import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  DEFAULT_NOTIFICATION_PREFS,
  type NotificationChannel,
  type NotificationPrefs,
} from '#shared/schemas/me';
import type { NotificationKind } from '#shared/schemas/notifications';
import { escapeHtml, type EmailMessage } from './email.ts';
import type { NotificationRecord } from './notifications.ts';

/**
 * Notification emails (issue 13). A notification whose kind the person has on `email` (and whose project they
 * have not muted) joins their pending batch; the first one of a batch queues one delayed message, and when it
 * is delivered the email worker sends everything the batch holds then as ONE email. Each notification carries a
 * conditional "sent" marker for the email channel, claimed before sending: a redelivered message, or a batch
 * that names a notification already mailed, sends nothing again (at most once: a crash between the claim and
 * the send loses that email rather than risking a second one).
 */

/** Where a kind of notification goes for this person (see NOTIFICATION_CHANNELS in shared/schemas/me.ts). */
export function channelOf(
  prefs: NotificationPrefs | null | undefined,
  kind: NotificationKind,
): NotificationChannel {
  const chosen = prefs?.channels?.[kind];
  if (chosen) return chosen;
  const email = { ...DEFAULT_NOTIFICATION_PREFS.email, ...prefs?.email };
  if (kind === 'assigned') return email.assigned ? 'email' : 'inApp';
  if (kind === 'mentioned') return email.mentioned ? 'email' : 'inApp';
  return 'inApp';
}

/** Whether this notification is to be emailed to a person with these preferences. */
export const wantsEmail = (
  prefs: NotificationPrefs | null | undefined,
  notification: Pick<NotificationRecord, 'kind' | 'projectId'>,
) =>
  channelOf(prefs, notification.kind) === 'email' &&
  !(notification.projectId && prefs?.mutedProjects?.[notification.projectId]);

// ---------------------------------------------------------------------------------------------------------
// One-click unsubscribe tokens: `<userId>.<HMAC-SHA256(secret, "unsubscribe:" + userId), base64url>`
// ---------------------------------------------------------------------------------------------------------

const macOf = (userId: string, secret: string) =>
  createHmac('sha256', secret).update(`unsubscribe:${userId}`).digest('base64url');

export const unsubscribeToken = (userId: string, secret: string) => `${userId}.${macOf(userId, secret)}`;

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

export interface Recipient {
  userId: string;
  email: string;
  name: string;
}

/** One email for a batch of notifications: plain text and HTML, with RFC 8058 one-click unsubscribe headers. */
export function notificationEmail(
  person: Recipient,
  notifications: NotificationRecord[],
  urls: { webUrl: string; unsubscribeUrl: string },
): EmailMessage {
  const { webUrl, unsubscribeUrl } = urls;
  const settingsUrl = `${webUrl}/settings`;
  const subject =
    notifications.length === 1
      ? notifications[0]!.title.slice(0, 200)
      : `${notifications.length} updates in TeamFlow`;
  const text = [
    `Hi ${person.name},`,
    '',
    ...notifications.flatMap((n) => [
      `- ${n.title}`,
      ...(n.excerpt ? [`  "${n.excerpt}"`] : []),
      `  ${webUrl}${n.link}`,
    ]),
    '',
    `Choose which emails you get: ${settingsUrl}`,
    `Unsubscribe from these emails: ${unsubscribeUrl}`,
  ].join('\n');
  const items = notifications
    .map(
      (n) =>
        `<li><a href="${escapeHtml(webUrl + n.link)}">${escapeHtml(n.title)}</a>` +
        (n.excerpt ? `<br><q>${escapeHtml(n.excerpt)}</q>` : '') +
        '</li>',
    )
    .join('');
  const html =
    `<p>Hi ${escapeHtml(person.name)},</p><ul>${items}</ul>` +
    `<p><a href="${escapeHtml(settingsUrl)}">Choose which emails you get</a> · ` +
    `<a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe from these emails</a></p>`;
  return {
    kind: 'notifications',
    to: person.email,
    subject,
    text,
    html,
    headers: [
      { name: 'List-Unsubscribe', value: `<${unsubscribeUrl}>` },
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

export interface MailerRepository {
  /** Adds the notification to the person's pending batch; true when the batch has no message queued yet. */
  addPending(userId: string, notificationId: string): Promise<boolean>;
  /** Notes that the batch's message is queued. */
  markQueued(userId: string): Promise<void>;
  /** The ids in the person's pending batch (none: undefined). */
  pending(userId: string): Promise<string[] | undefined>;
  /**
   * Takes these ids out of the batch and deletes it when nothing is left; true when something is left (added
   * meanwhile), which needs a message of its own.
   */
  settle(userId: string, ids: string[]): Promise<boolean>;
  notifications(userId: string, ids: string[]): Promise<NotificationRecord[]>;
  profile(userId: string): Promise<MailProfile | undefined>;
  /** Whether the address bounced or complained (SES events): it is mailed no more. */
  suppressed(email: string): Promise<boolean>;
  /** Claims the email "sent" marker of a notification; false when it was claimed before. */
  claimSent(userId: string, notificationId: string): Promise<boolean>;
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

/** Puts these notifications of one person in their email batch, if their preferences ask for email. */
export async function scheduleEmail(
  deps: Pick<MailerDeps, 'repository' | 'queueBatch'>,
  notifications: NotificationRecord[],
  prefs: NotificationPrefs | null,
): Promise<void> {
  const { repository, queueBatch } = deps;
  for (const notification of notifications) {
    if (!wantsEmail(prefs, notification)) continue;
    if (await repository.addPending(notification.userId, notification.id)) {
      await queueBatch(notification.userId);
      await repository.markQueued(notification.userId);
    }
  }
}

export class NotificationMailer {
  constructor(private readonly deps: MailerDeps) {}

  /** Sends the person's pending batch as one email (what is still wanted and not yet sent). Returns it, if sent. */
  async sendBatch(userId: string): Promise<EmailMessage | undefined> {
    const { repository } = this.deps;
    const ids = await repository.pending(userId);
    if (!ids?.length) return undefined;
    const [profile, notifications] = await Promise.all([
      repository.profile(userId),
      repository.notifications(userId, ids),
    ]);
    let message: EmailMessage | undefined;
    if (profile && !(await repository.suppressed(profile.email))) {
      // Preferences as they are now (a switch turned off within the window counts); read ones need no email.
      const wanted = notifications.filter((n) => !n.readAt && wantsEmail(profile.notificationPrefs, n));
      const claimed: NotificationRecord[] = [];
      for (const n of wanted) if (await repository.claimSent(userId, n.id)) claimed.push(n);
      if (claimed.length) {
        const token = unsubscribeToken(userId, this.deps.secret);
        message = notificationEmail(profile, claimed, {
          webUrl: this.deps.webUrl,
          unsubscribeUrl: `${this.deps.apiUrl}/unsubscribe?token=${encodeURIComponent(token)}`,
        });
        await this.deps.send(message);
      }
    }
    if (await repository.settle(userId, ids)) await this.deps.queueBatch(userId);
    return message;
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
