import * as z from 'zod';

/** Limits of ../shared/API.md ("Attachments"): 10 MB a file, 50 MB a task (bytes of its ready attachments). */
export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
export const TASK_ATTACHMENTS_MAX_BYTES = 50 * 1024 * 1024;
export const FILE_NAME_MAX = 200;

/** The content types an attachment may have (images, pdf, text, csv, markdown, Word, Excel). */
export const ATTACHMENT_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'text/csv',
  'text/markdown',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

export const isImageType = (contentType: string): boolean => contentType.startsWith('image/');

/** The image types: an attachment of one of them gets a thumbnail (functions/stream/thumbnails.ts). */
export const IMAGE_TYPES = ATTACHMENT_TYPES.filter(isImageType);

/**
 * Thumbnails: an image's fits within this box (aspect ratio kept, never enlarged), stored as webp under its own
 * prefix of the attachments bucket (functions/domain/thumbnails.ts).
 */
export const THUMBNAIL_MAX_PX = 480;
export const THUMBNAIL_CONTENT_TYPE = 'image/webp';

/**
 * The content type a file is uploaded with: the browser's type when it is one of ours, else one from the name's
 * extension (browsers report no type, or `application/octet-stream`, for .md and often for .csv); null: refused.
 */
const BY_EXTENSION: Record<string, AttachmentType> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  md: 'text/markdown',
  markdown: 'text/markdown',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
export function attachmentTypeOf(fileName: string, browserType: string): AttachmentType | null {
  if ((ATTACHMENT_TYPES as readonly string[]).includes(browserType)) return browserType as AttachmentType;
  const extension = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  return (extension && BY_EXTENSION[extension]) || null;
}

/** `POST /api/tasks/{taskId}/attachments`. The size limit answers 413 (checked by the service, not here). */
export const createAttachmentSchema = z.strictObject({
  fileName: z
    .string()
    .trim()
    .min(1, 'must not be blank')
    .max(FILE_NAME_MAX)
    .refine(
      (name) => ![...name].some((c) => c < ' ' || c === '\u007f' || c === '/' || c === '\\'),
      'must not contain slashes or control characters',
    ),
  contentType: z.enum(ATTACHMENT_TYPES, { message: 'is not an allowed file type' }),
  size: z.number().int().positive('must be at least 1 byte'),
});
export type CreateAttachmentInput = z.infer<typeof createAttachmentSchema>;

export type AttachmentStatus = 'pending' | 'ready';

/**
 * An image's thumbnail: `pending` until the worker made it (or found the image unreadable: `failed`, once, and
 * the app shows a generic file icon); null for an attachment that is not an image.
 */
export type ThumbnailStatus = 'pending' | 'ready' | 'failed';

export interface Attachment {
  id: string;
  taskId: string;
  projectId: string;
  workspaceId: string;
  fileName: string;
  contentType: AttachmentType;
  size: number;
  status: AttachmentStatus;
  uploadedBy: string;
  createdAt: string;
  /** Set when confirmed. */
  readyAt: string | null;
}

/** The answer to a create: where to PUT the file, with which headers, until when. */
export interface AttachmentUpload {
  id: string;
  uploadUrl: string;
  uploadHeaders: Record<string, string>;
  expiresAt: string;
}

/**
 * A listed attachment: with a short-lived URL to download it (shown inline for images) and, once its thumbnail
 * is ready, a short-lived URL of the thumbnail (the previews show that, never the full image).
 */
export interface AttachmentWithUrl extends Attachment {
  downloadUrl: string;
  /**
   * Images only (null otherwise). Every list answer has it; typed optional because a list cached by an older app
   * (the offline cache) lacks it, and the panel then shows a file icon.
   */
  thumbnailStatus?: ThumbnailStatus | null;
  thumbnailUrl?: string;
}

/**
 * Why an attachment cannot be the cover of task `taskId` (undefined: it can): it must be one of the task's own,
 * ready, and an image with a thumbnail, made or on its way (not one the worker could not read, nor one uploaded
 * before thumbnails existed). A thumbnail still pending is fine: it is there moments later. The API refuses a
 * cover with this reason (400 naming `coverAttachmentId`); the task panel offers "Make cover" only where it
 * finds none.
 */
export function coverProblem(
  attachment:
    | {
        taskId: string;
        status: AttachmentStatus;
        contentType: string;
        thumbnailStatus?: ThumbnailStatus | null;
      }
    | undefined,
  taskId: string,
): string | undefined {
  if (!attachment || attachment.taskId !== taskId) return 'is not an attachment of this task';
  if (attachment.status !== 'ready') return 'is not uploaded yet';
  if (!isImageType(attachment.contentType)) return 'is not an image';
  if (attachment.thumbnailStatus === 'failed') return 'is an image that could not be read';
  // No status: uploaded before thumbnails existed (or listed by an older app, offline).
  if (!attachment.thumbnailStatus) return 'is an image without a thumbnail';
  return undefined;
}
