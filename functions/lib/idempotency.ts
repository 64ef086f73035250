import { createHash } from 'node:crypto';
import { AppError, ConflictError, ValidationError } from './errors.ts';

/**
 * `Idempotency-Key` (../shared/API.md, "Idempotency"): the same key with the same request from the same user
 * within 24 h answers the first answer again and changes nothing; the same key with a different request is a 409.
 * Clients that retry, and the web app's offline outbox, send one per change.
 */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/**
 * How long a claim holds before another request with the key may take it over: longer than any function's
 * timeout (29 s), so a live request is never run twice; a crashed one frees its key after this.
 */
export const IDEMPOTENCY_LOCK_SECONDS = 35;
/** Answers larger than this are not kept (DynamoDB items stop at 400 KB); a repeat then runs again. */
const MAX_STORED_BODY_BYTES = 300 * 1024;

const METHODS = new Set(['POST', 'PATCH', 'DELETE']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface StoredAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface IdempotencyRecord {
  fingerprint: string;
  state: 'pending' | 'done';
  answer?: StoredAnswer;
}

export interface IdempotencyStore {
  /** Claims the key for a request (new, expired, or a dead holder's); false when someone else holds it. */
  claim(
    userId: string,
    key: string,
    fingerprint: string,
    nowSeconds: number,
    lockSeconds: number,
    ttlSeconds: number,
  ): Promise<boolean>;
  read(userId: string, key: string): Promise<IdempotencyRecord | undefined>;
  complete(userId: string, key: string, fingerprint: string, answer: StoredAnswer): Promise<void>;
  /** Gives a claim up (the request failed in a way a retry may fix), so the key can be used again. */
  release(userId: string, key: string, fingerprint: string): Promise<void>;
}

/** The request's key, when it is a change that carries one; a malformed key is a 400 naming the header. */
export function idempotencyKeyOf(
  method: string,
  headers: Record<string, string | undefined>,
): string | undefined {
  const key = headers[IDEMPOTENCY_HEADER];
  if (key === undefined || !METHODS.has(method)) return undefined;
  if (!UUID.test(key)) {
    throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be a UUID' }]);
  }
  return key.toLowerCase();
}

/** JSON with object keys sorted, so two encodings of one body are one request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What makes two requests "the same": route, path, query and body (JSON compared by value). */
export function fingerprintOf(request: {
  routeKey: string;
  path: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  rawBody: string | undefined;
}): string {
  let body: string = request.rawBody ?? '';
  try {
    if (request.rawBody !== undefined) body = canonical(JSON.parse(request.rawBody));
  } catch {
    // Not JSON: the operation will refuse it; compare the text as it is.
  }
  const text = canonical({ route: request.routeKey, path: request.path, query: request.query, body });
  return createHash('sha256').update(text).digest('base64url');
}

/** Answers worth repeating: successes and the caller's own errors, not 429s or server failures. */
const keepable = (answer: StoredAnswer) =>
  answer.statusCode < 500 &&
  answer.statusCode !== 429 &&
  Buffer.byteLength(answer.body) <= MAX_STORED_BODY_BYTES;

/**
 * Runs `work` once per user and key: the first request claims the key, runs, and keeps its answer; a repeat with
 * the same fingerprint gets that answer (header `idempotent-replayed: true`); a repeat while the first still runs,
 * or with another request, is a 409 CONFLICT.
 */
export async function runIdempotently(
  store: IdempotencyStore,
  request: { userId: string; key: string; fingerprint: string; nowSeconds: number },
  work: () => Promise<StoredAnswer>,
): Promise<StoredAnswer> {
  const { userId, key, fingerprint, nowSeconds } = request;
  const claimed = await store.claim(
    userId,
    key,
    fingerprint,
    nowSeconds,
    IDEMPOTENCY_LOCK_SECONDS,
    IDEMPOTENCY_TTL_SECONDS,
  );
  if (!claimed) {
    const record = await store.read(userId, key);
    if (record && record.fingerprint !== fingerprint) {
      throw new ConflictError('This Idempotency-Key was already used for a different request');
    }
    if (record?.state === 'done' && record.answer) {
      return {
        ...record.answer,
        headers: { ...record.answer.headers, 'idempotent-replayed': 'true' },
      };
    }
    throw new AppError(
      'CONFLICT',
      'A request with this Idempotency-Key is still being processed; retry shortly',
      undefined,
      undefined,
      { 'retry-after': '1' },
    );
  }
  let answer: StoredAnswer;
  try {
    answer = await work();
  } catch (error) {
    await store.release(userId, key, fingerprint);
    throw error;
  }
  if (keepable(answer)) await store.complete(userId, key, fingerprint, answer);
  else await store.release(userId, key, fingerprint);
  return answer;
}
