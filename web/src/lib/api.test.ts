import { ApiError, describeError, toApiError, withQuery } from './api.ts';

describe('the API client', () => {
  it('reads the contract error shape, and a 409 VERSION_CONFLICT carries the stored object', () => {
    const current = { id: 't', version: 3, title: 'Theirs' };
    const error = toApiError(409, {
      error: { code: 'VERSION_CONFLICT', message: 'stale', details: [], requestId: 'r1' },
      current,
    });
    expect(error).toBeInstanceOf(ApiError);
    expect(error.isVersionConflict).toBe(true);
    expect(error.current).toEqual(current);
    expect(error.requestId).toBe('r1');
  });

  it('turns an answer without the error shape into an internal error', () => {
    const error = toApiError(502, '<html>Bad gateway</html>');
    expect(error.code).toBe('INTERNAL_ERROR');
    expect(error.status).toBe(502);
  });

  it('names each invalid field in the message of a 400', () => {
    const error = toApiError(400, {
      error: {
        code: 'VALIDATION_ERROR',
        message: 'invalid',
        details: [
          { field: 'title', message: 'must not be blank' },
          { field: 'key', message: 'must be 2-10 upper-case letters A-Z' },
        ],
        requestId: 'r',
      },
    });
    expect(describeError(error)).toBe('title: must not be blank; key: must be 2-10 upper-case letters A-Z');
  });

  it("says the server's own reason for a 403 when it has one, else what the role means", () => {
    const forbidden = (message: string) =>
      toApiError(403, { error: { code: 'FORBIDDEN', message, requestId: 'r' } });
    expect(describeError(forbidden('Only its author can edit a comment'))).toBe(
      'Only its author can edit a comment.',
    );
    expect(describeError(forbidden('Your role does not allow this'))).toBe(
      'Your role in this workspace does not allow that. Ask an admin.',
    );
  });

  it('says when to try again after a 429, from its Retry-After', () => {
    const limited = (retryAfter?: number) =>
      toApiError(429, { error: { code: 'RATE_LIMITED', message: 'slow down', requestId: 'r' } }, retryAfter);
    expect(describeError(limited(37_000))).toBe('Too many requests: try again in 37 seconds.');
    expect(describeError(limited(400))).toBe('Too many requests: try again in 1 second.');
    expect(describeError(limited())).toBe('Too many requests: wait a moment and try again.');
  });

  it('leaves empty query values out and encodes the rest', () => {
    expect(withQuery('/x', { a: 'b c', n: 0, empty: '', none: undefined, nil: null, t: true })).toBe(
      '/x?a=b+c&n=0&t=true',
    );
    expect(withQuery('/x', { none: undefined })).toBe('/x');
  });
});
