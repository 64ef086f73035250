import sharp from 'sharp';
import { THUMBNAIL_MAX_PX } from '#shared/schemas/attachments';
import { UnreadableImageError, type RenderThumbnail } from '#functions/domain/thumbnails';

/**
 * Decoding an image larger than this (in pixels) is refused as unreadable: a 10 MB PNG of one colour can
 * decompress to gigabytes. 50 megapixels (e.g. 8660x5773) is more than any camera photo worth attaching.
 */
export const MAX_INPUT_PIXELS = 50_000_000;

/** WebP at this quality: visually clean at card and panel sizes, a few KB to a few tens of KB per thumbnail. */
const WEBP_QUALITY = 80;

// One image at a time per container (the worker handles one record at a time): libvips' thread pool would
// otherwise size itself by the host's cores, and its cache keeps decoded images that are never read again.
sharp.cache(false);

/**
 * The thumbnail of an image, with sharp: turned upright as its EXIF orientation says (then the orientation is
 * dropped with the rest of the metadata), shrunk to fit within THUMBNAIL_MAX_PX square (aspect ratio kept, never
 * enlarged), the first frame of an animation, as webp. Any decoding failure is an UnreadableImageError.
 */
export const renderThumbnail: RenderThumbnail = async (image) => {
  try {
    return await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .autoOrient()
      .resize(THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: WEBP_QUALITY })
      .toBuffer();
  } catch (error) {
    throw new UnreadableImageError(error);
  }
};
