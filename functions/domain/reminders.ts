import { channelOf, type NotificationPrefs } from '#shared/schemas/me';
import type { TaskStatus } from '#shared/schemas/tasks';
import { escapeHtml, type EmailMessage } from './email.ts';
import { notificationId, type NotificationRecord } from './notifications.ts';
import { addDays, dayIn, type TaskRecord } from './tasks.ts';

/**
 * Due-date reminders (run once a day by the `daily` function): every person with open tasks assigned to them
 * that are due tomorrow gets a "due soon" notification per task (in the bell, unless they turned the kind off),
 * and, per the kind's channel: ONE email listing them (`email`), or the tasks join their daily digest (`digest`).
 * Muted projects' tasks are not mailed (the bell still has them).
 *
 * "Tomorrow" is the person's: the day after the calendar day it is in their profile's time zone when the run
 * happens (UTC without one). The run's hour (infra/functions.ts) is chosen so that no time zone that observes
 * daylight saving time is near midnight then, so a clock change never makes a person's "tomorrow" jump a day
 * (skipping a reminder) or repeat (the marker below makes a repeat harmless anyway).
 *
 * Idempotent: before sending, a marker `REMINDER#<due date>` is claimed for the person with a condition, so a
 * second run on the same day (a retry, a manual run) sends nothing new. The marker expires after a few days. A
 * notification's id is derived from its task and due date, and its time is the start of the person's day before
 * the due date (the same on any run of that day), so a rerun writes the same item: nothing new.
 */

/** How long the "digest sent" marker is kept (it only has to outlive the day it is about). */
export const REMINDER_MARKER_DAYS = 7;
/** Tasks listed in one digest; more are summed up in one line (an email stays readable and small). */
export const DIGEST_MAX_TASKS = 50;
/** Time zones run from UTC-12 to UTC+14: the span of local calendar days at any one instant. */
const EARLIEST_OFFSET_MS = -12 * 3_600_000;
const LATEST_OFFSET_MS = 14 * 3_600_000;

/** Whether an assignment is worth a reminder at all: it has a due date and is open work. */
export function remindable(assignment: { dueDate: string | null; status: TaskStatus }): boolean {
  return assignment.dueDate !== null && assignment.status !== 'done' && assignment.status !== 'archived';
}

/** The person's "tomorrow" at `now`: the day after their local calendar day. */
export function tomorrowIn(timeZone: string | null | undefined, now: Date): string {
  return addDays(dayIn(timeZone || 'UTC', now), 1);
}

/**
 * Every due date that is "tomorrow" for someone, somewhere, at `now` (two or three days): the dates whose
 * assignments the run reads. Each person's own date is then picked by `tomorrowIn`.
 */
export function candidateDueDates(now: Date): string[] {
  const first = addDays(new Date(now.getTime() + EARLIEST_OFFSET_MS).toISOString().slice(0, 10), 1);
  const last = addDays(new Date(now.getTime() + LATEST_OFFSET_MS).toISOString().slice(0, 10), 1);
  const dates = [first];
  while (dates.at(-1)! < last) dates.push(addDays(dates.at(-1)!, 1));
  return dates;
}

/**
 * The instant a local calendar day starts in a time zone (its first minute whose local date is `day`): found by
 * halving the span of every zone's midnight, so clock changes need no offset arithmetic. Minute precision.
 */
export function startOfDayIn(timeZone: string | null | undefined, day: string): Date {
  const zone = timeZone || 'UTC';
  let low = Date.parse(`${day}T00:00:00Z`) - LATEST_OFFSET_MS - 60_000; // still the day before everywhere
  let high = Date.parse(`${day}T00:00:00Z`) - EARLIEST_OFFSET_MS; // the day (or later) everywhere
  while (high - low > 60_000) {
    const middle = low + Math.floor((high - low) / 120_000) * 60_000;
    if (dayIn(zone, new Date(middle)) >= day) high = middle;
    else low = middle;
  }
  return new Date(high);
}

