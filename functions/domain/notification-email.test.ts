import { channelOf, type NotificationPrefs } from '#shared/schemas/me';
import {
  addressesToSuppress,
  EMAIL_MAX_ITEMS,
  emailedKinds,
  mailChannelOf,
  NotificationMailer,
  notificationEmail,
  scheduleEmail,
  unsubscribeToken,
  unsubscribeUrls,
  verifyUnsubscribeToken,
  wantsEmail,
  type MailBatch,
  type MailerRepository,
  type MailProfile,
} from './notification-email.ts';
import type { NotificationRecord } from './notifications.ts';

const prefs = (over: Partial<NotificationPrefs> = {}): NotificationPrefs => ({
  email: { assigned: true, mentioned: false, dueSoon: true, digest: false },
  ...over,
});
const note = (id: string, over: Partial<NotificationRecord> = {}): NotificationRecord => ({
  id,
  userId: 'u1',
  kind: 'assigned',
  workspaceId: 'ws',
  projectId: 'ws.p',
  taskId: 'ws.t',
  actorId: 'u2',
  title: `Ann assigned you to WEB-${id} <b>`,
  excerpt: null,
  link: `/p/WEB/WEB-${id}`,
  createdAt: '2026-03-01T12:00:00.000Z',
  readAt: null,
  ...over,
});

describe('preferences', () => {
  it('takes a chosen channel, else the email switches, else in-app; a muted project is not emailed', () => {
    expect(channelOf(prefs(), 'assigned')).toBe('email');
    expect(channelOf(prefs(), 'mentioned')).toBe('inApp');
    expect(channelOf(prefs(), 'commented')).toBe('inApp');
    expect(channelOf(prefs({ channels: { mentioned: 'email', assigned: 'off' } }), 'assigned')).toBe('off');
    expect(channelOf(null, 'mentioned')).toBe('email');
    expect(wantsEmail(prefs({ mutedProjects: { 'ws.p': true } }), note('1'))).toBe(false);
    expect(wantsEmail(prefs(), note('1'))).toBe(true);
  });

  it('gives the new kinds their defaults: due soon follows its switch, invitations are emailed', () => {
    expect(channelOf(prefs(), 'dueSoon')).toBe('email');
    expect(channelOf(prefs({ email: { ...prefs().email, dueSoon: false } }), 'dueSoon')).toBe('inApp');
    expect(channelOf(prefs(), 'invitation')).toBe('email');
    expect(channelOf(prefs(), 'jobFinished')).toBe('inApp');
  });

  it('sends emailed kinds to the digest when the digest switch is on; a chosen channel still wins', () => {
    const daily = prefs({ email: { assigned: true, mentioned: true, dueSoon: true, digest: true } });
    expect(channelOf(daily, 'assigned')).toBe('digest');
    expect(channelOf(daily, 'dueSoon')).toBe('digest');
    expect(channelOf(daily, 'invitation')).toBe('email');
    expect(channelOf({ ...daily, channels: { assigned: 'email' } }, 'assigned')).toBe('email');
    expect(mailChannelOf(daily, note('1'))).toBe('digest');
    expect(mailChannelOf({ ...daily, mutedProjects: { 'ws.p': true } }, note('1'))).toBeUndefined();
    // The batched email never carries the kinds that have an email of their own.
    expect(wantsEmail(prefs(), note('1', { kind: 'dueSoon' }))).toBe(false);
    expect(wantsEmail(prefs(), note('1', { kind: 'invitation' }))).toBe(false);
  });

  it('lists the kinds an unsubscribe would move to the bell (email and digest alike)', () => {
    expect(emailedKinds(prefs())).toEqual(['assigned', 'dueSoon', 'invitation']);
    expect(
      emailedKinds(
        prefs({ channels: { assigned: 'inApp', commented: 'digest', dueSoon: 'off', invitation: 'inApp' } }),
      ),
    ).toEqual(['commented']);
  });
});

describe('unsubscribe tokens', () => {
  it('verifies its own and refuses a forged or foreign one', () => {
    const token = unsubscribeToken('user.1', 's3cret');
    expect(verifyUnsubscribeToken(token, 's3cret')).toBe('user.1');
    expect(verifyUnsubscribeToken(token, 'other')).toBeUndefined();
    expect(verifyUnsubscribeToken(token.replace('user.1', 'user.2'), 's3cret')).toBeUndefined();
    expect(verifyUnsubscribeToken('nodot', 's3cret')).toBeUndefined();
  });

  it('makes the web page link for the body and the API one-click address for the header', () => {
    const urls = unsubscribeUrls('user.1', { webUrl: 'https://app', apiUrl: 'https://app/api', secret: 's' });
    const token = encodeURIComponent(unsubscribeToken('user.1', 's'));
    expect(urls).toEqual({
      page: `https://app/unsubscribe?token=${token}`,
      oneClick: `https://app/api/unsubscribe?token=${token}`,
    });
  });
});

