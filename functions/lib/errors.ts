import type { ErrorCode, ErrorDetail } from '#shared/errors';

/** A failure the API reports to the caller; everything else is an INTERNAL_ERROR with no detail. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Extra top-level fields of the error body (e.g. `current` on VERSION_CONFLICT). */
    readonly extra?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(details: ErrorDetail[], message = 'The request is not valid') {
    super('VALIDATION_ERROR', message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid bearer token is required') {
    super('UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Your role does not allow this') {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found') {
    super('NOT_FOUND', message);
  }
}

export class VersionConflictError extends AppError {
  constructor(current: unknown, message = 'This was changed by someone else; reload and try again') {
    super('VERSION_CONFLICT', message, [], { current });
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string, details?: ErrorDetail[]) {
    super('PAYLOAD_TOO_LARGE', message, details);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, message = 'Too many requests; try again later') {
    super('RATE_LIMITED', message, undefined, undefined, { 'retry-after': String(retryAfterSeconds) });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, extra?: Record<string, unknown>) {
    super('SERVICE_UNAVAILABLE', message, undefined, extra);
  }
}
