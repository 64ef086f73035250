import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentDisposition, type FileStore, type StoredObject } from '#functions/domain/attachments';
import type { ThumbnailFiles } from '#functions/domain/thumbnails';

import { PENDING_UPLOAD_TAG as PENDING_TAG } from '#infra/definitions';

/**
 * One client per container. `requestChecksumCalculation: 'WHEN_REQUIRED'`: otherwise SDK v3 adds an empty-body
 * CRC32 checksum to presigned PUTs, which S3 then checks against the real body and refuses (in a browser, as a
 * vague CORS error). Path-style addressing only against a local endpoint (s3rver has no virtual hosts).
 */
export const s3 = new S3Client({
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3),
});

/** The headers a presigned PUT signs: S3 refuses a request whose body length or type differs from them. */
export const SIGNED_UPLOAD_HEADERS = ['content-length', 'content-type', 'x-amz-tagging'] as const;

const isMissing = (error: unknown) =>
  error instanceof NotFound ||
  (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404);

/** The attachments bucket as the domain's FileStore. */
export function s3FileStore(bucket: string, client: S3Client = s3): FileStore & ThumbnailFiles {
  return {
    async uploadUrl(key, contentType, size, expiresInSeconds) {
      const tagging = `${PENDING_TAG.key}=${PENDING_TAG.value}`;
      const url = await getSignedUrl(
        client,
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          ContentType: contentType,
          ContentLength: size,
          Tagging: tagging,
        }),
        {
          expiresIn: expiresInSeconds,
          // The presigner leaves content-type unsigned unless asked; content-length is signed when present.
          signableHeaders: new Set(SIGNED_UPLOAD_HEADERS),
          // The tag stays a header (x-amz-* headers are otherwise moved into the query string).
          unhoistableHeaders: new Set(['x-amz-tagging']),
        },
      );
      // Content-Length is the browser's to send (the body's length); the others must be sent as signed.
      return { url, headers: { 'Content-Type': contentType, 'x-amz-tagging': tagging } };
    },

    downloadUrl(key, fileName, contentType, inline, expiresInSeconds, signedAt) {
      return getSignedUrl(
        client,
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ResponseContentType: contentType,
          ResponseContentDisposition: contentDisposition(fileName, inline),
        }),
        { expiresIn: expiresInSeconds, ...(signedAt ? { signingDate: signedAt } : {}) },
      );
    },

    async head(key): Promise<StoredObject | undefined> {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { size: head.ContentLength ?? 0, contentType: head.ContentType };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async keep(key) {
      await client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet: [] } }));
    },

    async read(key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return object.Body ? await object.Body.transformToByteArray() : new Uint8Array();
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async write(key, body, contentType) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
    },

    /** Deleting an object that is not there succeeds (S3 semantics): safe to repeat. */
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}
