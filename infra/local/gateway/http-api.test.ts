import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { ErrorBody } from '#shared/errors';
import type { LocalFunctionRuntime } from '../function-runtime.ts';
import { requestTimeOf, startHttpApi, stringifyClaims, type TokenVerifier } from './http-api.ts';

// The real route table plus one route with a path parameter (the table has none yet), so that the event's
// `pathParameters` can be checked end to end.
jest.mock('#shared/routes', () => {
  const actual = jest.requireActual<typeof import('#shared/routes')>('#shared/routes');
  return {
    ...actual,
    httpRoutes: [
      ...actual.httpRoutes,
      { method: 'GET', path: '/api/test-items/{itemId}', fn: 'health', auth: 'none' },
    ],
  };
});

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;

/** Stands in for LocalFunctionRuntime: records every invocation and answers with `answer`. */
class FakeRuntime {
  readonly calls: Array<{ name: string; event: Event }> = [];
  answer: (event: Event) => unknown = () => ({ ok: true });

  async invoke(name: string, event: unknown): Promise<unknown> {
    this.calls.push({ name, event: event as Event });
    return this.answer(event as Event);
  }

  only(): { name: string; event: Event } {
    expect(this.calls).toHaveLength(1);
    return this.calls[0]!;
  }
}

const CLAIMS = {
  sub: 'u1',
  email: 'a@b.c',
  email_verified: true,
  exp: 1700000000,
  'cognito:groups': ['x', 'y'],
};
const verifyToken: TokenVerifier = async (token) => {
  if (token === 'good') return { claims: CLAIMS };
  throw new Error('invalid token');
};

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const runtime = new FakeRuntime();
let server: http.Server;
let port: number;

