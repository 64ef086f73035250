import type { EmailMessage } from './email.ts';
import {
  DueReminderService,
  candidateDueDates,
  digestTasks,
  dueSoonEmail,
  memberKey,
  remindable,
  tomorrowIn,
  startOfDayIn,
  DIGEST_MAX_TASKS,
  type DueSoonNotices,
  type DueEntry,
  type ReminderProfile,
  type ReminderReads,
  type ReminderRepository,
} from './reminders.ts';
import type { NotificationRecord } from './notifications.ts';
import type { TaskRecord } from './tasks.ts';
import { PROJECT, WS, idIn, taskRecord } from './test-fixtures.ts';

const WEB = 'https://teamflow.example.com';
const project = { id: PROJECT, workspaceId: WS, key: 'WEB', name: 'Website', archived: false };

describe('which assignments are worth a reminder', () => {
  test.each([
    ['todo', '2026-05-12', true],
    ['in_progress', '2026-05-12', true],
    ['blocked', '2026-05-12', true],
    ['done', '2026-05-12', false],
    ['archived', '2026-05-12', false],
    ['todo', null, false],
  ] as const)('%s due %s: %s', (status, dueDate, expected) => {
    expect(remindable({ status, dueDate })).toBe(expected);
  });
});

describe("a person's tomorrow", () => {
  const at = new Date('2026-05-11T16:00:00Z');

  test('is the day after their local day: UTC, behind UTC, ahead of UTC (past midnight there)', () => {
    expect(tomorrowIn('UTC', at)).toBe('2026-05-12');
    expect(tomorrowIn(null, at)).toBe('2026-05-12');
    expect(tomorrowIn('America/Los_Angeles', at)).toBe('2026-05-12');
    // 16:00 UTC is 01:00 the next day in Tokyo.
    expect(tomorrowIn('Asia/Tokyo', at)).toBe('2026-05-13');
    expect(tomorrowIn('Not/AZone', at)).toBe('2026-05-12');
  });

  test('crosses month and year ends', () => {
    expect(tomorrowIn('UTC', new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01');
    expect(tomorrowIn('UTC', new Date('2028-02-28T16:00:00Z'))).toBe('2028-02-29');
  });

  test.each([
    'America/Los_Angeles',
    'America/New_York',
    'Europe/Berlin',
    'Australia/Sydney',
    'Pacific/Auckland',
  ])(
    'runs at 16:00 UTC move %s through its clock changes one day at a time (no day skipped or repeated)',
    (zone) => {
      // Runs on every day of a year covering both clock changes of each hemisphere.
      let previous = tomorrowIn(zone, new Date('2026-01-01T16:00:00Z'));
      for (let day = 1; day < 365; day++) {
        const run = new Date(Date.parse('2026-01-01T16:00:00Z') + day * 86_400_000);
        const next = tomorrowIn(zone, run);
        expect(Date.parse(next) - Date.parse(previous)).toBe(86_400_000);
        previous = next;
      }
    },
  );

  test('candidate dates cover every time zone from UTC-12 to UTC+14, and nothing else', () => {
    const at16 = new Date('2026-05-11T16:00:00Z');
    expect(candidateDueDates(at16)).toEqual(['2026-05-12', '2026-05-13']);
    // At 11:00 UTC it is still yesterday at UTC-12 and already tomorrow at UTC+14: three days.
    expect(candidateDueDates(new Date('2026-05-11T11:00:00Z'))).toEqual([
      '2026-05-11',
      '2026-05-12',
      '2026-05-13',
    ]);
    for (const zone of ['Pacific/Kiritimati', 'Etc/GMT+12', 'Asia/Kolkata', 'America/Anchorage']) {
      expect(candidateDueDates(at16)).toContain(tomorrowIn(zone, at16));
    }
  });
});

describe('the start of a local day', () => {
  test.each([
    ['UTC', '2026-05-12', '2026-05-12T00:00:00.000Z'],
    [null, '2026-05-12', '2026-05-12T00:00:00.000Z'],
    ['Asia/Tokyo', '2026-05-12', '2026-05-11T15:00:00.000Z'],
    ['America/Los_Angeles', '2026-05-12', '2026-05-12T07:00:00.000Z'],
    ['Pacific/Kiritimati', '2026-05-12', '2026-05-11T10:00:00.000Z'],
    ['Etc/GMT+12', '2026-05-12', '2026-05-12T12:00:00.000Z'],
    // The day of a clock change: midnight is before it.
    ['Europe/Berlin', '2026-03-29', '2026-03-28T23:00:00.000Z'],
    ['Asia/Kolkata', '2026-05-12', '2026-05-11T18:30:00.000Z'],
  ])('%s, %s: %s', (zone, day, expected) => {
    expect(startOfDayIn(zone, day).toISOString()).toBe(expected);
  });
});

const DUE = '2026-05-12';
const entry = (userId: string, task: TaskRecord): DueEntry => ({
  userId,
  taskId: task.id,
  workspaceId: task.workspaceId,
  projectId: task.projectId,
  dueDate: task.dueDate ?? DUE,
});
const readsOf = (tasks: TaskRecord[], members: string[]): ReminderReads => ({
  tasks: new Map(tasks.map((t) => [t.id, t])),
  projects: new Map([[PROJECT, project]]),
  members: new Set(members.map((u) => memberKey(WS, u))),
});

describe('digest grouping', () => {
  const due = (n: number, overrides: Partial<TaskRecord> = {}) =>
    taskRecord({
      id: idIn(WS, n),
      number: n,
      title: `Task ${n}`,
      dueDate: DUE,
      assigneeIds: ['ann'],
      ...overrides,
    });

  test("a person's live, open tasks still due that day and still theirs, in key order, with links", () => {
    const tasks = [
      due(3),
      due(1),
      due(2, { status: 'done' }),
      due(4, { deletedAt: '2026-05-10T00:00:00.000Z' }),
      due(5, { dueDate: '2026-05-13' }),
      due(6, { assigneeIds: ['bob'] }),
      due(7, { status: 'archived' }),
    ];
    const digest = digestTasks(
      'ann',
      DUE,
      tasks.map((t) => entry('ann', t)),
      readsOf(tasks, ['ann']),
      WEB,
    );
    expect(digest.map((t) => t.key)).toEqual(['WEB-1', 'WEB-3']);
    expect(digest[0]).toMatchObject({
      title: 'Task 1',
      projectName: 'Website',
      url: 'https://teamflow.example.com/p/WEB/WEB-1',
    });
  });

  test("other people's entries, a workspace left, an archived or deleted project: nothing", () => {
    const tasks = [due(1)];
    const entries = [entry('ann', tasks[0]!)];
    expect(digestTasks('bob', DUE, entries, readsOf(tasks, ['ann', 'bob']), WEB)).toEqual([]);
    expect(digestTasks('ann', DUE, entries, readsOf(tasks, []), WEB)).toEqual([]);
    const archived = {
      ...readsOf(tasks, ['ann']),
      projects: new Map([[PROJECT, { ...project, archived: true }]]),
    };
    expect(digestTasks('ann', DUE, entries, archived, WEB)).toEqual([]);
    expect(
      digestTasks('ann', DUE, entries, { ...readsOf(tasks, ['ann']), projects: new Map() }, WEB),
    ).toEqual([]);
  });

  test('the email names every task with its key, title, project and link; HTML is escaped', () => {
    const tasks = [due(1, { title: '<b>Ship</b> & tell' }), due(2)];
    const digest = digestTasks(
      'ann',
      DUE,
      tasks.map((t) => entry('ann', t)),
      readsOf(tasks, ['ann']),
      WEB,
    );
    const mail = dueSoonEmail({ email: 'ann@example.com', name: 'Ann' }, DUE, digest, WEB);
    expect(mail).toMatchObject({ kind: 'due-soon', to: 'ann@example.com', subject: 'Due tomorrow: 2 tasks' });
    expect(mail.text).toContain('Tuesday, 12 May 2026');
    expect(mail.text).toContain(
      '- WEB-1 <b>Ship</b> & tell (Website)\n  https://teamflow.example.com/p/WEB/WEB-1',
    );
    expect(mail.text).toContain('https://teamflow.example.com/p/WEB/WEB-2');
    expect(mail.html).toContain('&lt;b&gt;Ship&lt;/b&gt; &amp; tell');
    expect(mail.html).not.toContain('<b>Ship');
  });

  test('one task: its key and title in the subject; a long list is cut with a pointer to My day', () => {
    const one = digestTasks('ann', DUE, [entry('ann', due(9))], readsOf([due(9)], ['ann']), WEB);
    expect(dueSoonEmail({ email: 'a@x.io', name: 'A' }, DUE, one, WEB).subject).toBe(
      'Due tomorrow: WEB-9 Task 9',
    );
    const many = Array.from({ length: DIGEST_MAX_TASKS + 5 }, (_, i) => due(i + 1));
    const digest = digestTasks(
      'ann',
      DUE,
      many.map((t) => entry('ann', t)),
      readsOf(many, ['ann']),
      WEB,
    );
    const mail = dueSoonEmail({ email: 'a@x.io', name: 'A' }, DUE, digest, WEB);
    expect(mail.text).toContain(`WEB-${DIGEST_MAX_TASKS}`);
    expect(mail.text).not.toContain(`WEB-${DIGEST_MAX_TASKS + 1} `);
    expect(mail.text).toContain('... and 5 more: https://teamflow.example.com/me');
  });
});

/** An in-memory repository: entries by due date, profiles, and markers. */
class MemoryReminders implements ReminderRepository {
  markers = new Set<string>();
  constructor(
    private readonly entries: DueEntry[],
    private readonly people: ReminderProfile[],
    private readonly reads: ReminderReads,
  ) {}
  async *dueOn(dueDate: string) {
    yield this.entries.filter((e) => e.dueDate === dueDate);
  }
  async profiles(userIds: string[]) {
    return new Map(this.people.filter((p) => userIds.includes(p.userId)).map((p) => [p.userId, p]));
  }
  async read() {
    return this.reads;
  }
  async claim(userId: string, dueDate: string) {
    const key = `${userId}|${dueDate}`;
    if (this.markers.has(key)) return false;
    this.markers.add(key);
    return true;
  }
  async release(userId: string, dueDate: string) {
    this.markers.delete(`${userId}|${dueDate}`);
  }
}

/** Notifications put (by recipient and id, as the table keys them) and what was collected for the digest. */
class MemoryNotices implements DueSoonNotices {
  stored = new Map<string, NotificationRecord>();
  digest: string[] = [];
  async putIfAbsent(record: NotificationRecord) {
    const key = `${record.userId}|${record.id}`;
    if (this.stored.has(key)) return false;
    this.stored.set(key, record);
    return true;
  }
  async schedule(records: NotificationRecord[], prefs: { channels?: Record<string, string> } | null) {
    for (const r of records) if (prefs?.channels?.[r.kind] === 'digest') this.digest.push(r.id);
  }
}

describe('the reminder run', () => {
  const now = new Date('2026-05-11T16:00:00Z');
  const person = (userId: string, overrides: Partial<ReminderProfile> = {}): ReminderProfile => ({
    userId,
    email: `${userId}@example.com`,
    name: userId,
    timezone: 'UTC',
    notificationPrefs: null,
    ...overrides,
  });
  const t1 = taskRecord({ id: idIn(WS, 1), number: 1, dueDate: DUE, assigneeIds: ['ann', 'bob', 'cy'] });
  const t2 = taskRecord({ id: idIn(WS, 2), number: 2, dueDate: DUE, assigneeIds: ['ann'] });
  // Tokyo's tomorrow at this run is the 13th: the task due the 12th is today's there, not tomorrow's.
  const t3 = taskRecord({ id: idIn(WS, 3), number: 3, dueDate: DUE, assigneeIds: ['dee'] });
  const entries = [entry('ann', t1), entry('ann', t2), entry('bob', t1), entry('cy', t1), entry('dee', t3)];
  const reads = readsOf([t1, t2, t3], ['ann', 'bob', 'cy', 'dee']);
  const people = [
    person('ann'),
    person('bob', {
      notificationPrefs: {
        email: { assigned: true, mentioned: true, dueSoon: true, digest: false },
        channels: { dueSoon: 'off' },
      },
    }),
    person('dee', { timezone: 'Asia/Tokyo' }),
  ];

  test('one digest per person who wants it; a second run sends nothing new', async () => {
    const repository = new MemoryReminders(entries, people, reads);
    const sent: EmailMessage[] = [];
    const notices = new MemoryNotices();
    const service = new DueReminderService(repository, async (m) => void sent.push(m), notices, {
      webUrl: WEB,
    });
    // cy has no profile (never signed in): skipped.
    expect(await service.run(now)).toEqual({
      people: 2,
      notified: 2,
      sent: 1,
      alreadySent: 0,
      optedOut: 1,
      failed: 0,
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toBe('ann@example.com');
    expect(sent[0]!.text).toContain('WEB-1');
    expect(sent[0]!.text).toContain('WEB-2');
    expect(await service.run(now)).toMatchObject({ sent: 0, alreadySent: 1, notified: 0 });
    expect(sent).toHaveLength(1);
    // In the bell: one per task for ann (bob turned the kind off), written once however often the day runs.
    const notes = [...notices.stored.values()];
    expect(notes.map((n) => [n.userId, n.kind, n.link])).toEqual([
      ['ann', 'dueSoon', '/p/WEB/WEB-1'],
      ['ann', 'dueSoon', '/p/WEB/WEB-2'],
    ]);
    expect(notes[0]!.title).toBe(`WEB-1 ${t1.title} is due tomorrow`);
    expect(notes[0]!.createdAt).toBe('2026-05-11T00:00:00.000Z');
    const later = new DueReminderService(repository, async (m) => void sent.push(m), notices, {
      webUrl: WEB,
    });
    expect(await later.run(new Date('2026-05-11T22:30:00Z'))).toMatchObject({ notified: 0 });
  });

  test('the digest channel collects the tasks instead of the due-date email; muted projects are not mailed', async () => {
    const prefs = (channel: 'digest' | 'email', muted = false) => ({
      email: { assigned: true, mentioned: true, dueSoon: true, digest: false },
      channels: { dueSoon: channel },
      ...(muted ? { mutedProjects: { [PROJECT]: true as const } } : {}),
    });
    const repository = new MemoryReminders(
      entries,
      [
        person('ann', { notificationPrefs: prefs('digest') }),
        person('bob', { notificationPrefs: prefs('email', true) }),
      ],
      reads,
    );
    const sent: EmailMessage[] = [];
    const notices = new MemoryNotices();
    const service = new DueReminderService(repository, async (m) => void sent.push(m), notices, {
      webUrl: WEB,
    });
    expect(await service.run(now)).toMatchObject({ notified: 3, sent: 0 });
    expect(sent).toEqual([]);
    expect(notices.digest).toHaveLength(2);
    expect([...notices.stored.values()].filter((n) => n.userId === 'bob')).toHaveLength(1);
  });

  test('a digest that cannot be queued gives its marker back, so the retry sends it', async () => {
    const repository = new MemoryReminders(entries, people, reads);
    let fail = true;
    const sent: EmailMessage[] = [];
    const deliver = async (m: EmailMessage) => {
      if (fail) throw new Error('queue down');
      sent.push(m);
    };
    const service = new DueReminderService(repository, deliver, new MemoryNotices(), { webUrl: WEB });
    expect(await service.run(now)).toMatchObject({ sent: 0, failed: 1 });
    expect(repository.markers.size).toBe(0);
    fail = false;
    expect(await service.run(now)).toMatchObject({ sent: 1, failed: 0 });
    expect(sent).toHaveLength(1);
  });

  test('out of time: the run fails before the next unit of work', async () => {
    const repository = new MemoryReminders(entries, people, reads);
    const service = new DueReminderService(repository, async () => undefined, new MemoryNotices(), {
      webUrl: WEB,
      hasTime: () => false,
    });
    await expect(service.run(now)).rejects.toThrow('Out of time');
  });
});
