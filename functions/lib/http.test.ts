import type { Context } from 'aws-lambda';
import { ConflictError, RateLimitedError, VersionConflictError } from './errors.ts';
import { httpFunction, MAX_BODY_BYTES, ok, requireCaller, type HttpEvent, type HttpResult } from './http.ts';
import { parseInput } from './validation.ts';
import * as z from 'zod';

const context = { awsRequestId: 'aws-1', functionName: 'f', getRemainingTimeInMillis: () => 1000 } as Context;

function event(routeKey: string, overrides: Partial<HttpEvent> = {}): HttpEvent {
  return {
    version: '2.0',
    routeKey,
    rawPath: '/api/x',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-1',
      routeKey,
      http: {
        method: 'POST',
        path: '/api/x',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'jest',
      },
      authorizer: { jwt: { claims: { sub: 'user-1', email: 'u@example.com' }, scopes: [] } },
    },
    ...overrides,
  } as unknown as HttpEvent;
}

const body = (result: HttpResult) => JSON.parse(result.body ?? 'null') as Record<string, never>;

describe('httpFunction (the one pipeline every HTTP function shares)', () => {
  const handler = httpFunction({
    'POST /api/echo': async (request) =>
      ok({
        caller: requireCaller(request),
        input: parseInput(z.strictObject({ n: z.number() }), request.body(), 'body'),
      }),
    'POST /api/conflict': async () => {
      throw new VersionConflictError({ id: 't1', version: 7 });
    },
    'POST /api/duplicate': async () => {
      throw new ConflictError('Already invited');
    },
    'POST /api/limited': async () => {
      throw new RateLimitedError(42);
    },
    'POST /api/busy': async () => {
      throw Object.assign(new Error('Transaction cancelled'), { name: 'TransactionConflictException' });
    },
    'POST /api/crash': async () => {
      throw new Error('secret internal detail at /srv/app.js:12');
    },
  });

  it('dispatches by route key, with the caller from the authorizer claims and the parsed body', async () => {
    const result = await handler(event('POST /api/echo', { body: '{"n":1}' }), context);
    expect(result.statusCode).toBe(200);
    expect(body(result)).toEqual({ caller: { userId: 'user-1', email: 'u@example.com' }, input: { n: 1 } });
    expect(result.headers?.['x-request-id']).toBe('req-1');
  });

  it('answers an unknown route key with 404 NOT_FOUND', async () => {
    const result = await handler(event('GET /api/nope'), context);
    expect(result.statusCode).toBe(404);
    expect(body(result)).toEqual({
      error: expect.objectContaining({ code: 'NOT_FOUND', requestId: 'req-1' }),
    });
  });

  it('answers malformed JSON with 400 naming the body', async () => {
    const result = await handler(event('POST /api/echo', { body: '{"n":' }), context);
    expect(result.statusCode).toBe(400);
    expect(body(result)).toEqual({
      error: expect.objectContaining({
        code: 'VALIDATION_ERROR',
        details: [{ field: 'body', message: 'is not valid JSON' }],
      }),
    });
  });

  it('decodes base64 bodies', async () => {
    const encoded = Buffer.from('{"n":5}').toString('base64');
    const result = await handler(event('POST /api/echo', { body: encoded, isBase64Encoded: true }), context);
    expect(body(result)).toMatchObject({ input: { n: 5 } });
  });

  it('refuses a body over 256 KB with 413 before running the operation', async () => {
    const big = JSON.stringify({ n: 1, pad: 'x'.repeat(MAX_BODY_BYTES) });
    const result = await handler(event('POST /api/echo', { body: big }), context);
    expect(result.statusCode).toBe(413);
    expect(body(result)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('answers 401 when a route needs a caller and there are no claims', async () => {
    const noAuth = event('POST /api/echo', { body: '{"n":1}' });
    delete (noAuth.requestContext as { authorizer?: unknown }).authorizer;
    const result = await handler(noAuth, context);
    expect(result.statusCode).toBe(401);
  });

  it('maps VERSION_CONFLICT to 409 with empty details and the stored object as `current`', async () => {
    const result = await handler(event('POST /api/conflict'), context);
    expect(result.statusCode).toBe(409);
    expect(body(result)).toEqual({
      current: { id: 't1', version: 7 },
      error: expect.objectContaining({ code: 'VERSION_CONFLICT', details: [] }),
    });
  });

  it('maps CONFLICT to 409 and RATE_LIMITED to 429 with Retry-After', async () => {
    expect((await handler(event('POST /api/duplicate'), context)).statusCode).toBe(409);
    const limited = await handler(event('POST /api/limited'), context);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers?.['retry-after']).toBe('42');
  });

  it('answers contention that outlasted the retries with 503 + Retry-After, not a 500', async () => {
    const busy = await handler(event('POST /api/busy'), context);
    expect(busy.statusCode).toBe(503);
    expect(busy.headers?.['retry-after']).toBe('1');
    expect(body(busy)).toEqual({
      error: {
        code: 'SERVICE_UNAVAILABLE',
        message: expect.stringMatching(/nothing was changed/),
        requestId: 'req-1',
      },
    });
  });

  it('turns an unexpected error into 500 INTERNAL_ERROR without leaking its message', async () => {
    const result = await handler(event('POST /api/crash'), context);
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('secret');
    expect(body(result)).toEqual({
      error: { code: 'INTERNAL_ERROR', message: expect.any(String), requestId: 'req-1' },
    });
  });
});
