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

/** Turns a failed response's body into an ApiError (any body: the contract's shape, or none). */
export function toApiError(status: number, body: unknown): ApiError {
  const error = (body as Partial<ErrorBody> | null)?.error;
  if (error && typeof error.code === 'string') {
    return new ApiError(
      status,
      error.code,
      error.message,
      error.details ?? [],
      (body as ErrorBody).current,
      error.requestId,
    );
  }
  return new ApiError(status, 'INTERNAL_ERROR', `The server answered ${status}`);
}

/** Calls the API with the session's bearer token; retries once after renewing the token on a 401. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const send = async (token: string | null) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
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
      throw new ApiError(0, 'NETWORK_ERROR', 'Cannot reach TeamFlow. Check your connection and try again.');
    }
  };
  let response = await send(await idToken());
  if (response.status === 401) {
    const renewed = await renewSession();
    if (renewed) response = await send(renewed);
  }
  if (response.status === 204) return undefined as T;
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw toApiError(response.status, body);
  return body as T;
}

/** A message for a person: what went wrong and, where it helps, what to do. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'VALIDATION_ERROR':
        return error.details.length
          ? error.details.map((d) => `${d.field}: ${d.message}`).join('; ')
          : error.message;
      case 'FORBIDDEN':
        return 'Your role in this workspace does not allow that. Ask an admin.';
      case 'NOT_FOUND':
        return 'Not found: it may have been deleted, or you are not a member of its workspace.';
      case 'VERSION_CONFLICT':
        return 'Someone changed this meanwhile. Reload to see their change.';
      case 'RATE_LIMITED':
        return 'Too many requests: wait a moment and try again.';
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
