import * as z from 'zod';

/** A message on the email queue: one email to one person, already rendered. */
export const emailMessageSchema = z.strictObject({
  to: z.email(),
  subject: z.string().min(1).max(200),
  text: z.string().min(1).max(100_000),
  html: z.string().max(200_000).optional(),
  /** Why it is sent (welcome, invitation, assigned, ...): for logs and metrics. */
  kind: z.string().min(1).max(40),
  /** Extra headers (List-Unsubscribe, RFC 8058's List-Unsubscribe-Post). */
  headers: z
    .array(z.strictObject({ name: z.string().min(1).max(100), value: z.string().min(1).max(2000) }))
    .max(10)
    .optional(),
});

/** A message on the email queue that is not yet an email: send this person's pending notification batch. */
export const notificationBatchSchema = z.strictObject({
  kind: z.literal('notification-batch'),
  userId: z.string().min(1).max(100),
});

export type EmailMessage = z.infer<typeof emailMessageSchema>;

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function welcomeEmail(person: { email: string; name: string }, webUrl: string): EmailMessage {
  const text = [
    `Hi ${person.name},`,
    '',
    'Welcome to TeamFlow. Create a workspace, invite your team and start planning:',
    webUrl,
    '',
    `You can change which emails we send you under your profile settings: ${webUrl}/settings`,
  ].join('\n');
  return {
    kind: 'welcome',
    to: person.email,
    subject: 'Welcome to TeamFlow',
    text,
    html: `<p>Hi ${escapeHtml(person.name)},</p><p>Welcome to TeamFlow. Create a workspace, invite your team and start planning:</p><p><a href="${escapeHtml(webUrl)}">${escapeHtml(webUrl)}</a></p><p>You can change which emails we send you under your <a href="${escapeHtml(webUrl)}/settings">profile settings</a>.</p>`,
  };
}
