import { coverProblem } from '#shared/schemas/attachments';
import type { Role } from '#shared/schemas/workspaces';
import {
  AttachmentService,
  contentDisposition,
  COVER_URL_SECONDS,
  COVER_URL_WINDOW_SECONDS,
  objectKeyOf,
  objectKeysOf,
  thumbnailKeyOf,
  CoverUrls,
  UPLOAD_GRACE_MS,
  UPLOAD_URL_SECONDS,
  type AttachmentRead,
  type AttachmentRecord,
  type AttachmentRepository,
  type AttachmentWriteOutcome,
  type FileStore,
  type StoredObject,
} from './attachments.ts';
import type { TaskRecord } from './tasks.ts';
import { callerOf, expectError, membershipOf, projectRecord, taskRecord } from './test-fixtures.ts';

const MB = 1024 * 1024;
const NOW = new Date('2026-06-01T10:00:00.000Z');

/** The repository's contract in memory: the real one's conditions, on plain objects. */
class MemoryAttachments implements AttachmentRepository {
  task: TaskRecord = taskRecord();
  taskBytes = 0;
  roles = new Map<string, Role>([
    ['uploader', 'member'],
    ['other', 'member'],
    ['admin', 'admin'],
    ['viewer', 'viewer'],
  ]);
  items = new Map<string, AttachmentRecord>();
  async read(taskId: string, userId: string, attachmentId?: string): Promise<AttachmentRead> {
    const role = this.roles.get(userId);
    return {
      task: taskId === this.task.id ? this.task : undefined,
      membership: role ? membershipOf(userId, role) : undefined,
      attachment: attachmentId ? this.items.get(attachmentId) : undefined,
      taskBytes: this.taskBytes,
    };
  }
  async getProject() {
    return projectRecord();
  }
  async list() {
    return [...this.items.values()];
  }
  async insert(a: AttachmentRecord): Promise<AttachmentWriteOutcome> {
    this.items.set(a.id, a);
    return { ok: true };
  }
  async markReady(a: AttachmentRecord, ready: AttachmentRecord, now: Date, max: number) {
    const stored = this.items.get(a.id);
    if (stored?.status !== 'pending' || Date.parse(stored.expiresAt!) <= now.getTime())
      return { attachment: stored };
    if (this.taskBytes + a.size > max) return { full: true as const };
    this.taskBytes += a.size;
    this.items.set(a.id, ready);
    return { ok: true as const };
  }
  async remove(a: AttachmentRecord): Promise<AttachmentWriteOutcome> {
    this.items.delete(a.id);
    if (a.status === 'ready') this.taskBytes -= a.size;
    return { ok: true };
  }
}

class MemoryFiles implements FileStore {
  objects = new Map<string, StoredObject>();
  kept: string[] = [];
  async uploadUrl(key: string, contentType: string) {
    return { url: `https://bucket.example/${key}`, headers: { 'Content-Type': contentType } };
  }
  async downloadUrl(key: string, name: string, type: string, inline: boolean, seconds: number, at?: Date) {
    const signed = at ? `&at=${at.toISOString()}&for=${seconds}` : '';
    return `https://bucket.example/${key}?${inline ? 'inline' : 'attachment'}&${type}&${name}${signed}`;
  }
  async head(key: string) {
    return this.objects.get(key);
  }
  async keep(key: string) {
    this.kept.push(key);
  }
}

function setUp() {
  const repository = new MemoryAttachments();
  const files = new MemoryFiles();
  let now = NOW;
  const service = new AttachmentService(repository, files, () => now);
  const at = (date: Date) => (now = date);
  return { repository, files, service, at };
}

const pdf = (size: number) => ({ fileName: 'plan.pdf', contentType: 'application/pdf' as const, size });

