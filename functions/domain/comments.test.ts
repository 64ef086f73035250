import { createCommentSchema, patchCommentSchema } from '#shared/schemas/comments';
import type { Role } from '#shared/schemas/workspaces';
import type { ProjectRecord, TaskRecord } from './tasks.ts';
import {
  CommentService,
  handlesOf,
  mayMention,
  newMentions,
  parseMentions,
  withoutCode,
  type CommentRead,
  type CommentRecord,
  type CommentRepository,
  type CommentWrite,
  type CommentWriteOutcome,
  type MentionableMember,
} from './comments.ts';
import {
  callerOf,
  expectError,
  idIn,
  membershipOf,
  PROJECT,
  projectRecord,
  taskRecord,
  WS,
} from './test-fixtures.ts';

const ada: MentionableMember = { userId: 'u-ada', name: 'Ada Lovelace', email: 'ada.l@example.com' };
const adam: MentionableMember = { userId: 'u-adam', name: 'Adam', email: 'adam@example.com' };
const bob: MentionableMember = { userId: 'u-bob', name: null, email: 'bob@example.com' };
const anna: MentionableMember = { userId: 'u-anna', name: 'Anna', email: 'anna@example.com' };
const annaLena: MentionableMember = { userId: 'u-al', name: 'Anna-Lena', email: 'al@example.com' };
const otherAnna: MentionableMember = { userId: 'u-anna2', name: 'anna', email: 'a2@example.com' };
const members = [ada, adam, bob, anna, annaLena];

describe('mentions', () => {
  it.each([
    ['@Ada Lovelace can you look?', ['u-ada']],
    ['@ada lovelace, @ADAM and @bob.', ['u-ada', 'u-adam', 'u-bob']],
    ['by email local part: @ada.l', ['u-ada']],
    ['runs of spaces count as one: @Ada   Lovelace', ['u-ada']],
    ['(@bob)', ['u-bob']],
    ['first mention first: @bob then @Adam then @bob', ['u-bob', 'u-adam']],
    ['the longest handle wins: @Anna-Lena', ['u-al']],
    ['glued on: @Adamant @bobby', []],
    ['an email is not a mention: write to bob@example.com', []],
    ['unknown people: @carol', []],
    ['a name across a line break is not one: @Ada\nLovelace', []],
    ['inline code: `@bob` and ``x @Adam x``', []],
    ['fenced:\n```ts\n@bob\n```\nafter @Adam', ['u-adam']],
    ['tilde fence:\n~~~\n@bob\n~~~', []],
  ])('%s', (body, expected) => {
    expect(parseMentions(body, members)).toEqual(expected);
  });

  it('mentions everyone who answers to the very handle written', () => {
    expect(parseMentions('hi @Anna', [anna, otherAnna])).toEqual(['u-anna', 'u-anna2']);
  });

  it('knows a member by display name and by the local part of their email, case-insensitively', () => {
    expect(handlesOf(ada)).toEqual(['ada.l', 'ada lovelace']);
    expect(handlesOf(bob)).toEqual(['bob']);
  });

  it('strips fenced and inline code but keeps everything else', () => {
    expect(withoutCode('a `b` c\n```\nd\n```\ne')).toBe('a   c\n\n\n\ne');
    expect(mayMention('`@x`')).toBe(false);
    expect(mayMention('hi @x')).toBe(true);
  });

  it('tells the newly mentioned apart from those mentioned before (the notification seam)', () => {
    expect(newMentions(undefined, ['a', 'b'])).toEqual(['a', 'b']);
    expect(newMentions(['a'], ['a', 'b'])).toEqual(['b']);
    expect(newMentions(['a', 'b'], ['a'])).toEqual([]);
  });
});

describe('schemas', () => {
  it('trims the body and wants 1..10,000 characters after trimming', () => {
    expect(createCommentSchema.parse({ body: '  hi \n' })).toEqual({ body: 'hi' });
    expect(createCommentSchema.safeParse({ body: ' \n ' }).success).toBe(false);
    expect(createCommentSchema.safeParse({ body: `  ${'x'.repeat(10_000)}  ` }).success).toBe(true);
    expect(createCommentSchema.safeParse({ body: 'x'.repeat(10_001) }).success).toBe(false);
    expect(patchCommentSchema.safeParse({ body: 'x' }).success).toBe(false);
  });
});

const TASK = idIn(WS, 2);
const COMMENT = idIn(TASK, 3);
const NOW = new Date('2026-03-01T10:00:00.000Z');

class FakeRepository implements CommentRepository {
  roles = new Map<string, Role>([
    ['owner', 'owner'],
    ['admin', 'admin'],
    ['member', 'member'],
    ['other', 'member'],
    ['viewer', 'viewer'],
  ]);
  task: TaskRecord = taskRecord({ id: TASK });
  project: ProjectRecord | undefined = projectRecord({ taskSeq: 1 });
  comments = new Map<string, CommentRecord>();
  writes: CommentWrite[] = [];
  memberReads = 0;