/** An assignment entry of the reminders index: someone's open task due on a date. */
export interface DueEntry {
  userId: string;
  taskId: string;
  workspaceId: string;
  projectId: string;
  dueDate: string;
}

/** What the reminders need of a person's profile. */
export interface ReminderProfile {
  userId: string;
  email: string;
  name: string;
  timezone: string | null;
  notificationPrefs: NotificationPrefs | null;
}

/** What the reminders need of a project. */
export interface ReminderProject {
  id: string;
  workspaceId: string;
  key: string;
  name: string;
  archived: boolean;
}

/** The tasks, projects and memberships behind a set of entries, read together. */
export interface ReminderReads {
  tasks: Map<string, TaskRecord>;
  projects: Map<string, ReminderProject>;
  /** `<workspaceId>|<userId>` of every membership that exists. */
  members: Set<string>;
}

export const memberKey = (workspaceId: string, userId: string) => `${workspaceId}|${userId}`;

/** Persistence of the reminders (functions/store/reminder-repository.ts). */
export interface ReminderRepository {
  /** The entries due on `dueDate`, one array per index partition (a person's entries are all in one). */
  dueOn(dueDate: string): AsyncIterable<DueEntry[]>;
  profiles(userIds: string[]): Promise<Map<string, ReminderProfile>>;
  read(entries: DueEntry[]): Promise<ReminderReads>;
  /** Claims the "digest sent" marker; false when it was claimed before. `expiresAt` in epoch seconds. */
  claim(userId: string, dueDate: string, expiresAt: number): Promise<boolean>;
  /** Gives a claimed marker back (the email could not be queued, so a later run may try again). */
  release(userId: string, dueDate: string): Promise<void>;
}

/** One line of a digest. */
export interface DigestTask {
  taskId: string;
  workspaceId: string;
  projectId: string;
  key: string;
  number: number;
  title: string;
  projectKey: string;
  projectName: string;
  priority: string;
  url: string;
}

/** `<webUrl>/p/<KEY>/<KEY-n>`: the task opened on its board. */
export function taskUrl(webUrl: string, projectKey: string, taskKey: string): string {
  return `${webUrl.replace(/\/+$/, '')}/p/${encodeURIComponent(projectKey)}/${encodeURIComponent(taskKey)}`;
}

/**
 * The digest's tasks from a person's entries: only tasks that are still theirs, still due on `dueDate`, open,
 * not deleted, in a project that exists and is not archived, of a workspace they are still a member of (the
 * index is a copy, read a moment ago; the task items are the truth). Ordered by project key, then number.
 */
export function digestTasks(
  userId: string,
  dueDate: string,
  entries: DueEntry[],
  reads: ReminderReads,
  webUrl: string,
): DigestTask[] {
  const seen = new Set<string>();
  const tasks: DigestTask[] = [];
  for (const entry of entries) {
    if (entry.userId !== userId || entry.dueDate !== dueDate || seen.has(entry.taskId)) continue;
    seen.add(entry.taskId);
    const task = reads.tasks.get(entry.taskId);
    if (!task || task.deletedAt || task.dueDate !== dueDate || !remindable(task)) continue;
    if (!task.assigneeIds.includes(userId)) continue;
    const project = reads.projects.get(task.projectId);
    if (!project || project.archived || !reads.members.has(memberKey(task.workspaceId, userId))) continue;
    const key = `${project.key}-${task.number}`;
    tasks.push({
      taskId: task.id,
      workspaceId: task.workspaceId,
      projectId: task.projectId,
      key,
      number: task.number,
      title: task.title,
      projectKey: project.key,
      projectName: project.name,
      priority: task.priority,
      url: taskUrl(webUrl, project.key, key),
    });
  }
  return tasks.sort((a, b) =>
    a.projectKey === b.projectKey ? a.number - b.number : a.projectKey < b.projectKey ? -1 : 1,
  );
}