describe('the email', () => {
  it('has both parts, escaped HTML, every link, and the RFC 8058 headers', () => {
    const mail = notificationEmail({ userId: 'u1', email: 'a@x.io', name: 'Ann' }, [note('1'), note('2')], {
      webUrl: 'https://app',
      unsubscribe: {
        page: 'https://app/unsubscribe?token=t',
        oneClick: 'https://app/api/unsubscribe?token=t',
      },
    });
    expect(mail.subject).toBe('2 updates in TeamFlow');
    expect(mail.text).toContain('https://app/p/WEB/WEB-1');
    expect(mail.text).toContain('https://app/p/WEB/WEB-2');
    expect(mail.html).toContain('&lt;b&gt;');
    // The body's links open the web page (GET changes nothing); only the header's one-click address POSTs.
    expect(mail.text).toContain('Unsubscribe from these emails: https://app/unsubscribe?token=t');
    expect(mail.html).toContain('href="https://app/unsubscribe?token=t"');
    expect(mail.text).not.toContain('/api/unsubscribe');
    expect(mail.html).not.toContain('/api/unsubscribe');
    expect(mail.headers).toEqual([
      { name: 'List-Unsubscribe', value: '<https://app/api/unsubscribe?token=t>' },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    ]);
  });

  it('titles the digest as one', () => {
    const mail = notificationEmail(
      { userId: 'u1', email: 'a@x.io', name: 'Ann' },
      [note('1')],
      { webUrl: 'https://app', unsubscribe: { page: 'p', oneClick: 'o' } },
      true,
    );
    expect(mail.subject).toBe('Your TeamFlow digest: 1 update');
    expect(mail.kind).toBe('digest');
  });

  it('lists at most EMAIL_MAX_ITEMS and sums up the rest', () => {
    const many = Array.from({ length: EMAIL_MAX_ITEMS + 5 }, (_, i) => note(String(i + 1)));
    const mail = notificationEmail(
      { userId: 'u1', email: 'a@x.io', name: 'Ann' },
      many,
      { webUrl: 'https://app', unsubscribe: { page: 'p', oneClick: 'o' } },
      true,
    );
    expect(mail.subject).toBe(`Your TeamFlow digest: ${EMAIL_MAX_ITEMS + 5} updates`);
    expect(mail.text).toContain(`/p/WEB/WEB-${EMAIL_MAX_ITEMS}\n`);
    expect(mail.text).not.toContain(`/p/WEB/WEB-${EMAIL_MAX_ITEMS + 1}`);
    expect(mail.text).toContain('... and 5 more in TeamFlow: https://app');
    expect(mail.html).toContain('... and 5 more in TeamFlow');
  });
});

class FakeMail implements MailerRepository {
  batches: Record<MailBatch, Set<string> | undefined> = { email: undefined, digest: undefined };
  queued = false;
  sent = new Set<string>();
  days = new Set<string>();
  constructor(
    readonly stored: NotificationRecord[],
    readonly person: MailProfile,
  ) {}
  get batch() {
    return this.batches.email;
  }
  async addPending(_userId: string, id: string) {
    (this.batches.email ??= new Set()).add(id);
    return !this.queued;
  }
  async markQueued() {
    if (this.batches.email) this.queued = true;
  }
  async addToDigest(_userId: string, id: string) {
    (this.batches.digest ??= new Set()).add(id);
  }
  async *digestPeople() {
    if (this.batches.digest) yield [this.person.userId];
  }
  async pending(_userId: string, batch: MailBatch) {
    const ids = this.batches[batch];
    return ids ? [...ids] : undefined;
  }
  async settle(_userId: string, ids: string[], batch: MailBatch) {
    for (const id of ids) this.batches[batch]?.delete(id);
    if (this.batches[batch]?.size) return true;
    this.batches[batch] = undefined;
    if (batch === 'email') this.queued = false;
    return false;
  }
  async notifications(_userId: string, ids: string[]) {
    return this.stored.filter((n) => ids.includes(n.id));
  }
  async profile() {
    return this.person;
  }
  async suppressed() {
    return false;
  }
  async claimSent(_userId: string, id: string) {
    if (this.sent.has(id)) return false;
    this.sent.add(id);
    return true;
  }
  async releaseSent(_userId: string, id: string) {
    this.sent.delete(id);
  }
  async claimDigestDay(userId: string, day: string) {
    if (this.days.has(`${userId}|${day}`)) return false;
    this.days.add(`${userId}|${day}`);
    return true;
  }
  async releaseDigestDay(userId: string, day: string) {
    this.days.delete(`${userId}|${day}`);
  }
}

