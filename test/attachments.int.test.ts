import { createHash, createHmac } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import sharp from 'sharp';
import type { Attachment, AttachmentUpload, AttachmentWithUrl } from '#shared/schemas/attachments';
import type { Task } from '#shared/schemas/tasks';
import type { DailyResult } from '#functions/scheduled/daily';
import { keys } from '#functions/store/keys';
import { physicalFunctionName } from '../infra/definitions.ts';
import { LOCAL_CREDENTIALS } from '../infra/local/settings.ts';
import { scheduledEvent } from '../infra/local/scheduler.ts';
import {
  addMember,
  api,
  eventually,
  expectErrorShape,
  outputs,
  signUpUser,
  type TestUser,
  invokeFunction,
} from './support.ts';
import {
  createProject,
  createTask,
  createWorkspace,
  fieldsOf,
  getTask,
  read,
  storedItem,
} from './fixtures.ts';

/**
 * Attachments against the local stack: the API presigns, the test PUTs the file to s3rver itself as the browser
 * does, and the stream's clean-up deletes files whose items went. s3rver checks a presigned URL's expiry and
 * access key but never computes a SigV4 signature (s3rver 3.7.1, lib/middleware/authentication.js: "Signature
 * version 4 calculation is unimplemented"), so it stores a body of any length or type: what S3 refuses by the
 * signature is shown here by verifying the signature as S3 does; what holds on every storage is the confirm's
 * HeadObject check.
 */