/** `2026-05-12` → `Tuesday, 12 May 2026` (the date is a calendar date: no time zone applies). */
export function longDate(day: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'UTC',
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(new Date(`${day}T00:00:00Z`));
}

const SETTINGS_LINE =
  'You can turn these reminders off, or have them in your daily digest, under your profile settings ("A task of mine is due tomorrow").';

/** The digest email: every task due tomorrow, with its key, title, project and link. */
export function dueSoonEmail(
  person: { email: string; name: string },
  dueDate: string,
  tasks: DigestTask[],
  webUrl: string,
): EmailMessage {
  const shown = tasks.slice(0, DIGEST_MAX_TASKS);
  const more = tasks.length - shown.length;
  const count = tasks.length === 1 ? '1 task' : `${tasks.length} tasks`;
  const subject =
    tasks.length === 1
      ? `Due tomorrow: ${shown[0]!.key} ${shown[0]!.title}`.slice(0, 200)
      : `Due tomorrow: ${count}`;
  const when = longDate(dueDate);
  const moreLine = more > 0 ? `... and ${more} more: ${webUrl.replace(/\/+$/, '')}/me` : undefined;
  const text = [
    `Hi ${person.name},`,
    '',
    `${count} assigned to you ${tasks.length === 1 ? 'is' : 'are'} due tomorrow, ${when}:`,
    '',
    ...shown.flatMap((t) => [`- ${t.key} ${t.title} (${t.projectName})`, `  ${t.url}`]),
    ...(moreLine ? [moreLine] : []),
    '',
    SETTINGS_LINE,
  ].join('\n');
  const items = shown
    .map(
      (t) =>
        `<li><a href="${escapeHtml(t.url)}">${escapeHtml(t.key)}</a> ${escapeHtml(t.title)} <small>(${escapeHtml(t.projectName)})</small></li>`,
    )
    .join('');
  const html = [
    `<p>Hi ${escapeHtml(person.name)},</p>`,
    `<p>${count} assigned to you ${tasks.length === 1 ? 'is' : 'are'} due tomorrow, ${escapeHtml(when)}:</p>`,
    `<ul>${items}</ul>`,
    moreLine ? `<p>${escapeHtml(moreLine)}</p>` : '',
    `<p>${escapeHtml(SETTINGS_LINE)}</p>`,
  ].join('');
  return { kind: 'due-soon', to: person.email, subject, text, html };
}

/** The "due soon" notification of one task for one assignee (the same id and time on every run of the day). */
export function dueSoonNotification(
  userId: string,
  timezone: string | null,
  dueDate: string,
  task: DigestTask,
): NotificationRecord {
  const source = { sourceKey: `due:${task.taskId}:${dueDate}`, kind: 'dueSoon' as const };
  const at = startOfDayIn(timezone, addDays(dueDate, -1)).toISOString();
  return {
    id: notificationId({ ...source, at }),
    userId,
    kind: 'dueSoon',
    workspaceId: task.workspaceId,
    projectId: task.projectId,
    taskId: task.taskId,
    // Nobody did anything: the date came near. The recipient stands as the actor (as for a finished AI job).
    actorId: userId,
    title: `${task.key} ${task.title} is due tomorrow`.slice(0, 300),
    excerpt: `Due ${longDate(dueDate)} · ${task.projectName}`,
    link: `/p/${task.projectKey}/${task.key}`,
    createdAt: at,
    readAt: null,
  };
}

/** Where the reminders put the "due soon" notifications (functions/domain/notifications.ts's store). */
export interface DueSoonNotices {
  /** Puts the notification unless one with its id is there; false when it was (a rerun). */
  putIfAbsent(record: NotificationRecord): Promise<boolean>;
  /** Collects a person's notifications into their daily digest where their channel says so (idempotent). */
  schedule(records: NotificationRecord[], prefs: NotificationPrefs | null): Promise<void>;
}

