import { createHash, createHmac } from 'node:crypto';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Attachment, AttachmentUpload, AttachmentWithUrl } from '#shared/schemas/attachments';
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
    expect(listed).toEqual({ ...confirmed.body, downloadUrl: expect.any(String) });
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
    const { version } = await read(owner, `/projects/${doomed}`);
    const gone = await api(`/projects/${doomed}?version=${version}`, {
      method: 'DELETE',
      token: owner.idToken,
    });
    expect(gone.status).toBe(204);
    await eventually(async () => ((await objectExists(key)) ? undefined : true), 60_000);
  }, 90_000);
});
