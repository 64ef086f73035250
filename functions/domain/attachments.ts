import {
  ATTACHMENT_MAX_BYTES,
  isImageType,
  THUMBNAIL_CONTENT_TYPE,
  TASK_ATTACHMENTS_MAX_BYTES,
  type Attachment,
  type AttachmentUpload,
  type AttachmentWithUrl,
  type CreateAttachmentInput,
  type ThumbnailStatus,
} from '#shared/schemas/attachments';
import { ConflictError, ForbiddenError, NotFoundError, PayloadTooLargeError } from '#functions/lib/errors';
import { newGrandchildId, parentOf, workspaceOf } from '#functions/lib/ids';
import { can } from './access.ts';
import type { ProjectRecord, TaskRecord } from './tasks.ts';
import type { Caller, MembershipRecord } from './workspaces.ts';

// ---------------------------------------------------------------------------------------------------------
// Records, the repository (functions/store/attachment-repository.ts) and the file store (S3)
// ---------------------------------------------------------------------------------------------------------

/**
 * An attachment as stored: the API's shape plus, while pending, when its upload stops counting
 * (`expiresAt`: the upload URL's expiry plus UPLOAD_GRACE_MS; the item's TTL is that instant).
 */
export interface AttachmentRecord extends Attachment {
  expiresAt: string | null;
  /** Images: where their thumbnail is (functions/domain/thumbnails.ts); null for other files. */
  thumbnailStatus: ThumbnailStatus | null;
}

/** A presigned PUT lives this long (../shared/API.md: 5 minutes). */
export const UPLOAD_URL_SECONDS = 5 * 60;
/**
 * A pending upload may still be confirmed this long after its URL expired: S3 accepts a PUT that started before
 * the expiry, and a slow connection may finish it later. Past that the item is gone for every read.
 */
export const UPLOAD_GRACE_MS = 10 * 60 * 1000;
/** Download URLs live this long: enough to start a download, short enough not to be worth sharing. */
export const DOWNLOAD_URL_SECONDS = 5 * 60;

/** Where an attachment's file is stored: under its task, so a task's files share a prefix. */
export const objectKeyOf = (attachment: Pick<Attachment, 'taskId' | 'id'>): string =>
  `tasks/${attachment.taskId}/${attachment.id}`;

/**
 * Where an image's thumbnail is stored: a prefix of its own (`thumbs/`), so the thumbnail worker may write and
 * delete there and nowhere else, and nobody but the clean-up may delete an original.
 */
export const thumbnailKeyOf = (attachment: Pick<Attachment, 'taskId' | 'id'>): string =>
  `thumbs/${attachment.taskId}/${attachment.id}.webp`;

/** Every object an attachment may have in the bucket: its file and (images) its thumbnail. */
export const objectKeysOf = (attachment: Pick<Attachment, 'taskId' | 'id' | 'contentType'>): string[] =>
  isImageType(attachment.contentType)
    ? [objectKeyOf(attachment), thumbnailKeyOf(attachment)]
    : [objectKeyOf(attachment)];

/** The name a thumbnail is served under: the image's, as webp. */
export const thumbnailFileName = (fileName: string): string => `${fileName.replace(/\.[^.]*$/, '')}.webp`;

/**
 * Cover URLs are signed as of the start of the current COVER_URL_WINDOW_SECONDS and live COVER_URL_SECONDS
 * from then: every board read within a window gets the same URL (the browser's cache holds the image across
 * reloads and polls), and a URL handed out is good for at least COVER_URL_SECONDS - COVER_URL_WINDOW_SECONDS.
 */
export const COVER_URL_WINDOW_SECONDS = 5 * 60;
export const COVER_URL_SECONDS = 15 * 60;

export function coverSigningTime(now: Date): Date {
  const window = COVER_URL_WINDOW_SECONDS * 1000;
  return new Date(Math.floor(now.getTime() / window) * window);
}

/**
 * Board reads: each task that has a cover gets a short-lived `coverUrl` of its thumbnail; tasks without one are
 * passed through untouched, so a board without covers costs nothing. Signing is local (no request to S3) but
 * not free (~0.2 ms a URL with the SDK's presigner), and a URL is the same for a whole signing window: so they
 * are kept for the window (per container, up to MAX_CACHED_COVER_URLS), and a board read again signs nothing.
 */
export const MAX_CACHED_COVER_URLS = 10_000;

export class CoverUrls {
  private window = 0;
  private readonly urls = new Map<string, string>();

