import type { NotificationPrefs } from '#shared/schemas/me';
import type { EmailMessage } from './email.ts';
import {
  InvitationService,
  type InvitationNotices,
  type InvitationRecord,
  type InvitationRepository,
} from './invitations.ts';
import type { NotificationRecord } from './notifications.ts';
import type { WorkspaceService } from './workspaces.ts';

/** The invitation's in-app side: who gets a notification, and whether the invitation email still goes. */

const OWNER = { userId: 'owner-1', email: 'olga@example.com' };
const EMAIL = { assigned: true, mentioned: true, dueSoon: true, digest: false };

class MemoryInvitations implements Partial<InvitationRepository> {
  stored = new Map<string, InvitationRecord>();
  async create(invitation: InvitationRecord) {
    this.stored.set(invitation.id, invitation);
    return true;
  }
  async revoke(invitation: InvitationRecord) {
    this.stored.delete(invitation.id);
  }
  async isMemberEmail() {
    return false;
  }
  async byTokenHash(hash: string) {
    return [...this.stored.values()].find((i) => i.tokenHash === hash);
  }
  async accept(invitation: InvitationRecord, member: { userId: string }) {
    return {
      ok: { workspaceId: invitation.workspaceId, role: invitation.role, userId: member.userId },
    } as never;
  }
}

class MemoryNotices implements InvitationNotices {
  notes: NotificationRecord[] = [];
  digest: string[] = [];
  read: string[] = [];
  constructor(private readonly people: Array<{ userId: string; prefs: NotificationPrefs | null }>) {}
  async accounts() {
    return this.people;
  }
  async putIfAbsent(record: NotificationRecord) {
    this.notes.push(record);
    return true;
  }
  async schedule(records: NotificationRecord[], prefs: NotificationPrefs | null) {
    for (const r of records) if (prefs?.channels?.invitation === 'digest') this.digest.push(r.id);
  }
  async markRead(userId: string, ids: string[]) {
    this.read.push(...ids.map((id) => `${userId}|${id}`));
  }
}

function setUp(people: Array<{ userId: string; prefs: NotificationPrefs | null }>, failMail = false) {
  const repository = new MemoryInvitations();
  const notices = new MemoryNotices(people);
  const mails: EmailMessage[] = [];
  const workspaces = {
    authorize: async () => ({ workspace: { id: 'ws1', name: 'Acme' }, membership: { role: 'owner' } }),
  } as unknown as WorkspaceService;
  const service = new InvitationService(
    repository as unknown as InvitationRepository,
    workspaces,
    async (m) => {
      if (failMail) throw new Error('queue down');
      mails.push(m);
    },
    async () => new Map([[OWNER.userId, 'Olga Owner']]),
    () => 'https://app',
    notices,
    () => new Date('2026-03-01T12:00:00Z'),
  );
  return { service, repository, notices, mails };
}

const tokenOf = (mail: EmailMessage) => /\/invitations\/([\w-]{43})/.exec(mail.text)![1]!;

describe('an invitation', () => {
  it('to an address without an account: the email only', async () => {
    const { service, notices, mails } = setUp([]);
    await service.invite(OWNER, 'ws1', 'new@example.com', 'member');
    expect(mails).toHaveLength(1);
    expect(notices.notes).toEqual([]);
  });

  it('to an account: a notification linking to the accept page, and the email; accepting reads it', async () => {
    const { service, notices, mails } = setUp([{ userId: 'ivy', prefs: null }]);
    await service.invite(OWNER, 'ws1', 'ivy@example.com', 'admin');
    expect(mails).toHaveLength(1);
    const token = tokenOf(mails[0]!);
    expect(notices.notes).toEqual([
      expect.objectContaining({
        userId: 'ivy',
        kind: 'invitation',
        workspaceId: 'ws1',
        projectId: null,
        taskId: null,
        actorId: OWNER.userId,
        title: 'Olga Owner invited you to join Acme as admin',
        link: `/invitations/${token}`,
        readAt: null,
      }),
    ]);
    await service.accept({ userId: 'ivy', email: 'ivy@example.com' }, token);
    expect(notices.read).toEqual([`ivy|${notices.notes[0]!.id}`]);
  });

  it.each([
    ['inApp', 1, 0, 0],
    ['digest', 1, 1, 0],
    ['off', 0, 0, 0],
    ['email', 1, 0, 1],
  ] as const)(
    'to an account whose channel is %s: %i notification(s), %i in the digest, %i email(s)',
    async (channel, notes, digest, mails) => {
      const prefs = { email: EMAIL, channels: { invitation: channel } };
      const setup = setUp([{ userId: 'ivy', prefs }]);
      await setup.service.invite(OWNER, 'ws1', 'ivy@example.com', 'member');
      expect(setup.notices.notes).toHaveLength(notes);
      expect(setup.notices.digest).toHaveLength(digest);
      expect(setup.mails).toHaveLength(mails);
    },
  );

  it('whose email cannot be queued is undone, its notification read', async () => {
    const { service, repository, notices } = setUp([{ userId: 'ivy', prefs: null }], true);
    await expect(service.invite(OWNER, 'ws1', 'ivy@example.com', 'member')).rejects.toThrow('queue down');
    expect(repository.stored.size).toBe(0);
    expect(notices.read).toEqual([`ivy|${notices.notes[0]!.id}`]);
  });
});
