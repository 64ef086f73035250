import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalFunctionRuntime } from '../function-runtime.ts';
import { startLambdaApi } from './lambda-api.ts';

// Lambda's Invoke API (RequestResponse): `POST /2015-03-31/functions/{FunctionName}/invocations`. A function
// error is still HTTP 200, flagged by `X-Amz-Function-Error` with `{ errorType, errorMessage }` as the payload;
// a function that does not exist is 404 `ResourceNotFoundException`.

const PREFIX = 'teamflow-local-';
const KNOWN = new Set(['post-confirmation', 'health', 'throws', 'quiet', 'text']);

/** Stands in for LocalFunctionRuntime: the physical-name mapping and canned answers per function. */
class FakeRuntime {
  readonly calls: Array<{ name: string; event: unknown }> = [];

  fromPhysicalName(physical: string): string | undefined {
    const name = physical.startsWith(PREFIX) ? physical.slice(PREFIX.length) : physical;
    return KNOWN.has(name) ? name : undefined;
  }

  async invoke(name: string, event: unknown): Promise<unknown> {
    this.calls.push({ name, event });
    if (name === 'throws') throw new TypeError('Cannot read properties of undefined');
    if (name === 'quiet') return undefined;
    if (name === 'text') return 'plain text';
    return event;
  }
}

const runtime = new FakeRuntime();
let server: http.Server;
let base: string;

const invoke = (functionName: string, body?: string, method = 'POST') =>
  fetch(`${base}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`, { method, body });

beforeAll(async () => {
  server = await startLambdaApi({
    host: '127.0.0.1',
    port: 0,
    runtime: runtime as unknown as LocalFunctionRuntime,
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  runtime.calls.length = 0;
});

describe('Invoke', () => {
  const cognitoEvent = {
    version: '1',
    triggerSource: 'PostConfirmation_ConfirmSignUp',
    userName: 'u1',
    request: { userAttributes: { sub: 'u1', email: 'a@b.c', email_verified: 'true' } },
    response: {},
  };

  it('runs a known function with the JSON payload as its event and answers 200 with its result', async () => {
    const res = await invoke(`${PREFIX}post-confirmation`, JSON.stringify(cognitoEvent));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-amz-function-error')).toBeNull();
    expect(res.headers.get('x-amz-executed-version')).toBe('$LATEST');
    expect(await res.json()).toEqual(cognitoEvent);
    expect(runtime.calls).toEqual([{ name: 'post-confirmation', event: cognitoEvent }]);
  });

  it('finds a function by its registry name too', async () => {
    const res = await invoke('health', '{"ping":true}');
    expect(res.status).toBe(200);
    expect(runtime.calls).toEqual([{ name: 'health', event: { ping: true } }]);
  });

  it('an empty payload is the event {}', async () => {
    const res = await invoke(`${PREFIX}health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(runtime.calls).toEqual([{ name: 'health', event: {} }]);
  });

  it('a function that returns nothing answers the JSON null', async () => {
    const res = await invoke(`${PREFIX}quiet`, '{}');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('null');
  });

  it('a string result is JSON-encoded', async () => {
    const res = await invoke(`${PREFIX}text`, '{}');
    expect(await res.text()).toBe('"plain text"');
  });

  it('a function that throws: 200, X-Amz-Function-Error: Unhandled, { errorType, errorMessage }', async () => {
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const res = await invoke(`${PREFIX}throws`, '{}');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({
        errorType: 'TypeError',
        errorMessage: 'Cannot read properties of undefined',
      });
      expect(runtime.calls.map((c) => c.name)).toEqual(['throws']);
    } finally {
      consoleError.mockRestore();
    }
  });

  it('an unknown function is 404 ResourceNotFoundException, and nothing runs', async () => {
    const res = await invoke(`${PREFIX}no-such-function`, '{}');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(res.headers.get('x-amz-function-error')).toBeNull();
    expect(await res.json()).toMatchObject({ Type: 'User' });
    expect(runtime.calls).toEqual([]);
  });

  it('a path that is not an invocation is 404 ResourceNotFoundException', async () => {
    const res = await fetch(`${base}/2015-03-31/functions/${PREFIX}health`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(runtime.calls).toEqual([]);
  });

  it('a payload that is not JSON is 400 InvalidRequestContentException, not a function error', async () => {
    const res = await invoke(`${PREFIX}health`, '{not json');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    expect(res.headers.get('x-amz-function-error')).toBeNull();
    expect(runtime.calls).toEqual([]);
  });
});
