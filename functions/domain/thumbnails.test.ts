import type { AttachmentRecord } from './attachments.ts';
import {
  ThumbnailService,
  UnreadableImageError,
  type ThumbnailFiles,
  type ThumbnailOutcome,
  type ThumbnailRecordOutcome,
  type ThumbnailRepository,
} from './thumbnails.ts';

const image = (change: Partial<AttachmentRecord> = {}): AttachmentRecord => ({
  id: 'T.A',
  taskId: 'T',
  projectId: 'P',
  workspaceId: 'W',
  fileName: 'photo.png',
  contentType: 'image/png',
  size: 4,
  status: 'ready',
  uploadedBy: 'u',
  createdAt: '2026-06-01T10:00:00.000Z',
  readyAt: '2026-06-01T10:00:01.000Z',
  expiresAt: null,
  thumbnailStatus: 'pending',
  ...change,
});

/** The repository's condition on plain objects: still there, ready, thumbnail pending. */
class MemoryItems implements ThumbnailRepository {
  items = new Map<string, AttachmentRecord>();
  /** Runs just before the conditional write (a delete that lands meanwhile). */
  beforeRecord?: () => void;
  async recordThumbnail(
    a: Pick<AttachmentRecord, 'id'>,
    outcome: ThumbnailOutcome,
  ): Promise<ThumbnailRecordOutcome> {
    this.beforeRecord?.();
    const current = this.items.get(a.id);
    if (!current || current.status !== 'ready' || current.thumbnailStatus !== 'pending') return { current };
    this.items.set(a.id, { ...current, thumbnailStatus: outcome });
    return { recorded: true };
  }
}

class MemoryBucket implements ThumbnailFiles {
  objects = new Map<string, { body: Uint8Array; contentType?: string }>();
  async read(key: string) {
    return this.objects.get(key)?.body;
  }
  async write(key: string, body: Uint8Array, contentType: string) {
    this.objects.set(key, { body, contentType });
  }
  async delete(key: string) {
    this.objects.delete(key);
  }
}

const PNG = new Uint8Array([1, 2, 3, 4]);
const THUMB = new Uint8Array([9, 9]);

function setUp(render = async () => THUMB) {
  const items = new MemoryItems();
  const bucket = new MemoryBucket();
  const renders: Uint8Array[] = [];
  const service = new ThumbnailService(items, bucket, async (bytes) => {
    renders.push(bytes);
    return render();
  });
  const attachment = image();
  items.items.set(attachment.id, attachment);
  bucket.objects.set('tasks/T/T.A', { body: PNG });
  return { items, bucket, service, attachment, renders };
}

test('an image: its thumbnail written under thumbs/ as webp, then recorded ready', async () => {
  const { items, bucket, service, attachment, renders } = setUp();
  await expect(service.make(attachment)).resolves.toBe('ready');
  expect(renders).toEqual([PNG]);
  expect(bucket.objects.get('thumbs/T/T.A.webp')).toEqual({ body: THUMB, contentType: 'image/webp' });
  expect(items.items.get(attachment.id)!.thumbnailStatus).toBe('ready');
});

test('an unreadable image is recorded failed once, with no thumbnail, and is not tried again', async () => {
  const { items, bucket, service, attachment, renders } = setUp(async () => {
    throw new UnreadableImageError(new Error('Input buffer contains unsupported image format'));
  });
  await expect(service.make(attachment)).resolves.toBe('failed');
  expect(items.items.get(attachment.id)!.thumbnailStatus).toBe('failed');
  expect([...bucket.objects.keys()]).toEqual(['tasks/T/T.A']);
  // The same record delivered again (a retried batch): the outcome stands, nothing is decoded again.
  await expect(service.make(items.items.get(attachment.id)!)).resolves.toBe('skipped');
  await expect(service.make(attachment)).resolves.toBe('failed');
  expect(renders).toHaveLength(2);
  expect(items.items.get(attachment.id)!.thumbnailStatus).toBe('failed');
});

test('deleted while the thumbnail was made: the thumbnail is taken back (the clean-up may have run already)', async () => {
  const { items, bucket, service, attachment } = setUp();
  items.beforeRecord = () => items.items.delete(attachment.id);
  await expect(service.make(attachment)).resolves.toBe('gone');
  expect(bucket.objects.has('thumbs/T/T.A.webp')).toBe(false);
});

test('a repeated delivery after the outcome was recorded keeps the thumbnail', async () => {
  const { items, bucket, service, attachment } = setUp();
  await service.make(attachment);
  // The first delivery's reply was lost: the stream hands the same pending → ready record over again.
  await expect(service.make(attachment)).resolves.toBe('ready');
  expect(bucket.objects.has('thumbs/T/T.A.webp')).toBe(true);
  expect(items.items.get(attachment.id)!.thumbnailStatus).toBe('ready');
});

test('its file gone (deleted with its item): nothing written, nothing recorded', async () => {
  const { items, bucket, service, attachment, renders } = setUp();
  bucket.objects.clear();
  items.items.clear();
  await expect(service.make(attachment)).resolves.toBe('gone');
  expect(renders).toHaveLength(0);
  expect(bucket.objects.size).toBe(0);
});

test('not an image, not ready, or already done: skipped without reading anything', async () => {
  const { service, renders } = setUp();
  for (const a of [
    image({ contentType: 'application/pdf', thumbnailStatus: null }),
    image({ status: 'pending' }),
    image({ thumbnailStatus: 'ready' }),
  ])
    await expect(service.make(a)).resolves.toBe('skipped');
  expect(renders).toHaveLength(0);
});

test('storage trouble is an error (the mapping retries the record), not a failed thumbnail', async () => {
  const { items, service, attachment } = setUp(async () => {
    throw new Error('socket hang up');
  });
  await expect(service.make(attachment)).rejects.toThrow('socket hang up');
  expect(items.items.get(attachment.id)!.thumbnailStatus).toBe('pending');
});
