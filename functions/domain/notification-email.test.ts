import type { NotificationPrefs } from '#shared/schemas/me';
import {
  addressesToSuppress,
  channelOf,
  NotificationMailer,
  notificationEmail,
  scheduleEmail,
  unsubscribeToken,
  verifyUnsubscribeToken,
  wantsEmail,
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
});

describe('unsubscribe tokens', () => {
  it('verifies its own and refuses a forged or foreign one', () => {
    const token = unsubscribeToken('user.1', 's3cret');
    expect(verifyUnsubscribeToken(token, 's3cret')).toBe('user.1');
    expect(verifyUnsubscribeToken(token, 'other')).toBeUndefined();
    expect(verifyUnsubscribeToken(token.replace('user.1', 'user.2'), 's3cret')).toBeUndefined();
    expect(verifyUnsubscribeToken('nodot', 's3cret')).toBeUndefined();
  });
});

describe('the email', () => {
  it('has both parts, escaped HTML, every link, and the RFC 8058 headers', () => {
    const mail = notificationEmail({ userId: 'u1', email: 'a@x.io', name: 'Ann' }, [note('1'), note('2')], {
      webUrl: 'https://app',
      unsubscribeUrl: 'https://app/api/unsubscribe?token=t',
    });
    expect(mail.subject).toBe('2 updates in TeamFlow');
    expect(mail.text).toContain('https://app/p/WEB/WEB-1');
    expect(mail.text).toContain('https://app/p/WEB/WEB-2');
    expect(mail.html).toContain('&lt;b&gt;');
    expect(mail.headers).toEqual([
      { name: 'List-Unsubscribe', value: '<https://app/api/unsubscribe?token=t>' },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    ]);
  });
});

class FakeMail implements MailerRepository {
  batch: Set<string> | undefined;
  queued = false;
  sent = new Set<string>();
  constructor(
    readonly stored: NotificationRecord[],
    readonly person: MailProfile,
  ) {}
  async addPending(_userId: string, id: string) {
    this.batch ??= new Set();
    this.batch.add(id);
    return !this.queued;
  }
  async markQueued() {
    if (this.batch) this.queued = true;
  }
  async pending() {
    return this.batch ? [...this.batch] : undefined;
  }
  async settle(_userId: string, ids: string[]) {
    for (const id of ids) this.batch?.delete(id);
    if (this.batch?.size) return true;
    this.batch = undefined;
    this.queued = false;
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
