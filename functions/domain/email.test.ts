import { emailMessageSchema, welcomeEmail } from './email.ts';

describe('welcomeEmail', () => {
  it('is a valid email-queue message addressed to the person', () => {
    const message = welcomeEmail({ email: 'ada@example.com', name: 'Ada' }, 'https://app.example.com');
    expect(emailMessageSchema.parse(message)).toEqual(message);
    expect(message.to).toBe('ada@example.com');
    expect(message.text).toContain('https://app.example.com');
  });

  it('escapes the name in the HTML part', () => {
    const message = welcomeEmail(
      { email: 'x@example.com', name: '<img src=x onerror=alert(1)>' },
      'https://a.b',
    );
    expect(message.html).not.toContain('<img');
    expect(message.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