/** One request over a real socket; node:http (unlike fetch) can send a header on several lines. */
function call(
  method: string,
  path: string,
  options: { headers?: http.OutgoingHttpHeaders; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = <T>(reply: Reply): T => JSON.parse(reply.body.toString('utf8')) as T;

function expectContractError(reply: Reply, status: number, code: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  const body = json<ErrorBody>(reply);
  expect(body).toEqual({ error: { code, message: expect.any(String), requestId: expect.any(String) } });
  expect(body.error.message).not.toBe('');
  expect(reply.headers['x-request-id']).toBe(body.error.requestId);
  return body;
}

beforeAll(async () => {
  server = await startHttpApi({
    host: '127.0.0.1',
    port: 0,
    runtime: runtime as unknown as LocalFunctionRuntime,
    verifyToken,
    staticJson: { '/config.json': () => ({ apiUrl: 'http://example.test/api', region: 'us-east-1' }) },
  });
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  runtime.calls.length = 0;
  runtime.answer = () => ({ ok: true });
});

describe('the payload format 2.0 event', () => {
  it('has every field of AWS’s documented example, for a jwt route with query, cookies and headers', async () => {
    const before = Date.now();
    const reply = await call('GET', '/api/me?b=2&a=1&a=two%20words&empty=', {
      headers: {
        Authorization: 'Bearer good',
        'User-Agent': 'teamflow-test/1.0',
        'X-Mixed-Case': 'Value',
        'x-multi': ['one', 'two'],
        // node:http keeps only the first of a repeated Referer; API Gateway joins them like any other.
        Referer: ['https://a.example/', 'https://b.example/'],
        Cookie: ['session=abc; theme=dark', 'lang=en'],
      },
    });
    const after = Date.now();
    expect(reply.status).toBe(200);
    const { name, event } = runtime.only();
    expect(name).toBe('me');

    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('GET /api/me');
    expect(event.rawPath).toBe('/api/me');
    expect(event.rawQueryString).toBe('b=2&a=1&a=two%20words&empty=');
    // Every Cookie header, split into one entry per cookie; the cookie header itself is not in `headers`.
    expect(event.cookies).toEqual(['session=abc', 'theme=dark', 'lang=en']);
    expect(event.headers).toEqual({
      authorization: 'Bearer good',
      'user-agent': 'teamflow-test/1.0',
      'x-mixed-case': 'Value',
      'x-multi': 'one,two',
      referer: 'https://a.example/,https://b.example/',
      host: `127.0.0.1:${port}`,
      connection: expect.any(String),
    });
    // Repeated keys joined with commas, values decoded.
    expect(event.queryStringParameters).toEqual({ b: '2', a: '1,two words', empty: '' });
    expect(event.pathParameters).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);

    const context = event.requestContext;
    expect(context.accountId).toMatch(/^\d{12}$/);
    expect(context.apiId).toEqual(expect.any(String));
    expect(context.apiId).not.toBe('');
    expect(context.domainName).toBe(`127.0.0.1:${port}`);
    expect(context.domainPrefix).toEqual(expect.any(String));
    expect(context.http).toEqual({
      method: 'GET',
      path: '/api/me',
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'teamflow-test/1.0',
    });
    expect(context.requestId).toMatch(/^[\w-]{8,}$/);
    expect(context.routeKey).toBe('GET /api/me');
    expect(context.stage).toBe('$default');
    expect(context.timeEpoch).toBeGreaterThanOrEqual(before);
    expect(context.timeEpoch).toBeLessThanOrEqual(after);
    // `$context.requestTime`'s format, as in the example: "12/Mar/2020:19:03:58 +0000".
    expect(context.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(context.time).toBe(requestTimeOf(new Date(context.timeEpoch)));

    // JWT authorizer: every claim a string; numbers and booleans printed, arrays as "[a b]".
    expect(context.authorizer.jwt).toEqual({
      claims: {
        sub: 'u1',
        email: 'a@b.c',
        email_verified: 'true',
        exp: '1700000000',
        'cognito:groups': '[x y]',
      },
      scopes: [],
    });
  });

  it('each request has its own request id', async () => {
    await call('GET', '/api/health');
    await call('GET', '/api/health');
    const [first, second] = runtime.calls.map((c) => c.event.requestContext.requestId);
    expect(first).not.toBe(second);
  });

  it('leaves out cookies and query parameters the request does not have', async () => {
    await call('GET', '/api/health');
    const { name, event } = runtime.only();
    expect(name).toBe('health');
    expect(event.routeKey).toBe('GET /api/health');
    expect(event.rawQueryString).toBe('');
    expect(event.cookies).toBeUndefined();
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
    expect(event.requestContext.authorizer).toBeUndefined();
  });

  it('keeps rawQueryString as sent, without re-encoding', async () => {
    await call('GET', "/api/health?q=it's&x=%2F&y=a+b");
    const { event } = runtime.only();
    expect(event.rawQueryString).toBe("q=it's&x=%2F&y=a+b");
    expect(event.queryStringParameters).toMatchObject({ q: "it's", x: '/' });
  });

  it('gives the route’s path parameters, decoded', async () => {
    await call('GET', '/api/test-items/caf%C3%A9%201');
    const { name, event } = runtime.only();
    expect(name).toBe('health');
    expect(event.routeKey).toBe('GET /api/test-items/{itemId}');
    expect(event.requestContext.routeKey).toBe('GET /api/test-items/{itemId}');
    expect(event.rawPath).toBe('/api/test-items/caf%C3%A9%201');
    expect(event.pathParameters).toEqual({ itemId: 'café 1' });
  });

  it('sends an unmatched request to the $default route, without the authorizer', async () => {
    await call('DELETE', '/api/me');
    await call('GET', '/api/me/');
    expect(runtime.calls.map((c) => [c.name, c.event.routeKey, c.event.rawPath])).toEqual([
      ['not-found', '$default', '/api/me'],
      ['not-found', '$default', '/api/me/'],
    ]);
    expect(runtime.calls[0]!.event.requestContext.routeKey).toBe('$default');
  });

  it.each([
    ['application/json', false],
    ['application/json; charset=utf-8', false],
    ['text/plain; charset=utf-8', false],
    ['application/vnd.api+json', false],
    ['application/x-www-form-urlencoded', false],
    ['application/octet-stream', true],
    ['image/png', true],
  ])('a %s body: isBase64Encoded %s', async (contentType, encoded) => {
    const bytes = encoded ? Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80]) : Buffer.from('{"name":"Zoë"}', 'utf8');
    await call('PATCH', '/api/me', {
      headers: { authorization: 'Bearer good', 'content-type': contentType },
      body: bytes,
    });
    const { event } = runtime.only();
    expect(event.routeKey).toBe('PATCH /api/me');
    expect(event.headers['content-type']).toBe(contentType);
    expect(event.isBase64Encoded).toBe(encoded);
    expect(event.body).toBe(encoded ? bytes.toString('base64') : bytes.toString('utf8'));
  });
});

