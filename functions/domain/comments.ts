import type { Comment, CreateCommentInput, PatchCommentInput } from '#shared/schemas/comments';
import { ConflictError, ForbiddenError, NotFoundError, VersionConflictError } from '#functions/lib/errors';
import { newGrandchildId, parentOf, workspaceOf } from '#functions/lib/ids';
import type { Page } from '#functions/lib/pagination';
import { can } from './access.ts';
import { fieldChanges, type ActivityRecord } from './activity.ts';
import { taskChildActivity, taskChildRefusal, type TaskChildRefusal } from './task-children.ts';
import type { ProjectRecord, TaskRecord } from './tasks.ts';
import type { Caller, MembershipRecord } from './workspaces.ts';

// ---------------------------------------------------------------------------------------------------------
// Records and the repository (functions/store/comment-repository.ts)
// ---------------------------------------------------------------------------------------------------------

/** A comment as stored is the API's shape (the store adds its keys). */
export type CommentRecord = Comment;

/** What one request reads up front, in one BatchGetItem. */
export interface CommentRead {
  membership?: MembershipRecord;
  task?: TaskRecord;
  comment?: CommentRecord;
}

/** A member as mentions see them: the display name of their profile (null if none) and their email. */
export interface MentionableMember {
  userId: string;
  name: string | null;
  email: string;
}

/**
 * A change of one comment, written as ONE TransactWriteItems: the comment put (new: if absent; edited: if
 * still at `before.version`) or deleted (if still at `before.version`), its activity, and on the task item
 * either `ADD commentCount` (create/delete) or a check (edit), on condition that the task exists and is not
 * deleted. The task's `version` is left alone: a comment must not make someone's open edit of the task stale.
 */
export interface CommentWrite {
  taskId: string;
  before?: CommentRecord;
  after?: CommentRecord;
  activity: ActivityRecord;
}

/** Written, or refused (see TaskChildRefusal). */
export type CommentWriteOutcome = { ok: true } | TaskChildRefusal<'comment', CommentRecord>;

export interface CommentRepository {
  /** The task, the user's membership of its workspace and (if asked) one of its comments: one BatchGetItem. */
  read(taskId: string, userId: string, commentId?: string): Promise<CommentRead>;
  /** The task's project, undefined when it is gone. */
  getProject(workspaceId: string, projectId: string): Promise<ProjectRecord | undefined>;
  /** A task's comments, oldest first. */
  list(taskId: string, limit: number, cursor?: string): Promise<Page<CommentRecord>>;
  /** Every member of the workspace with their display name (to resolve mentions). */
  members(workspaceId: string): Promise<MentionableMember[]>;
  write(change: CommentWrite): Promise<CommentWriteOutcome>;
}

// ---------------------------------------------------------------------------------------------------------
// Mentions (pure; unit-tested in comments.test.ts)
// ---------------------------------------------------------------------------------------------------------

/**
 * The body without its code: fenced blocks (``` or ~~~) and inline code spans become blank, so an `@` in code
 * (a decorator, an npm scope, an email in a log line) is not a mention.
 */
