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

  it('leaves empty query values out and encodes the rest', () => {
    expect(withQuery('/x', { a: 'b c', n: 0, empty: '', none: undefined, nil: null, t: true })).toBe(
      '/x?a=b+c&n=0&t=true',
    );
    expect(withQuery('/x', { none: undefined })).toBe('/x');
  });
});
