import type { Comment } from '#shared/schemas/comments';
import type { Task } from '#shared/schemas/tasks';
import {
  addMember,
  addTeam,
  api,
  expectErrorShape,
  signUpUser,
  type Team,
  type TestUser,
} from './support.ts';
import {
  activityOf,
  created,
  createProject,
  createTask,
  createWorkspace,
  fieldsOf,
  getTask,
  read,
  takingTurns,
  ULID,
  UNKNOWN_ULID,
  type ErrorBody,
  type Page,
} from './fixtures.ts';

/**
 * Comments against the local stack. Every user may make 100 requests a minute, so each describe block has its
 * own workspace and people, and the heavier blocks spread their writes over several members.
 */

const comment = (user: TestUser, taskId: string, body: string) =>
  created<Comment>(user, `/tasks/${taskId}/comments`, { body });

const listComments = (user: TestUser, taskId: string, query = '') =>
  read<Page<Comment>>(user, `/tasks/${taskId}/comments${query}`);

async function rename(user: TestUser, name: string) {
  const res = await api('/me', { method: 'PATCH', token: user.idToken, body: { name } });
  if (res.status !== 200) throw new Error(`rename failed: ${res.status} ${JSON.stringify(res.body)}`);
}

describe('comments', () => {
  let owner: TestUser;
  let team: Team;
  let pool: TestUser[];
  let ws: string;
  let projectId: string;
  /** The next member of the pool (role member), to spread requests over rate-limit budgets. */
  const writer = takingTurns(() => pool);

  beforeAll(async () => {
    owner = await signUpUser('Cora Owner');
    ws = await createWorkspace(owner, 'Comment Co');
    [team, pool] = await Promise.all([
      addTeam(owner, ws),
      Promise.all(Array.from({ length: 5 }, () => addMember(owner, ws, 'member'))),
    ]);
    projectId = await createProject(owner, ws, 'COM');
  }, 120_000);

  describe('create, list, edit, delete', () => {
    it('creates (201, its shape, body trimmed), lists oldest first and counts it on the task', async () => {
      const task = await createTask(writer(), projectId);
      const author = writer();
      const res = await api<Comment>(`/tasks/${task.id}/comments`, {
        method: 'POST',
        token: author.idToken,
        body: { body: '\n  Looks good to me.\n\n```js\nconst a = 1;\n```\n  ' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(new RegExp(`^${task.id.replace('.', '\\.')}\\.${ULID}$`)),
        taskId: task.id,
        workspaceId: ws,
        projectId,
        authorId: author.userId,
        body: 'Looks good to me.\n\n```js\nconst a = 1;\n```',
        mentions: [],
        createdAt: expect.any(String),
        updatedAt: res.body.createdAt,
        editedAt: null,
        version: 1,
      });
      const second = await comment(writer(), task.id, 'Second');
      expect(await listComments(team.viewer, task.id)).toEqual({
        items: [res.body, second],
        nextCursor: null,
      });
      const after = await getTask(team.viewer, task.id);
      expect(after.commentCount).toBe(2);
      // Comments never bump the task's version: an open edit of the task stays valid.
      expect(after.version).toBe(task.version);
      const activity = await activityOf(team.viewer, task.id);
      expect(activity.slice(0, 2).map((a) => [a.entityType, a.action, a.entityId, a.actorId])).toEqual([
        ['comment', 'created', second.id, second.authorId],
        ['comment', 'created', res.body.id, author.userId],
      ]);
    });

    it('pages through the comments in chat order', async () => {
      const task = await createTask(writer(), projectId);
      const created: Comment[] = [];
      for (let i = 0; i < 5; i++) created.push(await comment(writer(), task.id, `Message ${i}`));
      const seen: Comment[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page<Comment> = await listComments(
          writer(),
          task.id,
          `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(created);
      expect(pages).toBe(3);
    });

    it('lets the author edit: body, editedAt, version +1, the change in the activity; task version kept', async () => {
      const task = await createTask(writer(), projectId);
      const author = writer();
      const c = await comment(author, task.id, 'Frist');
      const res = await api<Comment>(`/comments/${c.id}`, {
        method: 'PATCH',
        token: author.idToken,
        body: { body: 'First', version: 1 },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ...c,
        body: 'First',
        updatedAt: expect.any(String),
        editedAt: res.body.updatedAt,
        version: 2,
      });
      expect(res.body.editedAt! >= c.createdAt).toBe(true);
      expect((await listComments(author, task.id)).items).toEqual([res.body]);
      const after = await getTask(author, task.id);
      expect([after.commentCount, after.version]).toEqual([1, task.version]);
      expect((await activityOf(author, task.id))[0]).toMatchObject({
        entityType: 'comment',
        action: 'updated',
        entityId: c.id,
        changes: { body: { from: 'Frist', to: 'First' } },
      });
      // The same body again changes nothing.
      const same = await api<Comment>(`/comments/${c.id}`, {
        method: 'PATCH',
        token: author.idToken,
        body: { body: 'First', version: 2 },
      });
      expect([same.status, same.body]).toEqual([200, res.body]);
    });

    it('deletes (204): gone from the list, counted down, the deletion in the activity', async () => {
      const task = await createTask(writer(), projectId);
      const author = writer();
      const keep = await comment(author, task.id, 'Keep');
      const drop = await comment(author, task.id, 'Drop');
      expect((await getTask(author, task.id)).commentCount).toBe(2);
      const del = await api(`/comments/${drop.id}?version=1`, { method: 'DELETE', token: author.idToken });
      expect(del.status).toBe(204);
      expect((await getTask(author, task.id)).commentCount).toBe(1);
      expect((await listComments(author, task.id)).items).toEqual([keep]);
      const again = await api(`/comments/${drop.id}?version=1`, { method: 'DELETE', token: author.idToken });
      expect(again.status).toBe(404);
      expectErrorShape(again.body, 'NOT_FOUND');
      expect((await getTask(author, task.id)).commentCount).toBe(1);
      expect((await activityOf(author, task.id))[0]).toMatchObject({
        entityType: 'comment',
        action: 'deleted',
        entityId: drop.id,
      });
    });
  });

  describe('versions and concurrency', () => {
    it('answers a stale version on edit and delete with 409 VERSION_CONFLICT and the current comment', async () => {
      const task = await createTask(writer(), projectId);
      const author = writer();
      const c = await comment(author, task.id, 'v1');
      const edited = await api<Comment>(`/comments/${c.id}`, {
        method: 'PATCH',
        token: author.idToken,
        body: { body: 'v2', version: 1 },
      });
      for (const [method, url, body] of [
        ['PATCH', `/comments/${c.id}`, { body: 'v3', version: 1 }],
        ['DELETE', `/comments/${c.id}?version=1`, undefined],
      ] as const) {
        const res = await api<ErrorBody<Comment>>(url, { method, token: author.idToken, body });
        expect(res.status).toBe(409);
        expectErrorShape(res.body, 'VERSION_CONFLICT');
        expect(res.body.error.details).toEqual([]);
        expect(res.body.current).toEqual(edited.body);
      }
      expect((await listComments(author, task.id)).items).toEqual([edited.body]);
      expect((await getTask(author, task.id)).commentCount).toBe(1);
    });

    it('10 racing edits of one comment with one version: exactly one wins, the others get it as current', async () => {
      const task = await createTask(writer(), projectId);
      const author = pool[0]!;
      const c = await comment(author, task.id, 'Race');
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          api<Comment & ErrorBody<Comment>>(`/comments/${c.id}`, {
            method: 'PATCH',
            token: author.idToken,
            body: { body: `Edit ${i}`, version: 1 },
          }),
        ),
      );
      const winners = results.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      for (const loser of results.filter((r) => r.status !== 200)) {
        expect(loser.status).toBe(409);
        expect(loser.body.current).toEqual(winners[0]!.body);
      }
    });

    it('20 concurrent comments on one task: all created, commentCount exactly 20', async () => {
      const task = await createTask(writer(), projectId);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api<Comment>(`/tasks/${task.id}/comments`, {
            method: 'POST',
            token: writer().idToken,
            body: { body: `Concurrent ${i}` },
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array<number>(20).fill(201));
      expect((await getTask(writer(), task.id)).commentCount).toBe(20);
      const listed = (await listComments(writer(), task.id)).items;
      expect(listed.map((c) => c.id).sort()).toEqual(results.map((r) => r.body.id).sort());
      // Chat order: ids (ULIDs) ascending.
      expect(listed.map((c) => c.id)).toEqual(listed.map((c) => c.id).sort());

      // And 20 concurrent deletions bring it back to exactly 0.
      const deletions = await Promise.all(
        results.map((r) => {
          const author = pool.find((u) => u.userId === r.body.authorId)!;
          return api(`/comments/${r.body.id}?version=1`, { method: 'DELETE', token: author.idToken });
        }),
      );
      expect(deletions.map((r) => r.status)).toEqual(Array<number>(20).fill(204));
      expect((await getTask(writer(), task.id)).commentCount).toBe(0);
    });
  });

  describe('mentions', () => {
    beforeAll(async () => {
      await Promise.all([
        rename(team.member, 'Mira Quinn'),
        rename(team.admin, 'Ada Lovelace'),
        rename(team.viewer, 'Vic'),
        rename(team.outsider, 'Otto Outside'),
      ]);
    });

    it('records the members an @name names: display name or email local part, case-insensitive', async () => {
      const task = await createTask(writer(), projectId);
      const local = team.viewer.email.split('@')[0]!;
      const c = await comment(
        writer(),
        task.id,
        `@mira quinn and @Ada Lovelace, please check with @${local.toUpperCase()}. cc @Otto Outside, @nobody, ` +
          `mail ${team.member.email}, \`@Vic\``,
      );
      expect(c.mentions).toEqual([team.member.userId, team.admin.userId, team.viewer.userId]);
      expect((await listComments(writer(), task.id)).items[0]!.mentions).toEqual(c.mentions);
    });

    it('re-reads the mentions on edit', async () => {
      const task = await createTask(writer(), projectId);
      const author = writer();
      const c = await comment(author, task.id, 'Thoughts, @Vic?');
      expect(c.mentions).toEqual([team.viewer.userId]);
      const edited = await api<Comment>(`/comments/${c.id}`, {
        method: 'PATCH',
        token: author.idToken,
        body: { body: 'Thoughts, @Mira Quinn?', version: 1 },
      });
      expect(edited.body.mentions).toEqual([team.member.userId]);
      expect((await activityOf(author, task.id))[0]!.changes.mentions).toEqual({
        from: [team.viewer.userId],
        to: [team.member.userId],
      });
    });
  });

  describe('bad input: 400 naming the field, nothing written', () => {
    let task: Task;
    let target: Comment;
    let author: TestUser;
    beforeAll(async () => {
      author = pool[1]!;
      task = await createTask(author, projectId, { title: 'Validation target' });
      target = await comment(author, task.id, 'Target');
    });
    const unchanged = async () => {
      expect((await getTask(writer(), task.id)).commentCount).toBe(1);
      expect((await listComments(writer(), task.id)).items).toEqual([target]);
    };

    const badBodies: Array<[string, unknown, string]> = [
      ['a missing body', {}, 'body'],
      ['a blank body', { body: ' \n\t ' }, 'body'],
      ['a body of the wrong type', { body: ['hi'] }, 'body'],
      ['an oversize body', { body: 'x'.repeat(10_001) }, 'body'],
      ['an unknown field', { body: 'hi', authorId: 'someone' }, 'authorId'],
      ['a body that is not an object', 'hi', 'body'],
    ];

    it.each(badBodies)('create refuses %s', async (_, body, field) => {
      const res = await api(`/tasks/${task.id}/comments`, { method: 'POST', token: writer().idToken, body });
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 'VALIDATION_ERROR');
      expect(fieldsOf(res)).toEqual([field]);
      await unchanged();
    });

    it('accepts exactly 10,000 characters after trimming', async () => {
      const other = await createTask(writer(), projectId);
      const c = await comment(writer(), other.id, `  ${'y'.repeat(10_000)}  `);
      expect(c.body).toHaveLength(10_000);
    });

    const badPatches: Array<[string, unknown, string]> = [
      ['no version', { body: 'x' }, 'version'],
      ['no body', { version: 1 }, 'body'],
      ['a version as text', { body: 'x', version: '1' }, 'version'],
      ['a blank body', { body: '', version: 1 }, 'body'],
      ['an oversize body', { body: 'z'.repeat(10_001), version: 1 }, 'body'],
      ['an unknown field', { body: 'x', version: 1, mentions: [] }, 'mentions'],
    ];

    it.each(badPatches)('edit refuses %s', async (_, body, field) => {
      const res = await api(`/comments/${target.id}`, { method: 'PATCH', token: author.idToken, body });
      expect([res.status, fieldsOf(res)]).toEqual([400, [field]]);
      await unchanged();
    });

    it('refuses malformed JSON, invalid ids, missing or bad versions and bad list queries', async () => {
      const cases: Array<[string, string, string | undefined, string[]]> = [
        ['POST', `/tasks/${task.id}/comments`, '{"body": ', ['body']],
        ['PATCH', `/comments/${target.id}`, '{"body": "x", version: 1}', ['body']],
        ['POST', '/tasks/nope/comments', '{"body": "x"}', ['taskId']],
        ['GET', `/tasks/${task.id}.${UNKNOWN_ULID}/comments`, undefined, ['taskId']],
        ['PATCH', '/comments/nope', '{"body": "x", "version": 1}', ['commentId']],
        ['DELETE', `/comments/${task.id}?version=1`, undefined, ['commentId']],
        ['DELETE', `/comments/${target.id}`, undefined, ['version']],
        ['DELETE', `/comments/${target.id}?version=-1`, undefined, ['version']],
        ['GET', `/tasks/${task.id}/comments?limit=abc`, undefined, ['limit']],
        ['GET', `/tasks/${task.id}/comments?cursor=garbage`, undefined, ['cursor']],
        ['GET', `/tasks/${task.id}/comments?order=desc`, undefined, ['order']],
      ];
      for (const [method, url, rawBody, fields] of cases) {
        const res = await api(url, {
          method,
          token: author.idToken,
          rawBody,
          headers: rawBody ? { 'content-type': 'application/json' } : {},
        });
        expect([method, url, res.status, fieldsOf(res)]).toEqual([method, url, 400, fields]);
        expectErrorShape(res.body, 'VALIDATION_ERROR');
      }
      await unchanged();
    });
  });

  describe('roles and state', () => {
    it('viewers read but may not comment, edit or delete (403); non-members get 404; nothing written', async () => {
      const task = await createTask(writer(), projectId);
      const c = await comment(team.member, task.id, 'Mine');
      expect((await listComments(team.viewer, task.id)).items).toEqual([c]);
      const writes: Array<[string, string, unknown]> = [
        ['POST', `/tasks/${task.id}/comments`, { body: 'x' }],
        ['PATCH', `/comments/${c.id}`, { body: 'x', version: 1 }],
        ['DELETE', `/comments/${c.id}?version=1`, undefined],
      ];
      for (const [method, url, body] of writes) {
        const res = await api(url, { method, token: team.viewer.idToken, body });
        expect([method, res.status]).toEqual([method, 403]);
        expectErrorShape(res.body, 'FORBIDDEN');
      }
      for (const [method, url, body] of [
        ...writes,
        ['GET', `/tasks/${task.id}/comments`, undefined] as const,
      ]) {
        const res = await api(url, { method, token: team.outsider.idToken, body });
        expect([method, res.status]).toEqual([method, 404]);
        expectErrorShape(res.body, 'NOT_FOUND');
      }
      expect((await listComments(team.member, task.id)).items).toEqual([c]);
      expect((await getTask(team.member, task.id)).commentCount).toBe(1);
    });

    it("a member may not edit or delete another's comment; admins and owners may delete but not edit it", async () => {
      const task = await createTask(writer(), projectId);
      const first = await comment(team.member, task.id, 'By the member');
      const second = await comment(team.member, task.id, 'Also by the member');
      const other = writer();
      for (const who of [other, team.admin, owner]) {
        const res = await api(`/comments/${first.id}`, {
          method: 'PATCH',
          token: who.idToken,
          body: { body: 'hijacked', version: 1 },
        });
        expect(res.status).toBe(403);
        expectErrorShape(res.body, 'FORBIDDEN');
      }
      const byOther = await api(`/comments/${first.id}?version=1`, {
        method: 'DELETE',
        token: other.idToken,
      });
      expect(byOther.status).toBe(403);
      expect((await listComments(team.member, task.id)).items).toEqual([first, second]);

      expect(
        (await api(`/comments/${first.id}?version=1`, { method: 'DELETE', token: team.admin.idToken }))
          .status,
      ).toBe(204);
      expect(
        (await api(`/comments/${second.id}?version=1`, { method: 'DELETE', token: owner.idToken })).status,
      ).toBe(204);
      expect((await getTask(team.member, task.id)).commentCount).toBe(0);
      const deletions = (await activityOf(team.member, task.id)).filter((a) => a.action === 'deleted');
      expect(deletions.map((a) => [a.entityType, a.entityId, a.actorId])).toEqual([
        ['comment', second.id, owner.userId],
        ['comment', first.id, team.admin.userId],
      ]);
    });

    it('unknown tasks and comments are 404', async () => {
      const task = await createTask(writer(), projectId);
      for (const [method, url, body] of [
        ['GET', `/tasks/${ws}.${UNKNOWN_ULID}/comments`, undefined],
        ['POST', `/tasks/${ws}.${UNKNOWN_ULID}/comments`, { body: 'x' }],
        ['PATCH', `/comments/${task.id}.${UNKNOWN_ULID}`, { body: 'x', version: 1 }],
        ['DELETE', `/comments/${task.id}.${UNKNOWN_ULID}?version=1`, undefined],
      ] as const) {
        const res = await api(url, { method, token: writer().idToken, body });
        expect([method, url, res.status]).toEqual([method, url, 404]);
      }
    });

    it('a deleted task refuses comment writes (409 CONFLICT) but its comments can be read', async () => {
      const task = await createTask(team.member, projectId);
      const c = await comment(team.member, task.id, 'Before deletion');
      const del = await api(`/tasks/${task.id}?version=${task.version}`, {
        method: 'DELETE',
        token: team.member.idToken,
      });
      expect(del.status).toBe(200);
      for (const [method, url, body] of [
        ['POST', `/tasks/${task.id}/comments`, { body: 'x' }],
        ['PATCH', `/comments/${c.id}`, { body: 'x', version: 1 }],
        ['DELETE', `/comments/${c.id}?version=1`, undefined],
      ] as const) {
        const res = await api(url, { method, token: team.member.idToken, body });
        expect([method, res.status]).toEqual([method, 409]);
        expectErrorShape(res.body, 'CONFLICT');
      }
      expect((await listComments(team.viewer, task.id)).items).toEqual([c]);
      expect((await getTask(team.viewer, task.id)).commentCount).toBe(1);
    });

    it("an archived project's tasks refuse new comments (409 CONFLICT)", async () => {
      const project = await createProject(owner, ws, 'ARCC');
      const task = await createTask(owner, project);
      const archived = await api(`/projects/${project}`, {
        method: 'PATCH',
        token: owner.idToken,
        body: { version: 1, archived: true },
      });
      expect(archived.status).toBe(200);
      const res = await api(`/tasks/${task.id}/comments`, {
        method: 'POST',
        token: owner.idToken,
        body: { body: 'x' },
      });
      expect(res.status).toBe(409);
      expectErrorShape(res.body, 'CONFLICT');
      expect((await getTask(owner, task.id)).commentCount).toBe(0);
    });
  });
});