  async read(taskId: string, userId: string, commentId?: string): Promise<CommentRead> {
    const role = this.roles.get(userId);
    return {
      membership: role ? membershipOf(userId, role) : undefined,
      task: taskId === TASK ? this.task : undefined,
      comment: commentId ? this.comments.get(commentId) : undefined,
    };
  }

  async getProject() {
    return this.project;
  }

  async list() {
    return { items: [...this.comments.values()], nextCursor: null };
  }

  async members() {
    this.memberReads++;
    return [...this.roles.keys()].map((userId) => ({ userId, name: null, email: `${userId}@x.test` }));
  }

  async write(change: CommentWrite): Promise<CommentWriteOutcome> {
    if (this.task.deletedAt) return { task: this.task };
    const id = (change.after ?? change.before)!.id;
    const stored = this.comments.get(id);
    if (change.before && stored?.version !== change.before.version) return { comment: stored };
    if (change.after) this.comments.set(id, change.after);
    else this.comments.delete(id);
    this.task.commentCount += (change.after ? 1 : 0) - (change.before ? 1 : 0);
    this.writes.push(change);
    return { ok: true };
  }
}

const comment = (overrides: Partial<CommentRecord> = {}): CommentRecord => ({
  id: COMMENT,
  taskId: TASK,
  workspaceId: WS,
  projectId: PROJECT,
  authorId: 'member',
  body: 'First',
  mentions: [],
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  editedAt: null,
  version: 1,
  ...overrides,
});

const setup = () => {
  const repository = new FakeRepository();
  repository.comments.set(COMMENT, comment());
  return { repository, service: new CommentService(repository, () => NOW) };
};

describe('CommentService', () => {
  it('creates with the mentions resolved, counts it, and records it in the task history', async () => {
    const { repository, service } = setup();
    const created = await service.create(callerOf('member'), TASK, { body: 'ping @other and @nobody' });
    expect(created).toMatchObject({ authorId: 'member', mentions: ['other'], version: 1, editedAt: null });
    expect(repository.task.commentCount).toBe(1);
    expect(repository.writes[0]!.activity).toMatchObject({
      entityType: 'comment',
      entityId: created.id,
      taskId: TASK,
      action: 'created',
      data: created,
    });
  });

  it('does not read the members when the body cannot mention anyone', async () => {
    const { repository, service } = setup();
    await service.create(callerOf('member'), TASK, { body: 'no mentions, only `@code`' });
    expect(repository.memberReads).toBe(0);
  });

  it('lets only the author edit (not even an owner), and viewers write nothing', async () => {
    const { repository, service } = setup();
    for (const who of ['other', 'owner', 'admin']) {
      await expectError(service.patch(callerOf(who), COMMENT, { body: 'x', version: 1 }), 'FORBIDDEN');
    }
    await expectError(service.create(callerOf('viewer'), TASK, { body: 'x' }), 'FORBIDDEN');
    await expectError(service.patch(callerOf('stranger'), COMMENT, { body: 'x', version: 1 }), 'NOT_FOUND');
    expect(repository.writes).toHaveLength(0);
    const edited = await service.patch(callerOf('member'), COMMENT, { body: 'Edited @other', version: 1 });
    expect(edited).toMatchObject({
      body: 'Edited @other',
      mentions: ['other'],
      editedAt: NOW.toISOString(),
      version: 2,
    });
    expect(repository.writes[0]!.activity.changes).toEqual({
      body: { from: 'First', to: 'Edited @other' },
      mentions: { from: [], to: ['other'] },
    });
  });

  it('lets the author, admins and owners delete; another member and a viewer get 403', async () => {
    for (const who of ['member', 'admin', 'owner']) {
      const { repository, service } = setup();
      await service.delete(callerOf(who), COMMENT, 1);
      expect([repository.comments.size, repository.writes[0]!.activity.data]).toEqual([0, null]);
    }
    const { service } = setup();
    await expectError(service.delete(callerOf('other'), COMMENT, 1), 'FORBIDDEN');
    await expectError(service.delete(callerOf('viewer'), COMMENT, 1), 'FORBIDDEN');
  });

  it('answers a stale version with 409 and the stored comment', async () => {
    const { service } = setup();
    const error = await expectError(
      service.patch(callerOf('member'), COMMENT, { body: 'x', version: 2 }),
      'VERSION_CONFLICT',
    );
    expect(error.extra).toEqual({ current: comment() });
    await expectError(service.delete(callerOf('member'), COMMENT, 2), 'VERSION_CONFLICT');
  });

  it('refuses writes on a deleted task or an archived project (409)', async () => {
    const { repository, service } = setup();
    repository.task = { ...repository.task, deletedAt: NOW.toISOString() };
    await expectError(service.create(callerOf('member'), TASK, { body: 'x' }), 'CONFLICT');
    await expectError(service.delete(callerOf('member'), COMMENT, 1), 'CONFLICT');
    repository.task = { ...repository.task, deletedAt: null };
    repository.project = { ...repository.project!, archived: true };
    await expectError(service.create(callerOf('member'), TASK, { body: 'x' }), 'CONFLICT');
    expect(repository.writes).toHaveLength(0);
  });
});
