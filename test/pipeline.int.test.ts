import { eventually, outputs, signUpUser } from './support.ts';

/** What the SES emulator keeps of a sent email (`GET <mailUrl>/store`). */
interface StoredMail {
  from: string;
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
}

/**
 * The whole event path on real emulators: Cognito confirmation → trigger writes the profile → DynamoDB stream →
 * enqueue function (filtered) → SQS email queue → email worker → SES v2 → the local mailbox.
 */
describe('event pipeline', () => {
  it('sends a welcome email to a person who signs up', async () => {
    const user = await signUpUser('Grace Hopper');
    const mail = await eventually(async () => {
      const res = await fetch(`${outputs().mailUrl}/store`);
      const { emails } = (await res.json()) as { emails: StoredMail[] };
      return emails.find((m) => m.destination.to.includes(user.email));
    }, 20_000);
    expect(mail.subject).toBe('Welcome to TeamFlow');
    expect(mail.from).toContain('no-reply@');
    expect(mail.body.text).toContain('Hi Grace Hopper');
    expect(mail.body.text).toContain(outputs().webUrl);
    expect(mail.body.html).toContain('<p>Hi Grace Hopper,</p>');
  });
});
