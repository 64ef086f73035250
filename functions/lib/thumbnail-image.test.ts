/** The thumbnail renderer with the real sharp (pure: bytes in, bytes out). */
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { UnreadableImageError } from '#functions/domain/thumbnails';
import { MAX_INPUT_PIXELS, renderThumbnail } from './thumbnail-image.ts';

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } });

test('fits within 480x480 keeping the aspect ratio, as webp without metadata', async () => {
  const png = await solid(1200, 600).png().toBuffer();
  const thumb = await renderThumbnail(png);
  const meta = await sharp(thumb).metadata();
  expect([meta.format, meta.width, meta.height]).toEqual(['webp', 480, 240]);
  expect(meta.exif).toBeUndefined();
});

test('turns a photo upright as its EXIF orientation says', async () => {
  // Stored 800x400 landscape, orientation 6 ("rotate 90° clockwise to view"): it is a 400x800 portrait.
  const jpeg = await solid(800, 400).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  expect((await sharp(jpeg).metadata()).orientation).toBe(6);
  const meta = await sharp(await renderThumbnail(jpeg)).metadata();
  expect([meta.width, meta.height]).toEqual([240, 480]);
  expect(meta.orientation).toBeUndefined();
});

test('never enlarges a small image; an animated gif gives its first frame', async () => {
  const small = await sharp(await renderThumbnail(await solid(64, 32).png().toBuffer())).metadata();
  expect([small.width, small.height]).toEqual([64, 32]);
  const frame = (background: string) =>
    sharp({ create: { width: 40, height: 20, channels: 4, background } })
      .png()
      .toBuffer();
  const animated = await sharp([await frame('#00ff00'), await frame('#0000ff')], { join: { animated: true } })
    .gif()
    .toBuffer();
  expect((await sharp(animated).metadata()).pages).toBe(2);
  const gif = await sharp(await renderThumbnail(animated)).metadata();
  expect([gif.format, gif.width, gif.height, gif.pages ?? 1]).toEqual(['webp', 40, 20, 1]);
});

test('corrupt, truncated or oversized images are unreadable', async () => {
  const png = await solid(100, 100).png().toBuffer();
  await expect(renderThumbnail(new TextEncoder().encode('not an image at all'))).rejects.toBeInstanceOf(
    UnreadableImageError,
  );
  await expect(renderThumbnail(png.subarray(0, png.length / 2))).rejects.toBeInstanceOf(UnreadableImageError);
  // A PNG whose header claims more pixels than MAX_INPUT_PIXELS (a decompression bomb): refused from the header.
  const side = Math.ceil(Math.sqrt(MAX_INPUT_PIXELS)) + 1;
  const bomb = Buffer.from(await solid(1, 1).png().toBuffer());
  bomb.writeUInt32BE(side, 16); // IHDR: width, height, then the chunk's CRC over type and data
  bomb.writeUInt32BE(side, 20);
  bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
  await expect(renderThumbnail(bomb)).rejects.toThrow(/pixel limit/);
  await expect(renderThumbnail(bomb)).rejects.toBeInstanceOf(UnreadableImageError);
});
