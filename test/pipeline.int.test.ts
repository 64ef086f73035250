import { mailTo, outputs, signUpUser } from './support.ts';

/**
 * The whole event path on real emulators: Cognito confirmation → trigger writes the profile → DynamoDB stream →
 * enqueue function (filtered) → SQS email queue → email worker → SES v2 → the local mailbox.
 */
describe('event pipeline', () => {
  it('sends a welcome email to a person who signs up', async () => {
    const user = await signUpUser('Grace Hopper');
    const mail = await mailTo(user.email, /Welcome/);
    expect(mail.subject).toBe('Welcome to TeamFlow');
    expect(mail.from).toContain('no-reply@');
    expect(mail.body.text).toContain('Hi Grace Hopper');
    expect(mail.body.text).toContain(outputs().webUrl);
    expect(mail.body.html).toContain('<p>Hi Grace Hopper,</p>');
  }, 70_000);
});