  constructor(private readonly files: Pick<FileStore, 'downloadUrl'>) {}

  async add<T extends { id: string; coverAttachmentId: string | null }>(
    tasks: T[],
    now: Date = new Date(),
  ): Promise<Array<T & { coverUrl?: string }>> {
    const signedAt = coverSigningTime(now);
    if (signedAt.getTime() !== this.window || this.urls.size >= MAX_CACHED_COVER_URLS) {
      this.window = signedAt.getTime();
      this.urls.clear();
    }
    return Promise.all(
      tasks.map(async (task) => {
        if (!task.coverAttachmentId) return task;
        const key = thumbnailKeyOf({ taskId: task.id, id: task.coverAttachmentId });
        let coverUrl = this.urls.get(key);
        if (!coverUrl) {
          coverUrl = await this.files.downloadUrl(
            key,
            'cover.webp',
            THUMBNAIL_CONTENT_TYPE,
            true,
            COVER_URL_SECONDS,
            signedAt,
          );
          this.urls.set(key, coverUrl);
        }
        return { ...task, coverUrl };
      }),
    );
  }
}

/** Whether a pending attachment's upload has expired at `now` (such an item is gone for every read). */
export const isExpired = (attachment: AttachmentRecord, now: Date): boolean =>
  attachment.status === 'pending' &&
  attachment.expiresAt !== null &&
  Date.parse(attachment.expiresAt) <= now.getTime();

export interface AttachmentRead {
  membership?: MembershipRecord;
  task?: TaskRecord;
  attachment?: AttachmentRecord;
  /** Bytes of the task's ready attachments (the counter on the task item). */
  taskBytes: number;
}

/** How a write can be refused: lost to contention, the task's condition, the attachment's, or the task is full. */
export type AttachmentWriteOutcome =
  | { ok: true }
  | { busy: true }
  | { task: TaskRecord | undefined }
  | { attachment: AttachmentRecord | undefined }
  | { full: true };

export interface AttachmentRepository {
  /** The task, the caller's membership and (if asked) one attachment: one BatchGetItem. */
  read(taskId: string, userId: string, attachmentId?: string): Promise<AttachmentRead>;
  getProject(workspaceId: string, projectId: string): Promise<ProjectRecord | undefined>;
  /** Every attachment item of a task (pending and ready), oldest first. */
  list(taskId: string): Promise<AttachmentRecord[]>;
  /** Puts a pending attachment, on condition that the task is live. */
  insert(attachment: AttachmentRecord): Promise<AttachmentWriteOutcome>;
  /**
   * ONE transaction: the attachment pending → ready (its TTL removed) if still pending and not expired at `now`,
   * and on the task `ADD attachmentCount 1, attachmentBytes size` on condition that the task is live and its
   * bytes stay within `maxBytes`.
   */
  markReady(
    attachment: AttachmentRecord,
    ready: AttachmentRecord,
    now: Date,
    maxBytes: number,
  ): Promise<AttachmentWriteOutcome>;
  /**
   * Deletes the item if it is still as read; a ready one gives its count and bytes back to the task and, when it
   * is the task's cover, clears the cover, in the same transaction.
   */
  remove(attachment: AttachmentRecord, isCover: boolean): Promise<AttachmentWriteOutcome>;
}

export interface StoredObject {
  size: number;
  contentType: string | undefined;
}