export function withoutCode(markdown: string): string {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const opening = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      const closes =
        opening !== undefined &&
        opening[0] === fence[0] &&
        opening.length >= fence.length &&
        /^ {0,3}(`+|~+)\s*$/.test(line);
      if (closes) fence = undefined;
      lines.push('');
    } else if (opening) {
      fence = opening;
      lines.push('');
    } else {
      lines.push(line);
    }
  }
  // An inline span: a run of backticks up to the next run of the same length.
  return lines.join('\n').replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, ' ');
}

/** Letters, digits and `_`: a mention must not be glued to one on either side. */
const WORD = /[\p{L}\p{N}_]/u;
/** Characters that continue a handle (`@anna-lena` is not `@anna`). */
const CONTINUES = /[\p{L}\p{N}_-]/u;

const normalize = (text: string) => text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();

/** The handles a member answers to: their display name and the local part of their email (lower case). */
export function handlesOf(member: MentionableMember): string[] {
  const handles = [normalize(member.email.split('@')[0] ?? '')];
  if (member.name) handles.push(normalize(member.name));
  return [...new Set(handles.filter((h) => h.length > 0))];
}

/** Whether a handle that ends at `end` of `text` ends there as a word (a trailing `.` or `,` is punctuation). */
function endsWord(text: string, end: number): boolean {
  const next = text.charAt(end);
  if (next === '') return true;
  if (CONTINUES.test(next)) return false;
  // `@anna.` ends a sentence; `@anna.lena` is someone else.
  return !(next === '.' && WORD.test(text.charAt(end + 1)));
}

/**
 * The members a comment mentions, in order of first mention. The rule: an `@` that does not follow a letter,
 * digit or `_` (so `bob@example.com` is not one), outside code, followed case-insensitively by a member's
 * display name (e.g. `@Ada Lovelace`) or the local part of their email (`@ada.l`), ending there as a word. The
 * longest handle that fits wins (`@Ada Lovelace` over `@Ada`); when several members answer to that very
 * handle (two people named "Sam"), all of them are mentioned.
 */
export function parseMentions(body: string, members: MentionableMember[]): string[] {
  const byHandle = new Map<string, string[]>();
  for (const member of members) {
    for (const handle of handlesOf(member))
      byHandle.set(handle, [...(byHandle.get(handle) ?? []), member.userId]);
  }
  const handles = [...byHandle.keys()].sort((a, b) => b.length - a.length);
  // Runs of spaces count as one, as in the handles; a line break never continues a name.
  const text = withoutCode(body)
    .normalize('NFC')
    .replace(/[^\S\n]+/g, ' ');
  const mentioned = new Set<string>();
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    if (at > 0 && WORD.test(text.charAt(at - 1))) continue;
    const start = at + 1;
    const handle = handles.find(
      (h) => text.slice(start, start + h.length).toLowerCase() === h && endsWord(text, start + h.length),
    );
    for (const userId of handle ? byHandle.get(handle)! : []) mentioned.add(userId);
  }
  return [...mentioned];
}

/** Whether a body can mention anyone at all (saves reading the members when it cannot). */
export const mayMention = (body: string): boolean => withoutCode(body).includes('@');

/**
 * The people a change of a comment newly mentions: on create everyone mentioned, on edit those added. This is
 * the seam for mention notifications (a later issue): they are to be sent from the comment's activity item (its
 * `data.mentions`, and `changes.mentions` on an edit) by a stream consumer, skipping the author.
 */
export function newMentions(before: string[] | undefined, after: string[]): string[] {
  const had = new Set(before ?? []);
  return after.filter((userId) => !had.has(userId));
}

// ---------------------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------------------

export const COMMENT_TRACKED_FIELDS = ['body', 'mentions'] as const satisfies ReadonlyArray<
  keyof CommentRecord
>;

export class CommentService {
  constructor(
    private readonly repository: CommentRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * The task (and comment) with the caller's membership: 404 for a non-member or anything missing (never leak
   * existence). Roles are decided by each operation.
   */
  private async context(
    caller: Caller,
    taskId: string,
    commentId?: string,
  ): Promise<{ membership: MembershipRecord; task: TaskRecord; comment?: CommentRecord }> {
    if (!workspaceOf(taskId)) throw new NotFoundError('No such task');
    const read = await this.repository.read(taskId, caller.userId, commentId);
    const what = commentId ? 'comment' : 'task';
    if (!read.membership || !read.task) throw new NotFoundError(`No such ${what}`);
    if (commentId && !read.comment) throw new NotFoundError('No such comment');
    return { membership: read.membership, task: read.task, comment: read.comment };
  }

  /** Checks shared by every write: the task is live, its project still there and not archived. */
  private async checkWritable(task: TaskRecord, what: string): Promise<ProjectRecord> {
    if (task.deletedAt) throw new ConflictError('The task is deleted; restore it first');
    const project = await this.repository.getProject(task.workspaceId, task.projectId);
    if (!project) throw new NotFoundError(`No such ${what}`);
    if (project.archived) throw new ConflictError('The project is archived; its tasks cannot change');
    return project;
  }

  private async mentionsIn(workspaceId: string, body: string): Promise<string[]> {
    if (!mayMention(body)) return [];
    return parseMentions(body, await this.repository.members(workspaceId));
  }

  /** Writes a change, turning a failed condition into the contract's answer. */
  private async commit(change: CommentWrite): Promise<void> {
    const outcome = await this.repository.write(change);
    if (!('ok' in outcome)) throw taskChildRefusal('comment', outcome);
  }

  async create(caller: Caller, taskId: string, input: CreateCommentInput): Promise<Comment> {
    const { membership, task } = await this.context(caller, taskId);
    if (!can(membership.role, 'task.write')) throw new ForbiddenError();
    await this.checkWritable(task, 'task');
    const mentions = await this.mentionsIn(task.workspaceId, input.body);

    const now = this.clock();
    const at = now.toISOString();
    const comment: CommentRecord = {
      id: newGrandchildId(taskId),
      taskId,
      workspaceId: task.workspaceId,
      projectId: task.projectId,
      authorId: caller.userId,
      body: input.body,
      mentions,
      createdAt: at,
      updatedAt: at,
      editedAt: null,
      version: 1,
    };
    await this.commit({
      taskId,
      after: comment,
      activity: taskChildActivity('comment', caller.userId, 'created', task, comment.id, {}, comment, now),
    });
    return comment;
  }

  async list(caller: Caller, taskId: string, limit: number, cursor?: string): Promise<Page<Comment>> {
    // The page is read alongside the membership; nothing of it is returned unless the caller may read it.
    const [{ task }, page] = await Promise.all([
      this.context(caller, taskId),
      this.repository.list(taskId, limit, cursor),
    ]);
    if (!(await this.repository.getProject(task.workspaceId, task.projectId)))
      throw new NotFoundError('No such task');
    return page;
  }

  /** Only the author edits a comment (and only while their role may write). */
  async patch(caller: Caller, commentId: string, input: PatchCommentInput): Promise<Comment> {
    const taskId = parentOf(commentId);
    if (!taskId) throw new NotFoundError('No such comment');
    const { membership, task, comment } = await this.context(caller, taskId, commentId);
    if (!can(membership.role, 'task.write') || comment!.authorId !== caller.userId)
      throw new ForbiddenError('Only its author can edit a comment');
    if (comment!.version !== input.version) throw new VersionConflictError(comment);
    await this.checkWritable(task, 'comment');
    if (input.body === comment!.body) return comment!;

    const now = this.clock();
    const at = now.toISOString();
    const after: CommentRecord = {
      ...comment!,
      body: input.body,
      mentions: await this.mentionsIn(task.workspaceId, input.body),
      updatedAt: at,
      editedAt: at,
      version: comment!.version + 1,
    };
    await this.commit({
      taskId,
      before: comment,
      after,
      activity: taskChildActivity(
        'comment',
        caller.userId,
        'updated',
        task,
        commentId,
        fieldChanges(comment!, after, COMMENT_TRACKED_FIELDS),
        after,
        now,
      ),
    });
    return after;
  }

  /** Its author deletes a comment (while their role may write); owners and admins delete any. */
  async delete(caller: Caller, commentId: string, version: number): Promise<void> {
    const taskId = parentOf(commentId);
    if (!taskId) throw new NotFoundError('No such comment');
    const { membership, task, comment } = await this.context(caller, taskId, commentId);
    const mayDelete =
      can(membership.role, 'comment.delete.any') ||
      (can(membership.role, 'task.write') && comment!.authorId === caller.userId);
    if (!mayDelete) throw new ForbiddenError('Only its author or an admin can delete a comment');
    if (comment!.version !== version) throw new VersionConflictError(comment);
    await this.checkWritable(task, 'comment');
    await this.commit({
      taskId,
      before: comment,
      activity: taskChildActivity(
        'comment',
        caller.userId,
        'deleted',
        task,
        commentId,
        {},
        null,
        this.clock(),
      ),
    });
  }
}