const MB = 1024 * 1024;
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const s3 = () =>
  new S3Client({
    region: outputs().region,
    endpoint: outputs().local.endpoints.s3,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
const bucket = () => outputs().local.resources.buckets.attachments;
const objectKey = (taskId: string, id: string) => `tasks/${taskId}/${id}`;
const thumbKey = (taskId: string, id: string) => `thumbs/${taskId}/${id}.webp`;
const THUMBNAILS = physicalFunctionName('local', 'thumbnails');

/** A photo-like image (a gradient, so the encoders have something to encode). */
const photo = (width: number, height: number) =>
  sharp(
    Buffer.from(
      Array.from({ length: width * height * 3 }, (_, i) => (i % 3 === 0 ? (i / 3) % 256 : (i * 7) % 256)),
    ),
    { raw: { width, height, channels: 3 } },
  );

async function objectBytes(key: string): Promise<Buffer> {
  const object = await s3().send(new GetObjectCommand({ Bucket: bucket(), Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function objectExists(key: string): Promise<boolean> {
  try {
    await s3().send(new HeadObjectCommand({ Bucket: bucket(), Key: key }));
    return true;
  } catch {
    return false;
  }
}

const startUpload = (user: TestUser, taskId: string, body: Record<string, unknown>) =>
  api<AttachmentUpload>(`/tasks/${taskId}/attachments`, { method: 'POST', token: user.idToken, body });

async function upload(user: TestUser, taskId: string, file: Buffer, contentType: string, fileName = 'f') {
  const res = await startUpload(user, taskId, { fileName, contentType, size: file.length });
  if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
  const put = await fetch(res.body.uploadUrl, {
    method: 'PUT',
    headers: res.body.uploadHeaders,
    body: new Uint8Array(file),
  });
  if (!put.ok) throw new Error(`PUT: ${put.status} ${await put.text()}`);
  return res.body;
}

const confirm = (user: TestUser, id: string) =>
  api<Attachment>(`/attachments/${id}/confirm`, { method: 'POST', token: user.idToken });

const list = async (user: TestUser, taskId: string) =>
  (await api<{ items: AttachmentWithUrl[] }>(`/tasks/${taskId}/attachments`, { token: user.idToken })).body
    .items;

/** The listed attachment once the thumbnail worker recorded `status` on it. */
const thumbnailOf = (user: TestUser, taskId: string, id: string, status: 'ready' | 'failed') =>
  eventually(async () => {
    const listed = (await list(user, taskId)).find((a) => a.id === id);
    return listed?.thumbnailStatus === status ? listed : undefined;
  }, 30_000);

/**
 * The signature S3 computes for a presigned request (SigV4, query authentication, unsigned payload), written
 * out from the AWS documentation rather than with the SDK that signed: the URL plus the values the request
 * actually sends for each signed header.
 */
function s3Signature(url: URL, headers: Record<string, string>): string {
  const encode = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const q = url.searchParams;
  const signed = q.get('X-Amz-SignedHeaders')!.split(';');
  const query = [...q.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join('&');
  const canonicalHeaders = signed
    .map((h) => `${h}:${(h === 'host' ? url.host : headers[h]!).trim()}\n`)
    .join('');
  const request = ['PUT', url.pathname, query, canonicalHeaders, signed.join(';'), 'UNSIGNED-PAYLOAD'].join(
    '\n',
  );
  const [, day, region, service] = q.get('X-Amz-Credential')!.split('/') as [string, string, string, string];
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = [
    'AWS4-HMAC-SHA256',
    q.get('X-Amz-Date'),
    scope,
    createHash('sha256').update(request).digest('hex'),
  ].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${LOCAL_CREDENTIALS.secretAccessKey}`).update(day).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(toSign).digest('hex');
}

const DAILY = physicalFunctionName('local', 'daily');
const runDaily = (at: Date) =>
  invokeFunction<DailyResult>(DAILY, scheduledEvent(DAILY, at, outputs().region));

describe('attachments', () => {
  let owner: TestUser;
  let uploader: TestUser;
  let racer: TestUser;
  let other: TestUser;
  let admin: TestUser;
  let viewer: TestUser;
  let ws: string;
  let projectId: string;

  beforeAll(async () => {
    owner = await signUpUser('Olga Owner');
    ws = await createWorkspace(owner, 'Files Co');
    [uploader, racer, other, admin, viewer] = await Promise.all([
      addMember(owner, ws, 'member'),
      addMember(owner, ws, 'member'),
      addMember(owner, ws, 'member'),
      addMember(owner, ws, 'admin'),
      addMember(owner, ws, 'viewer'),
    ]);
    projectId = await createProject(owner, ws, 'ATT');
  }, 120_000);

  it('uploads straight to storage, confirms, lists with download URLs, counts on the task, deletes', async () => {
    const task = await createTask(owner, projectId);
    const started = Date.now();
    const made = await startUpload(uploader, task.id, {
      fileName: 'pixel.png',
      contentType: 'image/png',
      size: PNG.length,
    });
    expect(made.status).toBe(201);
    expect(made.body).toEqual({
      id: expect.stringMatching(new RegExp(`^${task.id.replace('.', '\\.')}\\.[0-9A-Z]{26}$`)),
      uploadUrl: expect.any(String),
      uploadHeaders: { 'Content-Type': 'image/png', 'x-amz-tagging': 'teamflow-upload=pending' },
      expiresAt: expect.any(String),
    });
    const expiresIn = Date.parse(made.body.expiresAt) - started;
    expect(expiresIn).toBeGreaterThan(4 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(5 * 60_000 + 5_000);

    // The URL: valid 5 minutes, length, type and tag signed, and no checksum of an empty body (real S3 would
    // compare it with the real one and refuse the PUT).
    const url = new URL(made.body.uploadUrl);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;content-type;host;x-amz-tagging',
    );
    const params = [...url.searchParams.keys()].map((k) => k.toLowerCase());
    expect(params.filter((k) => k.includes('checksum') || k === 'x-amz-sdk-checksum-algorithm')).toEqual([]);

    // Pending: not listed, not counted.
    expect(await list(uploader, task.id)).toEqual([]);
    const put = await fetch(made.body.uploadUrl, {
      method: 'PUT',
      headers: made.body.uploadHeaders,
      body: PNG,
    });
    expect(put.status).toBe(200);
    expect(await list(uploader, task.id)).toEqual([]);

    const confirmed = await confirm(uploader, made.body.id);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toEqual({
      id: made.body.id,
      taskId: task.id,
      projectId,
      workspaceId: ws,
      fileName: 'pixel.png',
      contentType: 'image/png',
      size: PNG.length,
      status: 'ready',
      uploadedBy: uploader.userId,
      createdAt: expect.any(String),
      readyAt: expect.any(String),
    });
    // Again: the same answer, counted once.
    expect((await confirm(uploader, made.body.id)).body).toEqual(confirmed.body);
    expect((await getTask(owner, task.id)).attachmentCount).toBe(1);
    // The pending item's TTL and expiry index went with the confirm.
    const stored = await storedItem(keys.attachment(task.id, made.body.id));
    expect(stored).not.toHaveProperty('ttl');
    expect(stored).not.toHaveProperty('GSI2PK');

    // Any member lists it (a viewer too), with a download URL that shows an image inline.
    const [listed] = await list(viewer, task.id);
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { thumbnailStatus, thumbnailUrl, ...asConfirmed } = listed!;
    expect(asConfirmed).toEqual({ ...confirmed.body, downloadUrl: expect.any(String) });
    expect(thumbnailStatus).toMatch(/^(pending|ready)$/);
    const download = await fetch(listed!.downloadUrl);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('content-disposition')).toMatch(/^inline; filename="pixel.png"/);
    expect(Buffer.from(await download.arrayBuffer()).equals(PNG)).toBe(true);

    // Another type downloads as a file, under its own (non-ASCII) name.
    const pdf = await upload(
      uploader,
      task.id,
      Buffer.from('%PDF-1.4 fake'),
      'application/pdf',
      'Zoë plan.pdf',
    );
    expect((await confirm(uploader, pdf.id)).status).toBe(200);
    const pdfListed = (await list(uploader, task.id)).find((a) => a.id === pdf.id)!;
    const pdfDownload = await fetch(pdfListed.downloadUrl);
    expect(pdfDownload.headers.get('content-disposition')).toBe(
      `attachment; filename="Zo_ plan.pdf"; filename*=UTF-8''Zo%C3%AB%20plan.pdf`,
    );

    // Only its uploader or an admin deletes; the file follows from the stream.
    const refused = await api(`/attachments/${made.body.id}`, { method: 'DELETE', token: other.idToken });
    expect(refused.status).toBe(403);
    expectErrorShape(refused.body, 'FORBIDDEN');
    expect(
      (await api(`/attachments/${made.body.id}`, { method: 'DELETE', token: admin.idToken })).status,
    ).toBe(204);
    expect((await api(`/attachments/${pdf.id}`, { method: 'DELETE', token: uploader.idToken })).status).toBe(
      204,
    );
    expect((await getTask(owner, task.id)).attachmentCount).toBe(0);
    expect(await list(uploader, task.id)).toEqual([]);
    await eventually(async () => ((await objectExists(objectKey(task.id, made.body.id))) ? undefined : true));
    await eventually(async () => ((await objectExists(objectKey(task.id, pdf.id))) ? undefined : true));
    expect((await confirm(uploader, made.body.id)).status).toBe(404);
  }, 60_000);

  it('refuses a type, a size or a name outside the contract before any upload, naming the field', async () => {
    const task = await createTask(owner, projectId);
    const tooBig = await startUpload(other, task.id, {
      fileName: 'big.pdf',
      contentType: 'application/pdf',
      size: 10 * MB + 1,
    });
    expect(tooBig.status).toBe(413);
    expectErrorShape(tooBig.body, 'PAYLOAD_TOO_LARGE');
    expect(fieldsOf(tooBig)).toEqual(['size']);

    const exe = await startUpload(other, task.id, {
      fileName: 'x.exe',
      contentType: 'application/x-msdownload',
      size: 10,
    });
    expect(exe.status).toBe(400);
    expect(fieldsOf(exe)).toEqual(['contentType']);
    const blank = await startUpload(other, task.id, { fileName: ' ', contentType: 'text/plain', size: 1 });
    expect(fieldsOf(blank)).toEqual(['fileName']);
    const empty = await startUpload(other, task.id, {
      fileName: 'a.txt',
      contentType: 'text/plain',
      size: 0,
    });
    expect(fieldsOf(empty)).toEqual(['size']);
    const viewerTry = await startUpload(viewer, task.id, {
      fileName: 'a.txt',
      contentType: 'text/plain',
      size: 1,
    });
    expect(viewerTry.status).toBe(403);
    // Nothing was left behind by the refusals.
    expect(await list(owner, task.id)).toEqual([]);
  });

  it('binds the exact length and type into the signature, so S3 refuses any other body', async () => {
    const task = await createTask(owner, projectId);
    const made = (
      await startUpload(other, task.id, { fileName: 'a.txt', contentType: 'text/plain', size: 1000 })
    ).body;
    const url = new URL(made.uploadUrl);
    const sent = (length: number, type = 'text/plain') => ({
      'content-length': String(length),
      'content-type': type,
      'x-amz-tagging': made.uploadHeaders['x-amz-tagging']!,
    });
    // The request as declared carries the very signature S3 computes for it...
    expect(s3Signature(url, sent(1000))).toBe(url.searchParams.get('X-Amz-Signature'));
    // ...and one byte more, or another type, would not: S3 answers 403 SignatureDoesNotMatch.
    expect(s3Signature(url, sent(1001))).not.toBe(url.searchParams.get('X-Amz-Signature'));
    expect(s3Signature(url, sent(1000, 'text/html'))).not.toBe(url.searchParams.get('X-Amz-Signature'));
  });

  it('confirms only an object that is there with the declared size and type (409 otherwise)', async () => {
    const task = await createTask(owner, projectId);
    const declare = (size: number, contentType = 'text/plain') =>
      startUpload(other, task.id, { fileName: 'a.txt', contentType, size }).then((r) => r.body);

    const missing = await declare(5);
    const notThere = await confirm(other, missing.id);
    expect(notThere.status).toBe(409);
    expectErrorShape(notThere.body, 'CONFLICT');

    // s3rver stores a longer body than signed (S3 would not): the confirm still refuses it.
    const longer = await declare(5);
    const put = await fetch(longer.uploadUrl, {
      method: 'PUT',
      headers: longer.uploadHeaders,
      body: 'hello, world',
    });
    expect(put.status).toBe(200);
    expect((await confirm(other, longer.id)).status).toBe(409);

    const retyped = await declare(5, 'image/png');
    await fetch(retyped.uploadUrl, {
      method: 'PUT',
      headers: { ...retyped.uploadHeaders, 'Content-Type': 'text/html' },
      body: 'hello',
    });
    const wrongType = await confirm(other, retyped.id);
    expect(wrongType.status).toBe(409);
    expect((wrongType.body as unknown as { error: { message: string } }).error.message).toMatch(/text\/html/);

    // Only the uploader confirms.
    const theirs = await upload(other, task.id, Buffer.from('hello'), 'text/plain');
    expect((await confirm(admin, theirs.id)).status).toBe(403);
    expect((await getTask(owner, task.id)).attachmentCount).toBe(0);
    expect((await confirm(other, theirs.id)).status).toBe(200);
    expect((await getTask(owner, task.id)).attachmentCount).toBe(1);
  }, 60_000);

  it('keeps a task within 50 MB however many confirms race: 10 × 6 MB → exactly 8 ready', async () => {
    const task = await createTask(owner, projectId);
    const file = Buffer.alloc(6 * MB, 7);
    const uploads = await Promise.all(
      Array.from({ length: 10 }, () => upload(racer, task.id, file, 'application/pdf', 'six.pdf')),
    );
    const answers = await Promise.all(uploads.map((u) => confirm(racer, u.id)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(8);
    // A confirm that lost to contention every time (409) may try again; one past the limit (413) may not.
    for (const [i, answer] of answers.entries()) {
      if (answer.status === 409) answers[i] = await confirm(racer, uploads[i]!.id);
    }
    const final = answers.map((a) => a.status).sort();
    expect(final).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 413, 413]);
    for (const refused of answers.filter((a) => a.status === 413))
      expect(fieldsOf(refused)).toEqual(['size']);
    expect((await getTask(owner, task.id)).attachmentCount).toBe(8);
    expect((await storedItem(keys.task(task.id)))?.attachmentBytes).toBe(48 * MB);
    expect(await list(owner, task.id)).toHaveLength(8);
    // A new upload that cannot fit is refused up front.
    const more = await startUpload(racer, task.id, {
      fileName: 'a.pdf',
      contentType: 'application/pdf',
      size: 3 * MB,
    });
    expect(more.status).toBe(413);
  }, 120_000);

  it('forgets uploads never confirmed: the daily run removes their items past expiry, and their files go', async () => {
    const task = await createTask(owner, projectId);
    const abandoned = await upload(other, task.id, Buffer.from('draft'), 'text/plain');
    const key = objectKey(task.id, abandoned.id);
    expect(await objectExists(key)).toBe(true);
    const item = await storedItem(keys.attachment(task.id, abandoned.id));
    expect(item).toMatchObject({ status: 'pending', ttl: expect.any(Number) });
    // DynamoDB Local runs no TTL: the daily run, at a time past the item's expiry, removes it.
    const result = await runDaily(new Date(Date.parse(item!.expiresAt as string) + 60_000));
    expect(result.housekeeping.expiredUploads).toBeGreaterThanOrEqual(1);
    expect(await storedItem(keys.attachment(task.id, abandoned.id))).toBeUndefined();
    expect((await confirm(other, abandoned.id)).status).toBe(404);
    await eventually(async () => ((await objectExists(key)) ? undefined : true), 30_000);
  }, 60_000);

  it("removes a deleted project's files with its tasks", async () => {
    const doomed = await createProject(owner, ws, 'GONE');
    const task = await createTask(owner, doomed);
    const kept = await upload(owner, task.id, PNG, 'image/png');
    expect((await confirm(owner, kept.id)).status).toBe(200);
    const key = objectKey(task.id, kept.id);
    expect(await objectExists(key)).toBe(true);
    await eventually(async () => ((await objectExists(thumbKey(task.id, kept.id))) ? true : undefined));
    const { version } = await read(owner, `/projects/${doomed}`);
    const gone = await api(`/projects/${doomed}?version=${version}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(gone.status).toBe(204);
    await eventually(async () => ((await objectExists(key)) ? undefined : true), 60_000);
    await eventually(async () => ((await objectExists(thumbKey(task.id, kept.id))) ? undefined : true));
  }, 90_000);

  describe('thumbnails', () => {
    it('a photo gets a webp thumbnail under thumbs/, upright as its EXIF says, within 480x480', async () => {
      const task = await createTask(owner, projectId);
      // Stored 1200x600 with orientation 6: a 600x1200 portrait once turned.
      const jpeg = await photo(1200, 600).jpeg().withMetadata({ orientation: 6 }).toBuffer();
      const made = await upload(uploader, task.id, jpeg, 'image/jpeg', 'portrait.jpg');
      expect((await confirm(uploader, made.id)).status).toBe(200);
      const listed = await thumbnailOf(uploader, task.id, made.id, 'ready');
      const meta = await sharp(await objectBytes(thumbKey(task.id, made.id))).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', 240, 480]);
      expect(await storedItem(keys.attachment(task.id, made.id))).toMatchObject({ thumbnailStatus: 'ready' });
      // The panel's URL serves the thumbnail (inline, webp), not the original.
      const served = await fetch(listed.thumbnailUrl!);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/webp');
      expect(served.headers.get('content-disposition')).toMatch(/^inline; filename="portrait.webp"/);
      expect((await sharp(Buffer.from(await served.arrayBuffer())).metadata()).width).toBe(240);

      // A PNG larger than the box both ways fits it; a pdf gets no thumbnail at all.
      const png = await upload(uploader, task.id, await photo(1000, 1000).png().toBuffer(), 'image/png');
      await confirm(uploader, png.id);
      await thumbnailOf(uploader, task.id, png.id, 'ready');
      const square = await sharp(await objectBytes(thumbKey(task.id, png.id))).metadata();
      expect([square.format, square.width, square.height]).toEqual(['webp', 480, 480]);
      const pdf = await upload(uploader, task.id, Buffer.from('%PDF-1.4'), 'application/pdf');
      await confirm(uploader, pdf.id);
      const pdfListed = (await list(uploader, task.id)).find((a) => a.id === pdf.id)!;
      expect([pdfListed.thumbnailStatus, pdfListed.thumbnailUrl]).toEqual([null, undefined]);

      // Deleting the attachment removes the thumbnail with the original.
      expect(
        (await api(`/attachments/${made.id}`, { method: 'DELETE', token: uploader.idToken })).status,
      ).toBe(204);
      await eventually(async () => ((await objectExists(thumbKey(task.id, made.id))) ? undefined : true));
      await eventually(async () => ((await objectExists(objectKey(task.id, made.id))) ? undefined : true));
    }, 60_000);

    it('a corrupt image is recorded failed once: no thumbnail, no retries, and a redelivery changes nothing', async () => {
      const task = await createTask(owner, projectId);
      const made = await upload(uploader, task.id, Buffer.from('this is not a png'), 'image/png', 'bad.png');
      expect((await confirm(uploader, made.id)).status).toBe(200);
      const listed = await thumbnailOf(uploader, task.id, made.id, 'failed');
      expect(listed.thumbnailUrl).toBeUndefined();
      expect(await objectExists(thumbKey(task.id, made.id))).toBe(false);

      // The stream delivering the same change again (a retried batch) neither fails nor writes anything.
      const item = await storedItem(keys.attachment(task.id, made.id));
      const answer = await invokeFunction<{ batchItemFailures: unknown[] }>(THUMBNAILS, {
        Records: [
          {
            eventID: '1',
            eventName: 'MODIFY',
            eventSource: 'aws:dynamodb',
            dynamodb: {
              SequenceNumber: '1',
              OldImage: marshall({ ...item, status: 'pending', thumbnailStatus: 'pending' }),
              NewImage: marshall({ ...item, thumbnailStatus: 'pending' }),
            },
          },
        ],
      });
      expect(answer.batchItemFailures).toEqual([]);
      expect(await storedItem(keys.attachment(task.id, made.id))).toMatchObject({
        thumbnailStatus: 'failed',
      });
      expect(await objectExists(thumbKey(task.id, made.id))).toBe(false);
    }, 60_000);
  });

  describe('card covers', () => {
    const patchCover = async (user: TestUser, taskId: string, coverAttachmentId: string | null) => {
      const { version } = await getTask(owner, taskId);
      return api<Task>(`/tasks/${taskId}`, {
        method: 'PATCH',
        token: user.idToken,
        body: { version, coverAttachmentId },
      });
    };
    const boardTask = async (taskId: string) =>
      (
        await api<{ items: Task[] }>(`/projects/${projectId}/tasks?status=todo&limit=100`, {
          token: viewer.idToken,
        })
      ).body.items.find((t) => t.id === taskId)!;

    it('only a ready image of the task may be its cover (400 naming coverAttachmentId otherwise)', async () => {
      const task = await createTask(owner, projectId);
      const elsewhere = await createTask(owner, projectId);
      const foreign = await upload(uploader, elsewhere.id, PNG, 'image/png');
      await confirm(uploader, foreign.id);
      const pdf = await upload(uploader, task.id, Buffer.from('%PDF-1.4'), 'application/pdf');
      await confirm(uploader, pdf.id);
      const pending = await upload(uploader, task.id, PNG, 'image/png');
      const corrupt = await upload(uploader, task.id, Buffer.from('garbage'), 'image/png');
      await confirm(uploader, corrupt.id);
      await thumbnailOf(uploader, task.id, corrupt.id, 'failed');
      const ghost = `${task.id}.01J00000000000000000000000`;

      for (const [id, message] of [
        [foreign.id, 'is not an attachment of this task'],
        [pdf.id, 'is not an image'],
        [pending.id, 'is not uploaded yet'],
        [corrupt.id, 'is an image that could not be read'],
        [ghost, 'is not an attachment of this task'],
        ['not-an-id', 'is not an attachment id'],
      ] as const) {
        const refused = await patchCover(uploader, task.id, id);
        expect(refused.status).toBe(400);
        expectErrorShape(refused.body, 'VALIDATION_ERROR');
        expect(fieldsOf(refused)).toEqual(['coverAttachmentId']);
        expect(JSON.stringify(refused.body)).toContain(message);
      }
      // A viewer may not set one at all; nothing changed.
      const image = await upload(uploader, task.id, PNG, 'image/png');
      await confirm(uploader, image.id);
      expect((await patchCover(viewer, task.id, image.id)).status).toBe(403);
      expect(await getTask(owner, task.id)).toMatchObject({ coverAttachmentId: null, version: task.version });
    }, 60_000);

    it('a cover shows on the board as a short-lived thumbnail URL, and goes with its attachment', async () => {
      const task = await createTask(owner, projectId);
      const plain = await createTask(owner, projectId);
      const image = await upload(uploader, task.id, await photo(800, 600).png().toBuffer(), 'image/png');
      await confirm(uploader, image.id);
      await thumbnailOf(uploader, task.id, image.id, 'ready');

      const set = await patchCover(uploader, task.id, image.id);
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ coverAttachmentId: image.id, version: task.version + 1 });
      expect(await getTask(viewer, task.id)).toMatchObject({ coverAttachmentId: image.id });
      const onBoard = await boardTask(task.id);
      expect(onBoard.coverAttachmentId).toBe(image.id);
      const cover = await fetch(onBoard.coverUrl!);
      expect(cover.status).toBe(200);
      expect(cover.headers.get('content-type')).toBe('image/webp');
      expect(Number(new URL(onBoard.coverUrl!).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(
        15 * 60,
      );
      // Tasks without a cover carry no URL.
      const other = await boardTask(plain.id);
      expect(other.coverAttachmentId).toBeNull();
      expect(other).not.toHaveProperty('coverUrl');

      // Removing the cover (null), then setting it again.
      const cleared = await patchCover(uploader, task.id, null);
      expect(cleared.body.coverAttachmentId).toBeNull();
      expect(await boardTask(task.id)).not.toHaveProperty('coverUrl');
      expect((await patchCover(uploader, task.id, image.id)).status).toBe(200);

      // Deleting the cover's attachment clears the cover in the same transaction: no version race, no dangling id.
      const before = await getTask(owner, task.id);
      expect((await api(`/attachments/${image.id}`, { method: 'DELETE', token: admin.idToken })).status).toBe(
        204,
      );
      const after = await getTask(owner, task.id);
      expect(after).toMatchObject({ coverAttachmentId: null, attachmentCount: before.attachmentCount - 1 });
      expect(await storedItem(keys.task(task.id))).not.toHaveProperty('coverAttachmentId');
      expect(await boardTask(task.id)).not.toHaveProperty('coverUrl');
      // And a deleted attachment cannot become the cover again.
      const again = await patchCover(uploader, task.id, image.id);
      expect(again.status).toBe(400);
      expect(fieldsOf(again)).toEqual(['coverAttachmentId']);
    }, 60_000);
  });
});