describe('the JWT authorizer', () => {
  it.each([
    ['no Authorization header', {}],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['a token the verifier refuses', { authorization: 'Bearer bad' }],
    ['a refused token without the Bearer prefix', { authorization: 'bad' }],
  ])('%s: 401 in the contract shape, and the function never runs', async (_label, headers) => {
    const reply = await call('GET', '/api/me', { headers });
    expectContractError(reply, 401, 'UNAUTHORIZED');
    expect(runtime.calls).toHaveLength(0);
  });

  it('accepts the bearer scheme in any case', async () => {
    const reply = await call('GET', '/api/me', { headers: { authorization: 'bearer good' } });
    expect(reply.status).toBe(200);
    expect(runtime.only().event.requestContext.authorizer.jwt.claims.sub).toBe('u1');
  });

  it('does not run on a route without auth, even with a bad token', async () => {
    const reply = await call('GET', '/api/health', { headers: { authorization: 'Bearer bad' } });
    expect(reply.status).toBe(200);
    expect(runtime.only().name).toBe('health');
  });
});

describe('stringifyClaims', () => {
  it('prints every claim as a string', () => {
    expect(stringifyClaims({ a: 'text', n: 0, f: false, list: [], one: ['z'], obj: { k: 1 } })).toEqual({
      a: 'text',
      n: '0',
      f: 'false',
      list: '[]',
      one: '[z]',
      obj: '{"k":1}',
    });
  });
});

describe('the payload format 2.0 response mapping', () => {
  it('uses a structured result: status, headers, one set-cookie per cookie, a base64 body decoded', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    runtime.answer = () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'image/png', 'X-Custom': 'yes', 'x-number': 7 },
      cookies: ['a=1; Path=/', 'b=2; HttpOnly; Secure'],
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });
    const reply = await call('GET', '/api/health');
    expect(reply.status).toBe(201);
    expect(reply.headers['content-type']).toBe('image/png');
    expect(reply.headers['x-custom']).toBe('yes');
    expect(reply.headers['x-number']).toBe('7');
    expect(reply.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; HttpOnly; Secure']);
    expect(reply.headers['content-length']).toBe(String(bytes.length));
    expect(reply.body.equals(bytes)).toBe(true);
  });

  it('sends a structured text body as is, with the status it gives', async () => {
    runtime.answer = () => ({ statusCode: 404, headers: { 'content-type': 'text/plain' }, body: 'nope – ü' });
    const reply = await call('GET', '/api/health');
    expect(reply.status).toBe(404);
    expect(reply.body.toString('utf8')).toBe('nope – ü');
    expect(reply.headers['set-cookie']).toBeUndefined();
  });

  it('a structured result without a body is an empty answer', async () => {
    runtime.answer = () => ({ statusCode: 204 });
    const reply = await call('GET', '/api/health');
    expect(reply.status).toBe(204);
    expect(reply.body.length).toBe(0);
  });

  it('a result without statusCode is the body of a 200 application/json answer', async () => {
    runtime.answer = () => ({ hello: 'world', n: 1, nested: { ok: true } });
    const reply = await call('GET', '/api/health');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(json<unknown>(reply)).toEqual({ hello: 'world', n: 1, nested: { ok: true } });
  });

  it('a function that throws is a 500 in the contract shape, with the event’s request id', async () => {
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      runtime.answer = () => {
        throw new Error('secret detail');
      };
      const reply = await call('GET', '/api/health');
      const body = expectContractError(reply, 500, 'INTERNAL_ERROR');
      expect(body.error.message).toBe('Internal Server Error');
      expect(reply.body.toString('utf8')).not.toContain('secret detail');
      expect(body.error.requestId).toBe(runtime.only().event.requestContext.requestId);
    } finally {
      consoleError.mockRestore();
    }
  });
});

describe('gateway answers', () => {
  const LIMIT = 10 * 1024 * 1024;

  it('refuses a body over 10 MB with 413 in the contract shape; the function never runs', async () => {
    // Several times, some well over the limit: the client must get the 413 every time, never a reset socket.
    for (const size of [LIMIT + 1, ...Array<number>(4).fill(LIMIT + 1024 * 1024)]) {
      const reply = await call('PATCH', '/api/me', {
        headers: { authorization: 'Bearer good', 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(size, 7),
      });
      expectContractError(reply, 413, 'PAYLOAD_TOO_LARGE');
    }
    expect(runtime.calls).toHaveLength(0);
  });

  it('accepts a body of exactly 10 MB', async () => {
    const reply = await call('PATCH', '/api/me', {
      headers: { authorization: 'Bearer good', 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(LIMIT, 7),
    });
    expect(reply.status).toBe(200);
    expect(Buffer.from(runtime.only().event.body ?? '', 'base64').length).toBe(LIMIT);
  });

  it('serves /config.json itself, without invoking a function', async () => {
    const reply = await call('GET', '/config.json');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(json<unknown>(reply)).toEqual({ apiUrl: 'http://example.test/api', region: 'us-east-1' });
    expect(runtime.calls).toHaveLength(0);
  });
});
