import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Task } from '#shared/schemas/tasks';
import type { DailyResult } from '#functions/scheduled/daily';
import { keys } from '#functions/store/keys';
import { taskItem, toTask } from '#functions/store/task-repository';
import { physicalFunctionName } from '../infra/definitions.ts';
import { scheduledEvent } from '../infra/local/scheduler.ts';
import {
  addMember,
  api,
  mailTo,
  outputs,
  signUpUser,
  type StoredMail,
  type TestUser,
  invokeFunction,
} from './support.ts';
import {
  created,
  createProject,
  createTask,
  createWorkspace,
  db,
  storedItem,
  table,
  updateTask,
} from './fixtures.ts';

/**
 * The daily scheduled function on the local stack: invoked through the local Lambda Invoke API with the event
 * EventBridge sends (the local scheduler sends the same at the schedule's time), its digests read back from the
 * SES emulator's mailbox. Other suites may run at the same time: only this suite's people and tasks are
 * asserted on.
 */

const FUNCTION = physicalFunctionName('local', 'daily');

const runDaily = (at: Date) =>
  invokeFunction<DailyResult>(FUNCTION, scheduledEvent(FUNCTION, at, outputs().region));

/** Every stored email to `address` whose subject matches. */
async function mailsTo(address: string, subject: RegExp): Promise<StoredMail[]> {
  const res = await fetch(`${outputs().mailUrl}/store`);
  const { emails = [] } = (await res.json()) as { emails?: StoredMail[] };
  return emails.filter((m) => m.destination.to.includes(address) && subject.test(m.subject));
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for a queued email to reach the mailbox (it did for the one awaited just before). */
const SETTLE_MS = 3_000;
const DIGEST = /^Due tomorrow/;

describe('the daily function', () => {
  let ann: TestUser;
  let bob: TestUser;
  let ws: string;
  let projectId: string;
  let projectKey: string;
  /** The run's time, and the day after it (the people here keep the default time zone, UTC). */
  const at = new Date();
  const day = (offset: number) => new Date(at.getTime() + offset * 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    ann = await signUpUser('Ann Assignee');
    ws = await createWorkspace(ann, 'Daily Co');
    bob = await addMember(ann, ws, 'member');
    projectKey = 'DLY';
    projectId = await createProject(ann, ws, projectKey);
    // Bob wants no due-date email.
    const prefs = await api('/me', {
      method: 'PATCH',
      token: bob.idToken,
      body: { notificationPrefs: { email: { dueSoon: false } } },
    });
    expect(prefs.status).toBe(200);
  }, 120_000);

  it('sends one digest per person with open tasks due tomorrow, only to those who want it, once', async () => {
    const tomorrow = day(1);
    const task = (title: string, body: Record<string, unknown> = {}) =>
      createTask(ann, projectId, { title, dueDate: tomorrow, assigneeIds: [ann.userId], ...body });
    const shared = await task('Shared work', { assigneeIds: [ann.userId, bob.userId] });
    const mine = await task('My own work', { priority: 'high' });
    const done = await task('Done already');
    await updateTask(ann, done, { status: 'done' });
    const deleted = await task('Deleted meanwhile');
    expect(
      (await api(`/tasks/${deleted.id}?version=${deleted.version}`, { method: 'DELETE', token: ann.idToken }))
        .status,
    ).toBe(200);
    const later = await task('Due the day after', { dueDate: day(2) });
    const moved = await task('Moved to next week');
    await updateTask(ann, moved, { dueDate: day(7) });
    const unassigned = await task('Given away');
    await updateTask(ann, unassigned, { assigneeIds: [bob.userId] });
    const bobsOnly = await task('Bob alone', { assigneeIds: [bob.userId] });

    const first = await runDaily(at);
    expect(first.reminders.sent).toBeGreaterThanOrEqual(1);

    const mail = await mailTo(ann.email, DIGEST);
    expect(mail.subject).toBe('Due tomorrow: 2 tasks');
    const text = mail.body.text ?? '';
    for (const t of [shared, mine]) {
      expect(text).toContain(`${t.key} ${t.title} (Project ${projectKey})`);
      expect(text).toContain(`${outputs().webUrl}/p/${projectKey}/${t.key}`);
    }
    for (const t of [done, deleted, later, moved, unassigned, bobsOnly]) expect(text).not.toContain(t.key);
    expect(mail.body.html).toContain(`href="${outputs().webUrl}/p/${projectKey}/${shared.key}"`);

    // The marker that makes the run idempotent, with its expiry.
    const marker = await storedItem(keys.reminder(ann.userId, tomorrow));
    expect(marker).toMatchObject({ type: 'REMINDER', ttl: expect.any(Number) });

    // Again the same day: nothing new for anyone here.
    const second = await runDaily(at);
    expect(second.reminders.failed).toBe(0);
    await pause(SETTLE_MS);
    expect(await mailsTo(ann.email, DIGEST)).toHaveLength(1);
    expect(await mailsTo(bob.email, DIGEST)).toHaveLength(0);
  }, 120_000);

  it('purges a task deleted more than 30 days ago, with what was stored with it; a recent deletion stays', async () => {
    const old = await createTask(ann, projectId, { title: 'Long gone' });
    await created(ann, `/tasks/${old.id}/comments`, { body: 'A comment of a task long gone' });
    const recent = await createTask(ann, projectId, { title: 'Just deleted' });
    for (const t of [old, recent]) {
      const res = await api<Task>(`/tasks/${t.id}?version=${t.version}`, {
        method: 'DELETE',
        token: ann.idToken,
      });
      expect(res.status).toBe(200);
    }
    // Age the first deletion to 40 days ago, index keys and all, as the task code would have written it then.
    const stored = await storedItem(keys.task(old.id));
    const longAgo = new Date(at.getTime() - 40 * 86_400_000).toISOString();
    await db().send(
      new PutCommand({ TableName: table(), Item: taskItem({ ...toTask(stored!), deletedAt: longAgo }) }),
    );

    const result = await runDaily(at);
    expect(result.housekeeping.purgedTasks).toBeGreaterThanOrEqual(1);

    const partition = async (taskId: string) =>
      (await db().send(new GetCommand({ TableName: table(), Key: keys.task(taskId), ConsistentRead: true })))
        .Item;
    expect(await partition(old.id)).toBeUndefined();
    const left = await db().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.task(old.id).PK },
        ConsistentRead: true,
      }),
    );
    expect(left.Items).toEqual([]);
    expect(await partition(recent.id)).toMatchObject({ deletedAt: expect.any(String) });
    // The API no longer knows the purged task; the recent one can still be restored.
    expect((await api(`/tasks/${old.id}`, { token: ann.idToken })).status).toBe(404);
    const restored = await api(`/tasks/${recent.id}/restore`, { method: 'POST', token: ann.idToken });
    expect(restored.status).toBe(200);
  }, 120_000);
});