describe('creating an upload', () => {
  test('a pending attachment that expires 15 minutes on, and a presigned PUT for its key', async () => {
    const { repository, service } = setUp();
    const upload = await service.create(callerOf('uploader'), repository.task.id, pdf(1000));
    const stored = repository.items.get(upload.id)!;
    expect(stored).toMatchObject({ status: 'pending', uploadedBy: 'uploader', size: 1000, readyAt: null });
    expect(upload.expiresAt).toBe(new Date(NOW.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString());
    expect(stored.expiresAt).toBe(
      new Date(NOW.getTime() + UPLOAD_URL_SECONDS * 1000 + UPLOAD_GRACE_MS).toISOString(),
    );
    expect(upload.uploadUrl).toBe(`https://bucket.example/${objectKeyOf(stored)}`);
  });

  test('refuses over 10 MB a file or 50 MB a task (413 naming size), viewers, deleted tasks', async () => {
    const { repository, service } = setUp();
    const big = await expectError(
      service.create(callerOf('uploader'), repository.task.id, pdf(10 * MB + 1)),
      'PAYLOAD_TOO_LARGE',
    );
    expect(big.details).toEqual([expect.objectContaining({ field: 'size' })]);
    repository.taskBytes = 45 * MB;
    await expectError(
      service.create(callerOf('uploader'), repository.task.id, pdf(6 * MB)),
      'PAYLOAD_TOO_LARGE',
    );
    await service.create(callerOf('uploader'), repository.task.id, pdf(5 * MB));
    await expectError(service.create(callerOf('viewer'), repository.task.id, pdf(1)), 'FORBIDDEN');
    await expectError(service.create(callerOf('stranger'), repository.task.id, pdf(1)), 'NOT_FOUND');
    repository.task = { ...repository.task, deletedAt: NOW.toISOString() };
    await expectError(service.create(callerOf('uploader'), repository.task.id, pdf(1)), 'CONFLICT');
  });
});

describe('confirming', () => {
  async function uploaded(object?: StoredObject) {
    const s = setUp();
    const { id } = await s.service.create(callerOf('uploader'), s.repository.task.id, pdf(1000));
    const key = objectKeyOf(s.repository.items.get(id)!);
    if (object) s.files.objects.set(key, object);
    return { ...s, id, key };
  }

  test('the object as declared: ready, counted, untagged first; again: the same answer', async () => {
    const { service, repository, files, id, key } = await uploaded({
      size: 1000,
      contentType: 'application/pdf',
    });
    const ready = await service.confirm(callerOf('uploader'), id);
    expect(ready).toMatchObject({ status: 'ready', readyAt: NOW.toISOString() });
    expect(ready).not.toHaveProperty('expiresAt');
    expect(files.kept).toEqual([key]);
    expect(repository.taskBytes).toBe(1000);
    expect(await service.confirm(callerOf('uploader'), id)).toEqual(ready);
    expect(repository.taskBytes).toBe(1000);
  });

  test.each([
    ['no object', undefined],
    ['another size', { size: 1001, contentType: 'application/pdf' }],
    ['another type', { size: 1000, contentType: 'text/html' }],
  ])('%s: 409, nothing counted', async (_, object) => {
    const { service, repository, files, id } = await uploaded(object);
    await expectError(service.confirm(callerOf('uploader'), id), 'CONFLICT');
    expect(repository.taskBytes).toBe(0);
    expect(files.kept).toEqual([]);
  });

  test('only its uploader; an expired upload is gone (404) even before anything removed it', async () => {
    const { service, at, id } = await uploaded({ size: 1000, contentType: 'application/pdf' });
    await expectError(service.confirm(callerOf('admin'), id), 'FORBIDDEN');
    at(new Date(NOW.getTime() + UPLOAD_URL_SECONDS * 1000 + UPLOAD_GRACE_MS));
    await expectError(service.confirm(callerOf('uploader'), id), 'NOT_FOUND');
    await expectError(service.delete(callerOf('uploader'), id), 'NOT_FOUND');
  });

  test('past 50 MB at confirm time: 413 naming size', async () => {
    const { service, repository, id } = await uploaded({ size: 1000, contentType: 'application/pdf' });
    repository.taskBytes = 50 * MB - 999;
    const error = await expectError(service.confirm(callerOf('uploader'), id), 'PAYLOAD_TOO_LARGE');
    expect(error.details).toEqual([expect.objectContaining({ field: 'size' })]);
  });
});

describe('listing and deleting', () => {
  test('lists ready ones only, images inline; the uploader or an admin deletes', async () => {
    const { service, repository, files } = setUp();
    const make = async (contentType: 'image/png' | 'application/pdf', confirm: boolean) => {
      const { id } = await service.create(callerOf('uploader'), repository.task.id, {
        fileName: 'f',
        contentType,
        size: 10,
      });
      files.objects.set(objectKeyOf(repository.items.get(id)!), { size: 10, contentType });
      if (confirm) await service.confirm(callerOf('uploader'), id);
      return id;
    };
    const image = await make('image/png', true);
    const doc = await make('application/pdf', true);
    await make('application/pdf', false);
    const listed = await service.list(callerOf('viewer'), repository.task.id);
    expect(listed.map((a) => [a.id, a.downloadUrl.split('?')[1]!.split('&')[0]])).toEqual([
      [image, 'inline'],
      [doc, 'attachment'],
    ]);
    // No thumbnail yet: the image says pending and has no thumbnail URL; a pdf has no thumbnail at all.
    expect(listed.map((a) => [a.thumbnailStatus, a.thumbnailUrl])).toEqual([
      ['pending', undefined],
      [null, undefined],
    ]);
    await expectError(service.delete(callerOf('other'), image), 'FORBIDDEN');
    await service.delete(callerOf('admin'), image);
    await service.delete(callerOf('uploader'), doc);
    expect(repository.taskBytes).toBe(0);
  });
});

test('Content-Disposition: the name percent-encoded, with an ASCII fallback', () => {
  expect(contentDisposition('Zoë "plan" (v2).pdf', false)).toBe(
    `attachment; filename="Zo_ _plan_ (v2).pdf"; filename*=UTF-8''Zo%C3%AB%20%22plan%22%20%28v2%29.pdf`,
  );
  expect(contentDisposition('a.png', true)).toMatch(/^inline; /);
});

describe('thumbnails and covers', () => {
  const imageRecord = (change: Partial<AttachmentRecord> = {}): AttachmentRecord => ({
    id: 'T.A',
    taskId: 'T',
    projectId: 'P',
    workspaceId: 'W',
    fileName: 'Photo 1.JPG',
    contentType: 'image/jpeg',
    size: 10,
    status: 'ready',
    uploadedBy: 'uploader',
    createdAt: NOW.toISOString(),
    readyAt: NOW.toISOString(),
    expiresAt: null,
    thumbnailStatus: 'pending',
    ...change,
  });

  test('a ready thumbnail is listed with its own short-lived webp URL, never the original', async () => {
    const { service, repository } = setUp();
    const record = imageRecord({ id: `${repository.task.id}.A`, taskId: repository.task.id });
    repository.items.set(record.id, { ...record, thumbnailStatus: 'ready' });
    const [listed] = await service.list(callerOf('viewer'), repository.task.id);
    expect(listed!.thumbnailStatus).toBe('ready');
    expect(listed!.thumbnailUrl).toBe(
      `https://bucket.example/thumbs/${repository.task.id}/${record.id}.webp?inline&image/webp&Photo 1.webp`,
    );
    expect(listed).not.toHaveProperty('expiresAt');
  });

  test('a failed thumbnail is listed as failed, with no URL (the app shows a file icon)', async () => {
    const { service, repository } = setUp();
    const record = imageRecord({ id: `${repository.task.id}.A`, taskId: repository.task.id });
    repository.items.set(record.id, { ...record, thumbnailStatus: 'failed' });
    const [listed] = await service.list(callerOf('viewer'), repository.task.id);
    expect([listed!.thumbnailStatus, listed!.thumbnailUrl]).toEqual(['failed', undefined]);
  });

  test('keys: originals under tasks/, thumbnails under thumbs/; the clean-up deletes both for an image only', () => {
    expect(objectKeyOf(imageRecord())).toBe('tasks/T/T.A');
    expect(thumbnailKeyOf(imageRecord())).toBe('thumbs/T/T.A.webp');
    expect(objectKeysOf(imageRecord())).toEqual(['tasks/T/T.A', 'thumbs/T/T.A.webp']);
    expect(objectKeysOf(imageRecord({ contentType: 'application/pdf' }))).toEqual(['tasks/T/T.A']);
  });

  test('a cover must be a ready image of the same task with a thumbnail made or on its way', () => {
    expect(coverProblem(imageRecord(), 'T')).toBeUndefined();
    expect(coverProblem(imageRecord({ thumbnailStatus: 'ready' }), 'T')).toBeUndefined();
    expect(coverProblem(undefined, 'T')).toBe('is not an attachment of this task');
    expect(coverProblem(imageRecord(), 'OTHER')).toBe('is not an attachment of this task');
    expect(coverProblem(imageRecord({ status: 'pending' }), 'T')).toBe('is not uploaded yet');
    expect(coverProblem(imageRecord({ contentType: 'application/pdf', thumbnailStatus: null }), 'T')).toBe(
      'is not an image',
    );
    expect(coverProblem(imageRecord({ thumbnailStatus: 'failed' }), 'T')).toBe(
      'is an image that could not be read',
    );
    expect(coverProblem(imageRecord({ thumbnailStatus: null }), 'T')).toBe('is an image without a thumbnail');
    // The panel's view of a list cached by an older app (no thumbnailStatus): not offered as a cover.
    const { thumbnailStatus: _, ...cachedByOlderApp } = imageRecord({ thumbnailStatus: 'ready' });
    expect(coverProblem(cachedByOlderApp, 'T')).toBe('is an image without a thumbnail');
  });

  test('board reads: a cover URL only for tasks with a cover, one URL per signing window, signed once', async () => {
    const files = new MemoryFiles();
    const signed: string[] = [];
    const downloadUrl = files.downloadUrl.bind(files);
    files.downloadUrl = (key, ...rest) => {
      signed.push(key);
      return downloadUrl(key, ...rest);
    };
    const covers = new CoverUrls(files);
    const tasks = [
      { id: 'T1', coverAttachmentId: 'T1.A' },
      { id: 'T2', coverAttachmentId: null },
    ];
    const [withCover, without] = await covers.add(tasks, new Date('2026-06-01T10:07:30.000Z'));
    expect(without).toBe(tasks[1]);
    expect(withCover!.coverUrl).toBe(
      `https://bucket.example/thumbs/T1/T1.A.webp?inline&image/webp&cover.webp&at=2026-06-01T10:05:00.000Z&for=${COVER_URL_SECONDS}`,
    );
    // The same window: the same URL, not signed again.
    const later = await covers.add(tasks, new Date('2026-06-01T10:09:59.999Z'));
    expect(later[0]!.coverUrl).toBe(withCover!.coverUrl);
    expect(signed).toEqual(['thumbs/T1/T1.A.webp']);
    // The next window: a new URL (a fresh signer gives the same one: it depends on the window only).
    const next = await covers.add(tasks, new Date('2026-06-01T10:10:00.000Z'));
    expect(next[0]!.coverUrl).not.toBe(withCover!.coverUrl);
    expect(next[0]!.coverUrl).toBe(
      (await new CoverUrls(files).add(tasks, new Date('2026-06-01T10:14:00.000Z')))[0]!.coverUrl,
    );
    // Handed out at the end of a window, a URL still has this long to live.
    expect(COVER_URL_SECONDS - COVER_URL_WINDOW_SECONDS).toBeGreaterThanOrEqual(5 * 60);
  });
});
