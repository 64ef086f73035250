import { isImageType, THUMBNAIL_CONTENT_TYPE } from '#shared/schemas/attachments';
import { objectKeyOf, thumbnailKeyOf, type AttachmentRecord } from './attachments.ts';

/**
 * Thumbnails of image attachments (functions/stream/thumbnails.ts runs this for every attachment that became
 * ready). The thumbnail is written first and recorded on the attachment after, on condition that the attachment
 * is still there: the clean-up deletes the thumbnail of every attachment item that goes, so a thumbnail
 * recorded on a live item is never an orphan, and one whose attachment went meanwhile is taken back here.
 */

/** What became of an image: a thumbnail, or none because the image could not be read. */
export type ThumbnailOutcome = 'ready' | 'failed';

export type ThumbnailRecordOutcome =
  | { recorded: true }
  /** The attachment as it is now (undefined: gone): not ready, or its outcome already recorded. */
  | { current: AttachmentRecord | undefined };

/** The attachment items' side (functions/store/attachment-repository.ts). */
export interface ThumbnailRepository {
  /** Sets the outcome if the attachment is still there, ready, and its thumbnail still pending. */
  recordThumbnail(
    attachment: Pick<AttachmentRecord, 'taskId' | 'id'>,
    outcome: ThumbnailOutcome,
  ): Promise<ThumbnailRecordOutcome>;
}

/** The bucket's side (functions/lib/attachment-storage.ts). */
export interface ThumbnailFiles {
  /** The object's bytes; undefined when there is none. */
  read(key: string): Promise<Uint8Array | undefined>;
  write(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Deleting what is not there succeeds. */
  delete(key: string): Promise<void>;
}

/** The image cannot be decoded (corrupt, truncated, not what its type says, or too large to decode). */
export class UnreadableImageError extends Error {
  constructor(cause: unknown) {
    super(`The image cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'UnreadableImageError';
  }
}

/** Makes the thumbnail of an image (functions/lib/thumbnail-image.ts); throws UnreadableImageError. */
export type RenderThumbnail = (image: Uint8Array) => Promise<Uint8Array>;

/** What one run came to: recorded (ready or failed), nothing to do, or the attachment went meanwhile. */
export type ThumbnailResult = ThumbnailOutcome | 'skipped' | 'gone';

export class ThumbnailService {
  constructor(
    private readonly repository: ThumbnailRepository,
    private readonly files: ThumbnailFiles,
    private readonly render: RenderThumbnail,
  ) {}

  /**
   * The thumbnail of a ready image attachment. An image that cannot be read is recorded as failed, once (the
   * stream never hands that change back: only pending → ready is filtered in), so it is never retried; storage
   * or table errors are thrown, and the mapping retries the record.
   */
  async make(attachment: AttachmentRecord): Promise<ThumbnailResult> {
    if (
      attachment.status !== 'ready' ||
      !isImageType(attachment.contentType) ||
      attachment.thumbnailStatus !== 'pending'
    )
      return 'skipped';
    const image = await this.files.read(objectKeyOf(attachment));
    // No file: the attachment was deleted (and its file with it) since the record was written.
    if (!image) return this.record(attachment, 'failed');
    let thumbnail: Uint8Array;
    try {
      thumbnail = await this.render(image);
    } catch (error) {
      if (error instanceof UnreadableImageError) return this.record(attachment, 'failed');
      throw error;
    }
    const key = thumbnailKeyOf(attachment);
    await this.files.write(key, thumbnail, THUMBNAIL_CONTENT_TYPE);
    const result = await this.record(attachment, 'ready');
    // Deleted meanwhile: its clean-up may have run before the write above, so the thumbnail goes here.
    if (result === 'gone') await this.files.delete(key);
    return result;
  }

  private async record(attachment: AttachmentRecord, outcome: ThumbnailOutcome): Promise<ThumbnailResult> {
    const recorded = await this.repository.recordThumbnail(attachment, outcome);
    if ('recorded' in recorded) return outcome;
    // A repeated delivery of a record already handled finds its own outcome: that stands.
    const current = recorded.current;
    if (current && current.status === 'ready' && current.thumbnailStatus !== 'pending')
      return current.thumbnailStatus === 'ready' ? 'ready' : 'failed';
    return 'gone';
  }
}