/** The attachments bucket (functions/lib/attachment-storage.ts). */
export interface FileStore {
  /** A presigned PUT that binds the content type and exact length; the headers the PUT must send. */
  uploadUrl(
    key: string,
    contentType: string,
    size: number,
    expiresInSeconds: number,
  ): Promise<{ url: string; headers: Record<string, string> }>;
  /** A presigned GET that answers with this type and disposition (signed as of `signedAt`, default now). */
  downloadUrl(
    key: string,
    fileName: string,
    contentType: string,
    inline: boolean,
    expiresInSeconds: number,
    signedAt?: Date,
  ): Promise<string>;
  /** The stored object's size and type; undefined when there is none. */
  head(key: string): Promise<StoredObject | undefined>;
  /** Takes the upload's `pending` tag off (the bucket's lifecycle rule expires tagged objects). */
  keep(key: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------------------

const mb = (bytes: number) => `${bytes / (1024 * 1024)} MB`;

/** The API's view of a stored attachment. */
export function attachmentView(record: AttachmentRecord): Attachment {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { expiresAt, thumbnailStatus, ...attachment } = record;
  return attachment;
}

/** `attachment; filename*=` with the name percent-encoded (RFC 6266 / 5987), plus an ASCII fallback. */
export function contentDisposition(fileName: string, inline: boolean): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export class AttachmentService {
  constructor(
    private readonly repository: AttachmentRepository,
    private readonly files: FileStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The task (and attachment) with the caller's membership: 404 for a non-member or anything missing. */
  private async context(caller: Caller, taskId: string, attachmentId?: string) {
    if (!workspaceOf(taskId)) throw new NotFoundError('No such task');
    const read = await this.repository.read(taskId, caller.userId, attachmentId);
    if (!read.membership || !read.task)
      throw new NotFoundError(`No such ${attachmentId ? 'attachment' : 'task'}`);
    const attachment =
      read.attachment && !isExpired(read.attachment, this.clock()) ? read.attachment : undefined;
    if (attachmentId && !attachment) throw new NotFoundError('No such attachment');
    const project = await this.repository.getProject(read.task.workspaceId, read.task.projectId);
    if (!project) throw new NotFoundError(`No such ${attachmentId ? 'attachment' : 'task'}`);
    return { membership: read.membership, task: read.task, project, attachment, taskBytes: read.taskBytes };
  }

  /** Checks shared by every write: the task is live, its project not archived. */
  private writable(task: TaskRecord, project: ProjectRecord): void {
    if (task.deletedAt) throw new ConflictError('The task is deleted; restore it first');
    if (project.archived) throw new ConflictError('The project is archived; its tasks cannot change');
  }

  private refusal(outcome: Exclude<AttachmentWriteOutcome, { ok: true }>): Error {
    if ('busy' in outcome)
      return new ConflictError('The task is being changed by many people at once; try again');
    if ('full' in outcome) return tooMuch();
    if ('task' in outcome) {
      if (!outcome.task) return new NotFoundError('No such task');
      // A live task that refused: its cover changed meanwhile again and again (a delete clears the cover).
      return outcome.task.deletedAt
        ? new ConflictError('The task is deleted; restore it first')
        : new ConflictError('The task is being changed by someone else; try again');
    }
    return outcome.attachment
      ? new ConflictError('The attachment changed meanwhile; reload and try again')
      : new NotFoundError('No such attachment');
  }

  /** A pending attachment and a presigned PUT for its file (members and up). */
  async create(caller: Caller, taskId: string, input: CreateAttachmentInput): Promise<AttachmentUpload> {
    if (input.size > ATTACHMENT_MAX_BYTES) {
      throw new PayloadTooLargeError(`A file may be at most ${mb(ATTACHMENT_MAX_BYTES)}`, [
        {
          field: 'size',
          message: `must be at most ${ATTACHMENT_MAX_BYTES} bytes (${mb(ATTACHMENT_MAX_BYTES)})`,
        },
      ]);
    }
    const { membership, task, project, taskBytes } = await this.context(caller, taskId);
    if (!can(membership.role, 'task.write')) throw new ForbiddenError();
    this.writable(task, project);
    // An early answer for a task that is already full; the count that holds is the confirm's, atomically.
    if (taskBytes + input.size > TASK_ATTACHMENTS_MAX_BYTES) throw tooMuch();

    const now = this.clock();
    const urlExpiry = new Date(now.getTime() + UPLOAD_URL_SECONDS * 1000);
    const attachment: AttachmentRecord = {
      id: newGrandchildId(taskId),
      taskId,
      projectId: task.projectId,
      workspaceId: task.workspaceId,
      fileName: input.fileName,
      contentType: input.contentType,
      size: input.size,
      status: 'pending',
      uploadedBy: caller.userId,
      createdAt: now.toISOString(),
      readyAt: null,
      thumbnailStatus: isImageType(input.contentType) ? 'pending' : null,
      expiresAt: new Date(urlExpiry.getTime() + UPLOAD_GRACE_MS).toISOString(),
    };
    const outcome = await this.repository.insert(attachment);
    if (!('ok' in outcome)) throw this.refusal(outcome);
    const upload = await this.files.uploadUrl(
      objectKeyOf(attachment),
      input.contentType,
      input.size,
      UPLOAD_URL_SECONDS,
    );
    return {
      id: attachment.id,
      uploadUrl: upload.url,
      uploadHeaders: upload.headers,
      expiresAt: urlExpiry.toISOString(),
    };
  }

  /**
   * The uploader confirms: the stored object must be there with the declared size and type (409 otherwise),
   * then the attachment becomes ready and counts on the task, in one transaction that keeps the task within
   * 50 MB (413 past it). Confirming a ready attachment again answers it as it is.
   */
  async confirm(caller: Caller, attachmentId: string): Promise<Attachment> {
    const taskId = parentOf(attachmentId);
    if (!taskId) throw new NotFoundError('No such attachment');
    const { membership, task, project, attachment } = await this.context(caller, taskId, attachmentId);
    if (attachment!.uploadedBy !== caller.userId || !can(membership.role, 'task.write'))
      throw new ForbiddenError('Only its uploader can confirm an upload');
    if (attachment!.status === 'ready') return attachmentView(attachment!);
    this.writable(task, project);

    const key = objectKeyOf(attachment!);
    const stored = await this.files.head(key);
    if (!stored) throw new ConflictError('The file has not been uploaded (or its upload failed)');
    if (stored.size !== attachment!.size)
      throw new ConflictError(
        `The uploaded file has ${stored.size} bytes, not the ${attachment!.size} declared`,
      );
    if (stored.contentType !== attachment!.contentType)
      throw new ConflictError(
        `The uploaded file is of type ${stored.contentType ?? 'unknown'}, not ${attachment!.contentType}`,
      );
    // Before the transaction: an object untagged for an attachment that then stays pending still goes with its
    // item (TTL → stream → DeleteObject); the other order could leave a ready file to the lifecycle rule.
    await this.files.keep(key);

    const now = this.clock();
    const ready: AttachmentRecord = {
      ...attachment!,
      status: 'ready',
      readyAt: now.toISOString(),
      expiresAt: null,
    };
    const outcome = await this.repository.markReady(attachment!, ready, now, TASK_ATTACHMENTS_MAX_BYTES);
    if (!('ok' in outcome)) {
      // Confirmed meanwhile by a second request of the uploader's: the same answer.
      if ('attachment' in outcome && outcome.attachment?.status === 'ready')
        return attachmentView(outcome.attachment);
      throw this.refusal(outcome);
    }
    return attachmentView(ready);
  }

  /**
   * A task's ready attachments, oldest first, each with a short-lived download URL and, when it has one, a
   * short-lived thumbnail URL (any member).
   */
  async list(caller: Caller, taskId: string): Promise<AttachmentWithUrl[]> {
    const [, attachments] = await Promise.all([this.context(caller, taskId), this.repository.list(taskId)]);
    const ready = attachments.filter((a) => a.status === 'ready');
    return Promise.all(
      ready.map(async (a) => {
        const [downloadUrl, thumbnailUrl] = await Promise.all([
          this.files.downloadUrl(
            objectKeyOf(a),
            a.fileName,
            a.contentType,
            isImageType(a.contentType),
            DOWNLOAD_URL_SECONDS,
          ),
          a.thumbnailStatus === 'ready'
            ? this.files.downloadUrl(
                thumbnailKeyOf(a),
                thumbnailFileName(a.fileName),
                THUMBNAIL_CONTENT_TYPE,
                true,
                DOWNLOAD_URL_SECONDS,
              )
            : undefined,
        ]);
        return {
          ...attachmentView(a),
          downloadUrl,
          thumbnailStatus: a.thumbnailStatus,
          ...(thumbnailUrl ? { thumbnailUrl } : {}),
        };
      }),
    );
  }

  /**
   * Its uploader (while their role may write) or an owner/admin deletes an attachment; the file follows from the
   * table's stream (functions/stream/cleanup.ts), as for every attachment item that goes.
   */
  async delete(caller: Caller, attachmentId: string): Promise<void> {
    const taskId = parentOf(attachmentId);
    if (!taskId) throw new NotFoundError('No such attachment');
    const { membership, task, project, attachment } = await this.context(caller, taskId, attachmentId);
    const mayDelete =
      can(membership.role, 'attachment.delete.any') ||
      (can(membership.role, 'task.write') && attachment!.uploadedBy === caller.userId);
    if (!mayDelete) throw new ForbiddenError('Only its uploader or an admin can delete an attachment');
    this.writable(task, project);
    const outcome = await this.repository.remove(attachment!, task.coverAttachmentId === attachment!.id);
    if (!('ok' in outcome)) throw this.refusal(outcome);
  }
}

function tooMuch(): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `A task's attachments may add up to at most ${mb(TASK_ATTACHMENTS_MAX_BYTES)}`,
    [{ field: 'size', message: `would take the task's attachments past ${mb(TASK_ATTACHMENTS_MAX_BYTES)}` }],
  );
}