describe('NotificationMailer', () => {
  it('queues one message per batch and sends each notification once however often it is delivered', async () => {
    const stored = [note('1'), note('2'), note('3', { kind: 'commented' })];
    const repository = new FakeMail(stored, {
      userId: 'u1',
      email: 'a@x.io',
      name: 'Ann',
      notificationPrefs: prefs(),
    });
    const queued: string[] = [];
    const sent: string[] = [];
    const deps = {
      repository,
      queueBatch: async (userId: string) => void queued.push(userId),
      send: async (m: { subject: string }) => void sent.push(m.subject),
      webUrl: 'https://app',
      apiUrl: 'https://app/api',
      secret: 's',
    };
    await scheduleEmail(deps, stored, prefs());
    expect(queued).toEqual(['u1']);
    expect(repository.batch).toEqual(new Set(['1', '2']));
    const mailer = new NotificationMailer(deps);
    await mailer.sendBatch('u1');
    await mailer.sendBatch('u1');
    expect(sent).toEqual(['2 updates in TeamFlow']);
    // The same ids scheduled again (a retried stream record) are never mailed twice.
    await scheduleEmail(deps, stored, prefs());
    await mailer.sendBatch('u1');
    expect(sent).toHaveLength(1);
  });

  it('collects digest kinds for the day and sends them once a day, never twice on a rerun', async () => {
    const daily = prefs({ channels: { assigned: 'digest', commented: 'digest' } });
    const stored = [note('1'), note('2', { kind: 'commented' }), note('3', { kind: 'mentioned' })];
    const person = { userId: 'u1', email: 'a@x.io', name: 'Ann', notificationPrefs: daily };
    const repository = new FakeMail(stored, person);
    const sent: Array<{ subject: string; text: string }> = [];
    let down = false;
    const deps = {
      repository,
      queueBatch: async () => undefined,
      send: async (m: { subject: string; text: string }) => {
        if (down) throw new Error('queue down');
        sent.push(m);
      },
      webUrl: 'https://app',
      apiUrl: 'https://app/api',
      secret: 's',
    };
    await scheduleEmail(deps, stored, daily);
    // Nothing goes out at once: the digest kinds wait for the day's run; mentions are in-app only here.
    expect(repository.batches).toEqual({ email: undefined, digest: new Set(['1', '2']) });
    const mailer = new NotificationMailer(deps);
    down = true;
    expect(await mailer.sendDigest('u1', '2026-03-01', 0)).toBe('failed');
    expect(repository.sent.size).toBe(0);
    down = false;
    expect(await mailer.sendDigest('u1', '2026-03-01', 0)).toBe('sent');
    expect(await mailer.sendDigest('u1', '2026-03-01', 0)).toBe('alreadySent');
    expect(sent.map((m) => m.subject)).toEqual(['Your TeamFlow digest: 2 updates']);
    expect(sent[0]!.text).toContain('https://app/p/WEB/WEB-1');
    expect(sent[0]!.text).toContain('https://app/p/WEB/WEB-2');
    expect(repository.batches.digest).toBeUndefined();
    // The same ids collected again (a rerun) are never mailed again the next day.
    await scheduleEmail(deps, stored, daily);
    expect(await mailer.sendDigest('u1', '2026-03-02', 0)).toBe('nothing');
    expect(sent).toHaveLength(1);
  });
});

describe('SES events', () => {
  it('suppresses complaints and permanent bounces only', () => {
    const bounced = (bounceType: string) =>
      addressesToSuppress({
        eventType: 'Bounce',
        bounce: { bounceType, bouncedRecipients: [{ emailAddress: 'a@x.io' }] },
      });
    expect(bounced('Permanent')).toEqual({ addresses: ['a@x.io'], reason: 'bounce' });
    expect(bounced('Transient').addresses).toEqual([]);
    expect(
      addressesToSuppress({
        eventType: 'Complaint',
        complaint: { complainedRecipients: [{ emailAddress: 'b@x.io' }] },
      }),
    ).toEqual({ addresses: ['b@x.io'], reason: 'complaint' });
  });
});
