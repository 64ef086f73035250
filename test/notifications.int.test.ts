import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { Comment } from '#shared/schemas/comments';
import type { Notification, UnsubscribePreview, UnsubscribeResult } from '#shared/schemas/notifications';
import type { DailyResult } from '#functions/scheduled/daily';
import { physicalFunctionName } from '../infra/definitions.ts';
import { scheduledEvent } from '../infra/local/scheduler.ts';
import {
  addMember,
  api,
  eventually,
  expectErrorShape,
  invitationToken,
  mailTo,
  outputs,
  signUpUser,
  type TestUser,
  invokeFunction,
  uniqueIp,
} from './support.ts';
import {
  createProject,
  createTask,
  createWorkspace,
  created,
  fieldsOf,
  read,
  storedItem,
  updateTask,
  type Item,
} from './fixtures.ts';
import { LiveClient, isEvent } from './live-client.ts';

/**
 * Notifications on the local stack: activity → stream → notify → the recipient's inbox (and a NOTIFICATION frame
 * on their sockets); who gets one and who never does; reading; a redelivered stream record writing nothing twice.
 */

interface Inbox {
  items: Notification[];
  nextCursor: string | null;
  unreadCount: number;
}

const inbox = (user: TestUser, query = '') => read<Inbox>(user, `/notifications${query}`) as Promise<Inbox>;
const handle = (user: TestUser) => `@${user.email.split('@')[0]}`;
const comment = (user: TestUser, taskId: string, body: string) =>
  created<Comment>(user, `/tasks/${taskId}/comments`, { body });

/** The user's notification about `taskId` of `kind`, once it has arrived. */
const arrived = (user: TestUser, kind: string, taskId: string) =>
  eventually(
    async () => (await inbox(user)).items.find((n) => n.kind === kind && n.taskId === taskId),
    30_000,
  );

const NOTIFY = physicalFunctionName('local', 'notify');

/** Runs the notify function on a stream event, as the event source mapping would. */
const runNotify = (event: DynamoDBStreamEvent) => invokeFunction<DynamoDBBatchResponse>(NOTIFY, event);

const DAILY = physicalFunctionName('local', 'daily');
/** Runs the daily job as its schedule would, at `at` (other suites' people may be handled too: harmless). */
const runDaily = (at: Date) =>
  invokeFunction<DailyResult>(DAILY, scheduledEvent(DAILY, at, outputs().region));
const dayAfter = (at: Date) => new Date(at.getTime() + 86_400_000).toISOString().slice(0, 10);

