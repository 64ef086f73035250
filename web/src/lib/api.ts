import type { ErrorBody, ErrorCode, ErrorDetail } from '../../../shared/errors.ts';
import type { WebConfig } from '../config.ts';
import { serverClock } from '../live/clock.ts';
import { idToken, renewSession } from './session.ts';

/** A non-2xx answer of the API, in the contract's error shape; a 409 VERSION_CONFLICT carries `current`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK_ERROR',
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly current?: unknown,
    readonly requestId?: string,
    /** A 429's or 503's Retry-After, in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
  get isVersionConflict() {
    return this.code === 'VERSION_CONFLICT';
  }
}

let apiUrl = '/api';
export const setApiUrl = (config: WebConfig) => {
  apiUrl = config.apiUrl.replace(/\/$/, '');
};

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** Sent as `Idempotency-Key`: a retry with the same key and body is applied once (docs/api-notes.md). */
  idempotencyKey?: string;
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** A Retry-After header (seconds or an HTTP date) in milliseconds from `now`. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Turns a failed response's body into an ApiError (any body: the contract's shape, or none). */
export function toApiError(status: number, body: unknown, retryAfter?: number): ApiError {
  const error = (body as Partial<ErrorBody> | null)?.error;
  if (error && typeof error.code === 'string') {
    return new ApiError(
      status,
      error.code,
      error.message,
      error.details ?? [],
      (body as ErrorBody).current,
      error.requestId,
      retryAfter,
    );
  }
  return new ApiError(
    status,
    'INTERNAL_ERROR',
    `The server answered ${status}`,
    [],
    undefined,
    undefined,
    retryAfter,
  );
}

/**
 * The message of a request that could not reach the API. Offline, a read failed because nothing of it was saved
 * on this device (docs/offline.md), and a change other than a task edit or move (those wait in the outbox) needs
 * a connection.
 */
export function networkErrorMessage(online: boolean, method: RequestOptions['method'] = 'GET'): string {
  if (online) return 'Cannot reach TeamFlow. Check your connection and try again.';
  return method === 'GET'
    ? 'You are offline, and this was not opened on this device before. It opens once you are back online.'
    : 'You are offline: this needs a connection. Try again once you are back online.';
}

/** Calls the API with the session's bearer token; retries once after renewing the token on a 401. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const send = async (token: string | null) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    try {
      const sent = Date.now();
      const response = await fetch(apiUrl + withQuery(path, options.query), {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
      // The live board's cursors are server time: every answer's Date header keeps the estimate of it current.
      serverClock.observe(response.headers.get('date'), sent, Date.now());
      return response;
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError(0, 'NETWORK_ERROR', networkErrorMessage(navigator.onLine, options.method));
    }
  };
  let response = await send(await idToken());
  if (response.status === 401) {
    const renewed = await renewSession();
    if (renewed) response = await send(renewed);
  }
  if (response.status === 204) return undefined as T;
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok)
    throw toApiError(response.status, body, retryAfterMs(response.headers.get('retry-after')));
  return body as T;
}

/** The API's FORBIDDEN message when it has no more specific reason (functions/lib/errors.ts). */
const GENERIC_FORBIDDEN = 'Your role does not allow this';
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
const seconds = (ms: number) => {
  const n = Math.max(1, Math.ceil(ms / 1000));
  return `${n} ${n === 1 ? 'second' : 'seconds'}`;
};

/** A message for a person: what went wrong and, where it helps, what to do. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'VALIDATION_ERROR':
        return error.details.length
          ? error.details.map((d) => `${d.field}: ${d.message}`).join('; ')
          : error.message;
      case 'FORBIDDEN':
        // The server's own reason when it gives one ("Only its author can edit a comment"), else the role's.
        return error.message && error.message !== GENERIC_FORBIDDEN
          ? sentence(error.message)
          : 'Your role in this workspace does not allow that. Ask an admin.';
      case 'NOT_FOUND':
        return 'Not found: it may have been deleted, or you are not a member of its workspace.';
      case 'VERSION_CONFLICT':
        return 'Someone changed this meanwhile. Reload to see their change.';
      case 'RATE_LIMITED':
        return error.retryAfterMs === undefined
          ? 'Too many requests: wait a moment and try again.'
          : `Too many requests: try again in ${seconds(error.retryAfterMs)}.`;
      case 'UNAUTHORIZED':
        return 'Your session ended: sign in again.';
      default:
        return error.message;
    }
  }
  return error instanceof Error ? error.message : 'Something went wrong; try again.';
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
