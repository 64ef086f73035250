/**
 * A 10 MB attachment's upload through the presigned URL (the browser's path: the API's create, the PUT straight
 * to storage, the confirm) next to a raw S3 PutObject of the same bytes from the SDK, on the local stack
 * (s3rver). Rounds alternate the two, so drift on this shared machine hits both alike. Printed: the PUT's
 * throughput both ways, and the whole flow's time with the API's two calls around the PUT. Then a photo's
 * thumbnail: from the confirm's answer until the list says `thumbnailStatus: "ready"` (stream → the thumbnails
 * consumer → sharp → thumbs/ → the item), polled every 25 ms.
 *
 * Settings: `npm run bench -- attachments --rounds 10` (or BENCH_ATTACHMENT_ROUNDS).
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import type { AttachmentUpload, AttachmentWithUrl } from '../shared/schemas/attachments.ts';
import { LOCAL_CREDENTIALS } from '../infra/local/settings.ts';
import { signUpLocalUser } from '../test/users.ts';
import { apiClient, expectStatus, percentile, withBenchStack } from './load.ts';

const MB = 1024 * 1024;
const SIZE = 10 * MB;

function argument(name: string): number | undefined {
  const args = process.argv.slice(3);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === `--${name}`) return Number(args[i + 1]);
    if (arg.startsWith(`--${name}=`)) return Number(arg.slice(name.length + 3));
  }
  return undefined;
}

const line = (label: string, ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  return `${label.padEnd(34)} p50 ${p50.toFixed(0).padStart(5)} ms (${(SIZE / MB / (p50 / 1000)).toFixed(0).padStart(4)} MB/s)  p95 ${percentile(sorted, 95).toFixed(0).padStart(5)} ms  n=${sorted.length}`;
};

export async function attachments(root: string): Promise<void> {
  const rounds = argument('rounds') ?? Number(process.env.BENCH_ATTACHMENT_ROUNDS ?? 10);
  await withBenchStack(root, { RATE_LIMIT_USER_PER_MINUTE: '1000000000' }, async (stack) => {
    const o = stack.outputs;
    const api = apiClient(o, 4);
    const owner = await signUpLocalUser(o, 'Bench owner');
    const token = owner.idToken;
    const ws = expectStatus(
      await api<{ id: string }>('POST', '/workspaces', { token, body: { name: 'Bench' } }),
      201,
      'workspace',
    );
    const project = expectStatus(
      await api<{ id: string }>('POST', `/workspaces/${ws.id}/projects`, {
        token,
        body: { name: 'Bench', key: 'BEN' },
      }),
      201,
      'project',
    );
    const s3 = new S3Client({
      region: o.region,
      endpoint: o.local.endpoints.s3,
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const bucket = o.local.resources.buckets.attachments;
    const file = Buffer.alloc(SIZE, 0x61);
    const body = new Uint8Array(file);

    const presignedPut: number[] = [];
    const wholeFlow: number[] = [];
    const rawPut: number[] = [];
    for (let round = -1; round < rounds; round++) {
      // A task per round: five 10 MB files fill one.
      const task = expectStatus(
        await api<{ id: string }>('POST', `/projects/${project.id}/tasks`, {
          token,
          body: { title: `Round ${round}` },
        }),
        201,
        'task',
      );
      const t0 = performance.now();
      const made = expectStatus(
        await api<AttachmentUpload>('POST', `/tasks/${task.id}/attachments`, {
          token,
          body: { fileName: 'bench.pdf', contentType: 'application/pdf', size: SIZE },
        }),
        201,
        'create',
      );
      const t1 = performance.now();
      const put = await fetch(made.uploadUrl, { method: 'PUT', headers: made.uploadHeaders, body });
      if (!put.ok) throw new Error(`PUT ${put.status}`);
      const t2 = performance.now();
      expectStatus(await api('POST', `/attachments/${made.id}/confirm`, { token }), 200, 'confirm');
      const t3 = performance.now();

      const r0 = performance.now();
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `bench/raw-${round}`,
          Body: file,
          ContentType: 'application/pdf',
        }),
      );
      const r1 = performance.now();
      if (round < 0) continue; // warm-up
      presignedPut.push(t2 - t1);
      wholeFlow.push(t3 - t0);
      rawPut.push(r1 - r0);
    }
    // A camera-sized photo (3000x2000, noisy so it does not compress to nothing) for the thumbnail's time.
    const photo = await sharp({
      create: {
        width: 3000,
        height: 2000,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg({ quality: 85 })
      .toBuffer();
    const thumbnail: number[] = [];
    for (let round = -1; round < rounds; round++) {
      const task = expectStatus(
        await api<{ id: string }>('POST', `/projects/${project.id}/tasks`, {
          token,
          body: { title: `Photo ${round}` },
        }),
        201,
        'task',
      );
      const made = expectStatus(
        await api<AttachmentUpload>('POST', `/tasks/${task.id}/attachments`, {
          token,
          body: { fileName: 'photo.jpg', contentType: 'image/jpeg', size: photo.length },
        }),
        201,
        'create',
      );
      const put = await fetch(made.uploadUrl, {
        method: 'PUT',
        headers: made.uploadHeaders,
        body: new Uint8Array(photo),
      });
      if (!put.ok) throw new Error(`PUT ${put.status}`);
      expectStatus(await api('POST', `/attachments/${made.id}/confirm`, { token }), 200, 'confirm');
      const c0 = performance.now();
      for (let polls = 0; ; polls++) {
        const { items } = expectStatus(
          await api<{ items: AttachmentWithUrl[] }>('GET', `/tasks/${task.id}/attachments`, { token }),
          200,
          'list',
        );
        const status = items[0]?.thumbnailStatus;
        if (status === 'ready') break;
        if (status === 'failed' || polls > 2_400) throw new Error(`the thumbnail of ${made.id} is ${status}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      if (round >= 0) thumbnail.push(performance.now() - c0);
    }

    console.log(`\nattachments: a ${SIZE / MB} MB file, ${rounds} rounds (s3rver on this machine)`);
    console.log(line('PUT to the presigned URL (fetch)', presignedPut));
    console.log(line('raw S3 PutObject (SDK)', rawPut));
    console.log(line('create + PUT + confirm (API)', wholeFlow));
    const sortedThumbs = [...thumbnail].sort((a, b) => a - b);
    console.log(
      `confirm → thumbnail ready (a ${(photo.length / MB).toFixed(1)} MB 3000x2000 JPEG → 480x320 webp)  p50 ${percentile(sortedThumbs, 50).toFixed(0)} ms  p95 ${percentile(sortedThumbs, 95).toFixed(0)} ms  n=${sortedThumbs.length}`,
    );
  });
}