export interface ReminderOutcome {
  /** People with an open task due on one of the candidate dates. */
  people: number;
  /** "Due soon" notifications written (a rerun writes none). */
  notified: number;
  sent: number;
  /** People whose digest for that date was sent by an earlier run. */
  alreadySent: number;
  /** People who turned "due soon" off. */
  optedOut: number;
  failed: number;
}

/** An invocation ran short of time: the run fails, and its retry goes on (sent digests are not sent again). */
export class DailyIncompleteError extends Error {
  constructor(what: string) {
    super(`Out of time in ${what}; the next attempt goes on from what is left`);
    this.name = 'DailyIncompleteError';
  }
}

export interface ReminderOptions {
  webUrl: string;
  /** Whether there is time for another unit of work (one index partition); checked before each. */
  hasTime?: () => boolean;
}

export class DueReminderService {
  constructor(
    private readonly repository: ReminderRepository,
    private readonly deliver: (message: EmailMessage) => Promise<void>,
    private readonly notices: DueSoonNotices,
    private readonly options: ReminderOptions,
  ) {}

  /** Sends the digests of the run at `now` (the schedule's time, so a retry computes the same dates). */
  async run(now: Date): Promise<ReminderOutcome> {
    const outcome: ReminderOutcome = {
      people: 0,
      notified: 0,
      sent: 0,
      alreadySent: 0,
      optedOut: 0,
      failed: 0,
    };
    const hasTime = this.options.hasTime ?? (() => true);
    for (const dueDate of candidateDueDates(now)) {
      for await (const entries of this.repository.dueOn(dueDate)) {
        if (entries.length === 0) continue;
        if (!hasTime()) throw new DailyIncompleteError(`the reminders of ${dueDate}`);
        await this.partition(dueDate, entries, now, outcome);
      }
    }
    return outcome;
  }

  /** One index partition's entries: whose "tomorrow" `dueDate` is, and their digests. */
  private async partition(dueDate: string, entries: DueEntry[], now: Date, outcome: ReminderOutcome) {
    const userIds = [...new Set(entries.map((e) => e.userId))];
    const profiles = await this.repository.profiles(userIds);
    const wanted: ReminderProfile[] = [];
    for (const userId of userIds) {
      const profile = profiles.get(userId);
      // Someone is only reminded on the run where this date is their tomorrow.
      if (!profile || tomorrowIn(profile.timezone, now) !== dueDate) continue;
      outcome.people++;
      if (channelOf(profile.notificationPrefs, 'dueSoon') === 'off') outcome.optedOut++;
      else wanted.push(profile);
    }
    if (wanted.length === 0) return;
    const theirs = new Set(wanted.map((p) => p.userId));
    const selected = entries.filter((e) => theirs.has(e.userId));
    const reads = await this.repository.read(selected);
    const expiresAt = Math.floor(now.getTime() / 1000) + REMINDER_MARKER_DAYS * 86_400;
    for (const profile of wanted) {
      const { userId, notificationPrefs: prefs } = profile;
      const tasks = digestTasks(userId, dueDate, selected, reads, this.options.webUrl);
      if (tasks.length === 0) continue;
      const notices = tasks.map((task) => dueSoonNotification(userId, profile.timezone, dueDate, task));
      for (const notice of notices) if (await this.notices.putIfAbsent(notice)) outcome.notified++;
      await this.notices.schedule(notices, prefs);
      // The `email` channel: the due-date email of its own (muted projects' tasks left out).
      if (channelOf(prefs, 'dueSoon') !== 'email') continue;
      const mailed = tasks.filter((task) => !prefs?.mutedProjects?.[task.projectId]);
      if (mailed.length === 0) continue;
      if (!(await this.repository.claim(profile.userId, dueDate, expiresAt))) {
        outcome.alreadySent++;
        continue;
      }
      try {
        await this.deliver(dueSoonEmail(profile, dueDate, mailed, this.options.webUrl));
        outcome.sent++;
      } catch {
        outcome.failed++;
        await this.repository.release(profile.userId, dueDate).catch(() => undefined);
      }
    }
  }
}
