import {
  ATTACHMENT_MAX_BYTES,
  attachmentTypeOf,
  TASK_ATTACHMENTS_MAX_BYTES,
} from '../../../shared/schemas/attachments.ts';

/** A byte count for people: `512 B`, `40 KB`, `2.5 MB`, `10 MB`. */
export const size = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`
    : bytes >= 1024
      ? `${Math.round(bytes / 1024)} KB`
      : `${bytes} B`;

/**
 * Why `file` cannot be attached, said before anything is sent; null when it can. `used`: bytes the task's
 * attachments already take (the server counts it again, atomically, when the upload is confirmed).
 */
export function refusalOf(file: { name: string; type: string; size: number }, used: number): string | null {
  if (!attachmentTypeOf(file.name, file.type))
    return `“${file.name}” cannot be attached: only images (PNG, JPEG, GIF, WebP), PDF, text, CSV, Markdown, Word and Excel files can.`;
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (file.size > ATTACHMENT_MAX_BYTES)
    return `“${file.name}” is too large (${size(file.size)}): a file can be at most ${size(ATTACHMENT_MAX_BYTES)}.`;
  if (used + file.size > TASK_ATTACHMENTS_MAX_BYTES)
    return `“${file.name}” does not fit: a task's files can add up to ${size(TASK_ATTACHMENTS_MAX_BYTES)}, and ${size(used)} are used.`;
  return null;
}
