/**
 * Draws the app's icons (web/public/icon-192.png, icon-512.png, icon-maskable-512.png) as PNG files, with no image
 * library: a blue square with the board's three columns of cards in white. Run once after changing the design:
 * `npx tsx web/scripts/make-icons.ts` (the PNGs are committed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const BLUE = [37, 99, 235] as const;
const WHITE = [255, 255, 255] as const;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGBA PNG of `size` px; `maskable` keeps the drawing inside the 80 % safe zone and fills the corners. */
export function icon(size: number, maskable: boolean): Buffer {
  const radius = maskable ? 0 : size * 0.18;
  const scale = maskable ? 0.7 : 1;
  const inside = (x: number, y: number) => {
    const dx = Math.max(radius - x, 0, x - (size - radius));
    const dy = Math.max(radius - y, 0, y - (size - radius));
    return dx * dx + dy * dy <= radius * radius;
  };
  // Three columns of cards (relative to a unit square), scaled around the centre.
  const cards: Array<[number, number, number, number]> = [];
  const columns = [3, 2, 1];
  columns.forEach((count, c) => {
    for (let i = 0; i < count; i++) cards.push([0.2 + c * 0.21, 0.22 + i * 0.2, 0.17, 0.15]);
  });
  const onCard = (x: number, y: number) => {
    const u = (x / size - 0.5) / scale + 0.5;
    const v = (y / size - 0.5) / scale + 0.5;
    return cards.some(([cx, cy, w, h]) => u >= cx && u <= cx + w && v >= cy && v <= cy + h);
  };
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      const colour = onCard(x + 0.5, y + 0.5) ? WHITE : BLUE;
      const alpha = inside(x + 0.5, y + 0.5) ? 255 : 0;
      row.set([...colour, alpha], 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = path.resolve(import.meta.dirname, '..', 'public');
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'icon-192.png'), icon(192, false));
fs.writeFileSync(path.join(out, 'icon-512.png'), icon(512, false));
fs.writeFileSync(path.join(out, 'icon-maskable-512.png'), icon(512, true));
fs.writeFileSync(path.join(out, 'apple-touch-icon.png'), icon(180, true));
console.log(`Icons written to ${out}`);