describe('notifications', () => {
  let owner: TestUser;
  let ann: TestUser;
  let bob: TestUser;
  let cat: TestUser;
  let ws: string;
  let projectId: string;

  beforeAll(async () => {
    owner = await signUpUser('Olga Owner');
    ws = await createWorkspace(owner, 'Notify Co');
    [ann, bob, cat] = await Promise.all([
      addMember(owner, ws, 'member'),
      addMember(owner, ws, 'member'),
      addMember(owner, ws, 'member'),
    ]);
    projectId = await createProject(owner, ws, 'NTF');
  }, 120_000);

  it('tells an assignee once, never the actor, and links to the task', async () => {
    const task = await createTask(owner, projectId, {
      title: 'Ship it',
      assigneeIds: [ann.userId, owner.userId],
    });
    const note = await arrived(ann, 'assigned', task.id);
    expect(note).toEqual(
      expect.objectContaining({
        kind: 'assigned',
        actorId: owner.userId,
        workspaceId: ws,
        projectId,
        link: `/p/NTF/${task.key}`,
        readAt: null,
      }),
    );
    expect(note.title).toContain('Olga Owner assigned you to');
    expect(note.title).toContain(task.key);
    // Adding another assignee tells only the new one.
    await updateTask(owner, task, { assigneeIds: [ann.userId, owner.userId, bob.userId] });
    await arrived(bob, 'assigned', task.id);
    const anns = (await inbox(ann)).items.filter((n) => n.taskId === task.id);
    expect(anns).toHaveLength(1);
    expect((await inbox(owner)).items.filter((n) => n.taskId === task.id)).toEqual([]);
  });

  it('tells the mentioned, the creator and assignees of a comment once each; never a removed member', async () => {
    const task = await createTask(owner, projectId, { title: 'Talk', assigneeIds: [bob.userId] });
    await arrived(bob, 'assigned', task.id);
    await comment(ann, task.id, `${handle(bob)} and ${handle(cat)}, have a look`);
    // Bob is both assigned and mentioned: one notification, the mention.
    const toBob = await arrived(bob, 'mentioned', task.id);
    expect(toBob.excerpt).toContain('have a look');
    expect(toBob.link).toBe(`/p/NTF/${task.key}`);
    await arrived(cat, 'mentioned', task.id);
    // The creator hears of the comment.
    await arrived(owner, 'commented', task.id);
    const bobs = (await inbox(bob)).items.filter((n) => n.taskId === task.id);
    expect(bobs.map((n) => n.kind).sort()).toEqual(['assigned', 'mentioned']);
    // The author is told nothing.
    expect((await inbox(ann)).items.filter((n) => n.taskId === task.id)).toEqual([]);

    // Cat leaves the workspace; a later mention of Cat (and a comment on a task Bob no longer has) tells no one.
    const removed = await api(`/workspaces/${ws}/members/${cat.userId}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(removed.status).toBe(204);
    const current = await read<{ version: number }>(owner, `/tasks/${task.id}`);
    await updateTask(owner, { ...task, version: current.version }, { assigneeIds: [] });
    const second = await comment(ann, task.id, `${handle(cat)} again`);
    // The creator's notification of the second comment is the sign that the record was handled.
    await eventually(async () => {
      const owners = (await inbox(owner)).items.filter((n) => n.kind === 'commented' && n.taskId === task.id);
      return owners.length === 2 ? owners : undefined;
    }, 30_000);
    expect(second.mentions).toEqual([]);
    const cats = (await inbox(cat)).items.filter((n) => n.taskId === task.id);
    expect(cats).toHaveLength(1);
    expect((await inbox(bob)).items.filter((n) => n.taskId === task.id)).toHaveLength(2);
  });

  it('marks one or all read, lists unread only, and pushes NOTIFICATION frames to the recipient', async () => {
    const reader = await addMember(owner, ws, 'member');
    const live = await LiveClient.connect(outputs().wsUrl, reader.idToken);
    try {
      const tasks = [];
      for (const n of [1, 2, 3]) {
        tasks.push(await createTask(owner, projectId, { title: `Read ${n}`, assigneeIds: [reader.userId] }));
      }
      const notes = await eventually(async () => {
        const page = await inbox(reader, '?unread=true');
        return page.items.length === 3 ? page : undefined;
      }, 30_000);
      expect(notes.unreadCount).toBe(3);
      // Newest first.
      expect(notes.items.map((n) => n.taskId)).toEqual(tasks.map((t) => t.id).reverse());
      const frame = await live.waitFor(isEvent('NOTIFICATION', notes.items[0]!.id), 15_000);
      expect((frame.data as Notification).kind).toBe('assigned');

      // Paged.
      const first = await inbox(reader, '?unread=true&limit=2');
      expect(first.items).toHaveLength(2);
      const rest = await inbox(reader, `?unread=true&limit=2&cursor=${first.nextCursor}`);
      expect(rest.items.map((n) => n.id)).toEqual([notes.items[2]!.id]);

      const one = await api<{ unreadCount: number }>('/notifications/read', {
        method: 'POST',
        token: reader.idToken,
        body: { ids: [notes.items[0]!.id] },
      });
      expect(one.status).toBe(200);
      expect(one.body.unreadCount).toBe(2);
      // Its read is pushed too (other tabs update their count).
      await live.waitFor(
        (f) => isEvent('NOTIFICATION', notes.items[0]!.id)(f) && (f.data as Notification).readAt !== null,
        15_000,
      );
      const all = await inbox(reader);
      expect(all.items.find((n) => n.id === notes.items[0]!.id)?.readAt).toEqual(expect.any(String));
      expect((await inbox(reader, '?unread=true')).items.map((n) => n.id)).toEqual(
        notes.items.slice(1).map((n) => n.id),
      );

      // Someone else's ids change nothing of theirs.
      const foreign = await api('/notifications/read', {
        method: 'POST',
        token: owner.idToken,
        body: { ids: [notes.items[1]!.id] },
      });
      expect(foreign.status).toBe(200);
      expect((await inbox(reader)).unreadCount).toBe(2);

      const everything = await api<{ unreadCount: number }>('/notifications/read', {
        method: 'POST',
        token: reader.idToken,
        body: { all: true },
      });
      expect(everything.body.unreadCount).toBe(0);
      expect((await inbox(reader, '?unread=true')).items).toEqual([]);
    } finally {
      await live.close();
    }
  });

  it('tells the requester when their AI breakdown finished', async () => {
    const task = await createTask(owner, projectId, { title: 'Plan the launch' });
    const job = await api<{ jobId: string }>(`/tasks/${task.id}/ai-breakdown`, {
      method: 'POST',
      token: ann.idToken,
      body: {},
    });
    expect(job.status).toBe(202);
    const note = await arrived(ann, 'jobFinished', task.id);
    expect(note.title).toBe(`The AI breakdown of ${task.key} Plan the launch is ready`);
    expect(note.link).toBe(`/p/NTF/${task.key}`);
  });

  it('refuses bad input with the field named', async () => {
    const empty = await api('/notifications/read', { method: 'POST', token: ann.idToken, body: {} });
    expect(empty.status).toBe(400);
    expectErrorShape(empty.body, 'VALIDATION_ERROR');
    const badId = await api('/notifications/read', {
      method: 'POST',
      token: ann.idToken,
      body: { ids: ['nope'] },
    });
    expect(badId.status).toBe(400);
    expect(fieldsOf(badId)).toEqual(['ids.0']);
    const badQuery = await api('/notifications?unread=maybe', { token: ann.idToken });
    expect(badQuery.status).toBe(400);
    expect(fieldsOf(badQuery)).toEqual(['unread']);
    const badCursor = await api('/notifications?cursor=abc', { token: ann.idToken });
    expect(badCursor.status).toBe(400);
    expect((await api('/notifications')).status).toBe(401);
  });

  it('writes each notification once however often a stream record is delivered', async () => {
    const task = await createTask(owner, projectId, { title: 'Again', assigneeIds: [ann.userId] });
    await arrived(ann, 'assigned', task.id);
    const activity = (
      await read<{ items: Array<{ id: string; action: string }> }>(owner, `/tasks/${task.id}/activity`)
    ).items.find((a) => a.action === 'created')!;
    const item = (await storedItem({ PK: `TASK#${task.id}`, SK: `ACT#${activity.id}` })) as Item;
    const record = {
      eventID: '1',
      eventName: 'INSERT' as const,
      eventSource: 'aws:dynamodb',
      dynamodb: { NewImage: marshall(item, { removeUndefinedValues: true }) as never },
    };
    for (let i = 0; i < 3; i++) {
      expect(await runNotify({ Records: [record] })).toEqual({ batchItemFailures: [] });
    }
    const anns = (await inbox(ann)).items.filter((n) => n.taskId === task.id);
    expect(anns).toHaveLength(1);
  });

  describe('emails', () => {
    interface Mail {
      subject: string;
      destination: { to: string[] };
      body: { text?: string; html?: string };
      headers?: Array<{ name: string; value: string }>;
    }
    const mailsTo = async (address: string): Promise<Mail[]> => {
      const res = await fetch(`${outputs().mailUrl}/store`);
      const { emails = [] } = (await res.json()) as { emails?: Mail[] };
      // Notification emails only (not the welcome or the invitation).
      return emails.filter(
        (m) => m.destination.to.includes(address) && m.headers?.some((h) => h.name === 'List-Unsubscribe'),
      );
    };
    /** Once `address` has `count` notification emails: all of them. */
    const mailsOnce = (address: string, count: number) =>
      eventually(async () => {
        const mails = await mailsTo(address);
        return mails.length >= count ? mails : undefined;
      }, 60_000);
    const setPrefs = async (user: TestUser, notificationPrefs: Record<string, unknown>) => {
      const res = await api('/me', { method: 'PATCH', token: user.idToken, body: { notificationPrefs } });
      expect(res.status).toBe(200);
      return res.body as { notificationPrefs: Record<string, unknown> };
    };
    const EMAIL_WORKER = physicalFunctionName('local', 'email-worker');
    const runEmailWorker = async (userId: string) => {
      expect(
        await invokeFunction(EMAIL_WORKER, {
          Records: [
            {
              messageId: `redelivery-${Math.random()}`,
              body: JSON.stringify({ kind: 'notification-batch', userId }),
              eventSource: 'aws:sqs',
            },
          ],
        }),
      ).toEqual({ batchItemFailures: [] });
    };

    it('batches events of a few seconds into one email with text, HTML, links and one-click unsubscribe', async () => {
      const dee = await addMember(owner, ws, 'member');
      const [t1, t2] = await Promise.all(
        ['Mail one', 'Mail two'].map((title) =>
          createTask(owner, projectId, { title, assigneeIds: [dee.userId] }),
        ),
      );
      const [mail] = await mailsOnce(dee.email, 1);
      expect(mail!.subject).toBe('2 updates in TeamFlow');
      const text = mail!.body.text!;
      for (const task of [t1!, t2!]) {
        expect(text).toContain(`/p/NTF/${task.key}`);
        expect(mail!.body.html).toContain(`/p/NTF/${task.key}`);
      }
      expect(text).toContain('Olga Owner assigned you to');
      const headers = Object.fromEntries((mail!.headers ?? []).map((h) => [h.name, h.value]));
      expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      const link = /<(.+)>/.exec(headers['List-Unsubscribe']!)![1]!;
      expect(link.startsWith(`${outputs().apiUrl}/unsubscribe?token=`)).toBe(true);
      // The body's link opens the web app's page (reading changes nothing); the header's is the API's POST.
      const token = new URL(link).searchParams.get('token')!;
      const page = `${outputs().webUrl}/unsubscribe?token=${encodeURIComponent(token)}`;
      expect(text).toContain(`Unsubscribe from these emails: ${page}`);
      expect(mail!.body.html).toContain(`href="${page}"`);
      expect(text).not.toContain(link);

      // Reading what the link would do, as the page does (and as a mail scanner following it would): no change.
      const query = `/unsubscribe?token=${encodeURIComponent(token)}`;
      const before = await read<{ notificationPrefs: unknown }>(dee, '/me');
      for (let i = 0; i < 3; i++) {
        const preview = await api<UnsubscribePreview>(query);
        expect(preview.status).toBe(200);
        expect(preview.body).toEqual({
          email: `${dee.email[0]}***${dee.email.slice(dee.email.indexOf('@'))}`,
          emailed: ['assigned', 'mentioned', 'dueSoon', 'invitation'],
          unsubscribed: false,
          settingsUrl: `${outputs().webUrl}/settings`,
        });
      }
      expect((await read<{ notificationPrefs: unknown }>(dee, '/me')).notificationPrefs).toEqual(
        before.notificationPrefs,
      );

      // A forged or garbled token: 400 naming `token`, for reading and for unsubscribing alike.
      const forged = link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      const refused = await fetch(forged, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
      expect(refused.status).toBe(400);
      expect(
        ((await refused.json()) as { error: { details: Array<{ field: string }> } }).error.details,
      ).toEqual([expect.objectContaining({ field: 'token' })]);
      for (const bad of [`/unsubscribe?token=${encodeURIComponent(`${dee.userId}.nope`)}`, '/unsubscribe']) {
        const res = await api(bad);
        expect(res.status).toBe(400);
        expectErrorShape(res.body, 'VALIDATION_ERROR');
        expect(fieldsOf(res)).toEqual(['token']);
      }

      // One-click, without signing in: nothing is emailed any more (the bell still has everything).
      const res = await fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(res.status).toBe(200);
      expect((await res.json()) as UnsubscribeResult).toEqual({
        unsubscribed: true,
        changed: ['assigned', 'mentioned', 'dueSoon', 'invitation'],
        settingsUrl: `${outputs().webUrl}/settings`,
      });
      const me = await read<{ notificationPrefs: { channels: Record<string, string> } }>(dee, '/me');
      expect(me.notificationPrefs.channels).toEqual({
        assigned: 'inApp',
        mentioned: 'inApp',
        dueSoon: 'inApp',
        invitation: 'inApp',
      });
      const after = await api<UnsubscribePreview>(query);
      expect(after.body).toEqual(expect.objectContaining({ emailed: [], unsubscribed: true }));
      // Again (a second click): answered the same, nothing left to change.
      const again = await api<UnsubscribeResult>(query, { method: 'POST' });
      expect(again.body.changed).toEqual([]);
      const t3 = await createTask(owner, projectId, { title: 'Mail three', assigneeIds: [dee.userId] });
      await arrived(dee, 'assigned', t3.id);
      // Mentions are emailed again once switched back on; the assignment above was not.
      await setPrefs(dee, { channels: { mentioned: 'email' } });
      await comment(owner, t3.id, `${handle(dee)} see this`);
      const mails = await mailsOnce(dee.email, 2);
      expect(mails).toHaveLength(2);
      expect(mails[1]!.subject).toContain('mentioned you');
    });

    it('respects channels and project mutes', async () => {
      const [eve, fay] = await Promise.all([addMember(owner, ws, 'member'), addMember(owner, ws, 'member')]);
      const eveKeeps = await setPrefs(eve, { channels: { assigned: 'off' } });
      expect(eveKeeps.notificationPrefs).toEqual(
        expect.objectContaining({
          email: expect.objectContaining({ assigned: true }),
          channels: { assigned: 'off' },
        }),
      );
      await setPrefs(fay, { mutedProjects: { [projectId]: true } });
      const muted = await createTask(owner, projectId, {
        title: 'Muted',
        assigneeIds: [eve.userId, fay.userId],
      });
      await arrived(fay, 'assigned', muted.id);
      // Another project: Fay's email there is the sign that the muted one would have come by now.
      const other = await createProject(owner, ws);
      const loud = await createTask(owner, other, { title: 'Loud', assigneeIds: [eve.userId, fay.userId] });
      const [fays] = await mailsOnce(fay.email, 1);
      expect(fays!.body.text).toContain(loud.title);
      expect(fays!.body.text).not.toContain('Muted');
      expect(await mailsTo(eve.email)).toEqual([]);
      expect((await inbox(eve)).items.filter((n) => n.taskId)).toEqual([]);
      // Unmuting works per project.
      const unmuted = await setPrefs(fay, { mutedProjects: { [projectId]: false } });
      expect(unmuted.notificationPrefs.mutedProjects).toEqual({});
    });

    it('tells someone who has an account of an invitation: bell, frame, accept link; accepting reads it', async () => {
      const [ivy, quiet] = await Promise.all([signUpUser('Ivy Invitee'), signUpUser('Quinn Quiet')]);
      // Quinn wants invitations in the bell only: no invitation email.
      await setPrefs(quiet, { channels: { invitation: 'inApp' } });
      const live = await LiveClient.connect(outputs().wsUrl, ivy.idToken);
      try {
        for (const person of [ivy, quiet]) {
          const res = await api(`/workspaces/${ws}/invitations`, {
            method: 'POST',
            token: owner.idToken,
            body: { email: person.email, role: 'member' },
          });
          expect(res.status).toBe(201);
        }
        const token = invitationToken(await mailTo(ivy.email, /^Join /));
        const note = (await inbox(ivy)).items.find((n) => n.kind === 'invitation');
        expect(note).toEqual(
          expect.objectContaining({
            kind: 'invitation',
            workspaceId: ws,
            projectId: null,
            taskId: null,
            actorId: owner.userId,
            title: 'Olga Owner invited you to join Notify Co as member',
            link: `/invitations/${token}`,
            readAt: null,
          }),
        );
        await live.waitFor(isEvent('NOTIFICATION', note!.id), 15_000);
        const quiets = (await inbox(quiet)).items.filter((n) => n.kind === 'invitation');
        expect(quiets).toHaveLength(1);
        // Accepting (from the link in the bell) marks it read.
        const accepted = await api(`/invitations/${token}/accept`, {
          method: 'POST',
          token: ivy.idToken,
          fromIp: uniqueIp(),
        });
        expect(accepted.status).toBe(200);
        const after = await inbox(ivy);
        expect(after.items.find((n) => n.id === note!.id)?.readAt).toEqual(expect.any(String));
        expect(after.unreadCount).toBe(0);
        // Ivy's email is the sign Quinn's would have come by now: none did.
        const store = (await (await fetch(`${outputs().mailUrl}/store`)).json()) as {
          emails: Array<{ subject: string; destination: { to: string[] } }>;
        };
        expect(
          store.emails.filter((m) => m.destination.to.includes(quiet.email) && /^Join /.test(m.subject)),
        ).toEqual([]);
      } finally {
        await live.close();
      }
    });

    it('the daily job: "due soon" in the bell for each assignee of an open task due tomorrow, once', async () => {
      const at = new Date();
      const dueDate = dayAfter(at);
      const [hal, ida] = await Promise.all([addMember(owner, ws, 'member'), addMember(owner, ws, 'member')]);
      await setPrefs(ida, { channels: { dueSoon: 'off' } });
      const due = (title: string, assigneeIds = [hal.userId, ida.userId, owner.userId]) =>
        createTask(owner, projectId, { title, dueDate, assigneeIds });
      const open = await due('Due tomorrow, open');
      const done = await due('Due tomorrow, done');
      await updateTask(owner, done, { status: 'done' });
      const gone = await due('Due tomorrow, deleted');
      expect(
        (await api(`/tasks/${gone.id}?version=${gone.version}`, { method: 'DELETE', token: owner.idToken }))
          .status,
      ).toBe(200);
      const later = await createTask(owner, projectId, {
        title: 'Due next week',
        dueDate: dayAfter(new Date(at.getTime() + 6 * 86_400_000)),
        assigneeIds: [hal.userId],
      });

      // (Another suite may run the job meanwhile: what is asserted is what people got, not this run's counts.)
      const first = await runDaily(at);
      expect(first.reminders.failed).toBe(0);
      const dueSoon = async (user: TestUser) => (await inbox(user)).items.filter((n) => n.kind === 'dueSoon');
      const [note] = await dueSoon(hal);
      expect(await dueSoon(hal)).toHaveLength(1);
      expect(note).toEqual(
        expect.objectContaining({
          taskId: open.id,
          projectId,
          workspaceId: ws,
          link: `/p/NTF/${open.key}`,
          title: `${open.key} Due tomorrow, open is due tomorrow`,
          readAt: null,
        }),
      );
      // The owner (an assignee too) is told; Ida turned the kind off; the done, deleted and later tasks tell no one.
      expect((await dueSoon(owner)).map((n) => n.taskId)).toEqual([open.id]);
      expect(await dueSoon(ida)).toEqual([]);
      for (const t of [done, gone, later]) {
        expect((await inbox(hal)).items.filter((n) => n.taskId === t.id && n.kind === 'dueSoon')).toEqual([]);
      }
      // A rerun of the day (a retry, a manual run, later that day) writes nothing new.
      const second = await runDaily(new Date(at.getTime() + 60_000));
      expect(second.reminders.failed).toBe(0);
      expect(await dueSoon(hal)).toEqual([note]);
      // The due-date email (Hal's channel for it is email by default) went once.
      await mailTo(hal.email, /^Due tomorrow/);
    });

    it('the daily digest: digest kinds wait for the day and go out as one email, never twice', async () => {
      const at = new Date();
      const [jay, kim] = await Promise.all([addMember(owner, ws, 'member'), addMember(owner, ws, 'member')]);
      await setPrefs(jay, {
        channels: { assigned: 'digest', mentioned: 'digest', dueSoon: 'digest', invitation: 'digest' },
      });
      // Kim asks through the contract's switch: every emailed kind in the digest.
      await setPrefs(kim, { email: { digest: true } });
      const assigned = await createTask(owner, projectId, {
        title: 'Digest me',
        assigneeIds: [jay.userId, kim.userId],
      });
      const dueSoon = await createTask(owner, projectId, {
        title: 'Due for the digest',
        dueDate: dayAfter(at),
        assigneeIds: [jay.userId],
      });
      await comment(owner, assigned.id, `${handle(jay)} please`);
      await arrived(jay, 'mentioned', assigned.id);
      await arrived(kim, 'assigned', assigned.id);
      // Past the batching window (3 s locally): nothing was mailed at once.
      await new Promise((r) => setTimeout(r, 6_000));
      expect(await mailsTo(jay.email)).toEqual([]);
      expect(await mailsTo(kim.email)).toEqual([]);

      const first = await runDaily(at);
      expect(first.digests.failed).toBe(0);
      const [digest] = await mailsOnce(jay.email, 1);
      // Assigned to both tasks, mentioned on one, and the one due tomorrow.
      expect(digest!.subject).toBe('Your TeamFlow digest: 4 updates');
      for (const task of [assigned, dueSoon]) {
        expect(digest!.body.text).toContain(`${outputs().webUrl}/p/NTF/${task.key}`);
        expect(digest!.body.html).toContain(`/p/NTF/${task.key}`);
      }
      expect(digest!.body.text).toContain('is due tomorrow');
      expect(digest!.body.text).toContain(`${outputs().webUrl}/unsubscribe?token=`);
      const [kims] = await mailsOnce(kim.email, 1);
      expect(kims!.subject).toBe('Your TeamFlow digest: 1 update');
      // The rerun (same day) sends no second digest; the due-date email was never sent (its channel is the digest).
      const second = await runDaily(new Date(at.getTime() + 60_000));
      expect(second.digests.failed).toBe(0);
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await mailsTo(jay.email)).toHaveLength(1);
      expect(await mailsTo(kim.email)).toHaveLength(1);
      const store = (await (await fetch(`${outputs().mailUrl}/store`)).json()) as {
        emails: Array<{ subject: string; destination: { to: string[] } }>;
      };
      expect(
        store.emails.filter((m) => m.destination.to.includes(jay.email) && /^Due tomorrow/.test(m.subject)),
      ).toEqual([]);
    });

    it('sends a batch once however often its message is delivered', async () => {
      const gus = await addMember(owner, ws, 'member');
      const first = await createTask(owner, projectId, { title: 'Once', assigneeIds: [gus.userId] });
      await arrived(gus, 'assigned', first.id);
      await eventually(() => storedItem({ PK: `USER#${gus.userId}`, SK: 'NOTIFYMAIL' }));
      // Before the batch's own (delayed) message arrives, deliver it three times at once and three times more.
      await Promise.all([1, 2, 3].map(() => runEmailWorker(gus.userId)));
      for (let i = 0; i < 3; i++) await runEmailWorker(gus.userId);
      const [mail] = await mailsOnce(gus.email, 1);
      expect(mail!.subject).toContain(first.key);
      // A later event's email is the sign that the original message has been delivered (SQS order by delay).
      const second = await createTask(owner, projectId, { title: 'Twice', assigneeIds: [gus.userId] });
      const mails = await mailsOnce(gus.email, 2);
      expect(mails.map((m) => m.subject)).toEqual([mail!.subject, expect.stringContaining(second.key)]);
    });
  });
});
