/**
 * The API contract's error shape (../shared/API.md, "Errors"). Used by the functions' error mapper and by the
 * local gateway for the answers API Gateway itself gives (authorizer 401s, oversize bodies), so every non-2xx
 * body has one shape wherever it comes from.
 */

export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  VERSION_CONFLICT: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  field: string;
  message: string;
}

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details?: ErrorDetail[];
    requestId: string;
  };
  /** VERSION_CONFLICT carries the stored object. */
  current?: unknown;
}

export function errorBody(
  code: ErrorCode,
  message: string,
  requestId: string,
  details?: ErrorDetail[],
  extra?: Record<string, unknown>,
): ErrorBody {
  return {
    ...extra,
    error: { code, message, ...(details ? { details } : {}), requestId },
  };
}
