import type { IncomingMessage } from 'node:http';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import WebSocket from 'ws';
import type { LocalFunctionRuntime } from '../function-runtime.ts';
import { freePort } from '../ports.ts';
import { requestTimeOf } from './http-api.ts';
import { startWebSocketApi } from './websocket-api.ts';

/** The fields of API Gateway's WebSocket events (Lambda proxy integration) that these tests read. */
interface WsEvent {
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  requestContext: {
    routeKey: string;
    eventType: string;
    messageDirection: string;
    connectionId: string;
    connectedAt: number;
    domainName: string;
    stage: string;
    apiId: string;
    requestId: string;
    extendedRequestId: string;
    requestTime: string;
    requestTimeEpoch: number;
    identity: { sourceIp: string; userAgent: string };
    messageId?: string;
    disconnectStatusCode?: number;
    disconnectReason?: string;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** Stands in for LocalFunctionRuntime: records every invocation; `$connect` answers with `connectAnswer`. */
class FakeRuntime {
  readonly calls: Array<{ name: string; event: WsEvent }> = [];
  connectAnswer: () => unknown = () => ({ statusCode: 200 });

  async invoke(name: string, event: unknown): Promise<unknown> {
    this.calls.push({ name, event: event as WsEvent });
    return name === 'ws-connect' ? this.connectAnswer() : { statusCode: 200 };
  }

  eventsOf(name: string): WsEvent[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.event);
  }
}

const STAGE = 'local';
const USER_AGENT = 'teamflow-ws-test/1.0';
const runtime = new FakeRuntime();
let port: number;
let api: Awaited<ReturnType<typeof startWebSocketApi>>;
let management: ApiGatewayManagementApiClient;
const clients: WebSocket[] = [];

const CLF_TIME = /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/;

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Connects; resolves with the open socket, or rejects with the handshake's HTTP status. */
function connect(query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/${STAGE}${query}`, {
      headers: { 'User-Agent': USER_AGENT },
    });
    clients.push(ws);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      res.resume();
      reject(new HandshakeRefused(res.statusCode ?? 0));
    });
    ws.once('error', reject);
  });
}

class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with ${status}`);
  }
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) =>
    ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })),
  );
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) resolve(-1);
    else ws.once('close', (code) => resolve(code));
  });
}

/** Connects and returns the socket with the `$connect` event that let it in. */
async function connected(query = ''): Promise<{ ws: WebSocket; connectEvent: WsEvent }> {
  const before = runtime.eventsOf('ws-connect').length;
  const ws = await connect(query);
  const connectEvent = runtime.eventsOf('ws-connect')[before]!;
  return { ws, connectEvent };
}

async function goneError(send: () => Promise<unknown>) {
  const error = await send().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GoneException);
  expect((error as GoneException).name).toBe('GoneException');
  expect((error as GoneException).$metadata.httpStatusCode).toBe(410);
}

beforeAll(async () => {
  port = await freePort();
  api = await startWebSocketApi({
    host: '127.0.0.1',
    port,
    stage: STAGE,
    runtime: runtime as unknown as LocalFunctionRuntime,
  });
  management = new ApiGatewayManagementApiClient({
    endpoint: `http://127.0.0.1:${port}/${STAGE}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  for (const ws of clients) ws.terminate();
  management.destroy();
  await api.close();
});

beforeEach(() => {
  runtime.calls.length = 0;
  runtime.connectAnswer = () => ({ statusCode: 200 });
});

describe('$connect', () => {
  it('invokes the $connect function with the handshake’s headers, query string and request context', async () => {
    const before = Date.now();
    const ws = await connect('?token=abc&tag=a&tag=b%20c');
    const after = Date.now();
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(runtime.calls.map((c) => c.name)).toEqual(['ws-connect']);
    const event = runtime.calls[0]!.event;

    expect(event.requestContext).toEqual({
      routeKey: '$connect',
      eventType: 'CONNECT',
      messageDirection: 'IN',
      connectionId: expect.stringMatching(/^[A-Za-z0-9=]{8,}$/),
      connectedAt: expect.any(Number),
      domainName: `127.0.0.1:${port}`,
      stage: STAGE,
      apiId: expect.any(String),
      requestId: expect.any(String),
      extendedRequestId: expect.any(String),
      requestTime: expect.stringMatching(CLF_TIME),
      requestTimeEpoch: expect.any(Number),
      identity: { sourceIp: '127.0.0.1', userAgent: USER_AGENT },
    });
    const context = event.requestContext;
    expect(context.connectedAt).toBeGreaterThanOrEqual(before);
    expect(context.connectedAt).toBeLessThanOrEqual(after);
    expect(context.requestTimeEpoch).toBeGreaterThanOrEqual(context.connectedAt);
    expect(context.requestTime).toBe(requestTimeOf(new Date(context.requestTimeEpoch)));

    expect(event.headers).toMatchObject({
      host: `127.0.0.1:${port}`,
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': expect.any(String),
      'user-agent': USER_AGENT,
    });
    expect(Object.keys(event.multiValueHeaders ?? {}).sort()).toEqual(
      Object.keys(event.headers ?? {}).sort(),
    );
    for (const [name, value] of Object.entries(event.headers ?? {})) {
      expect(event.multiValueHeaders?.[name]).toEqual([value]);
    }
    // As in payload format 1.0: the last value of a repeated key, and every value in the multiValue version.
    expect(event.queryStringParameters).toEqual({ token: 'abc', tag: 'b c' });
    expect(event.multiValueQueryStringParameters).toEqual({ token: ['abc'], tag: ['a', 'b c'] });
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBeUndefined();
  });

  it('gives every connection its own id', async () => {
    const first = await connected();
    const second = await connected();
    expect(first.connectEvent.requestContext.connectionId).not.toBe(
      second.connectEvent.requestContext.connectionId,
    );
  });

  it('leaves the query string fields out when there is none', async () => {
    const { connectEvent } = await connected();
    expect(connectEvent.queryStringParameters).toBeUndefined();
    expect(connectEvent.multiValueQueryStringParameters).toBeUndefined();
  });

  it.each([401, 403, 429, 500])(
    'a %i from the $connect function refuses the handshake with that status',
    async (status) => {
      runtime.connectAnswer = () => ({ statusCode: status, body: 'no' });
      await expect(connect('?token=bad')).rejects.toEqual(new HandshakeRefused(status));
      const connectionId = runtime.eventsOf('ws-connect')[0]!.requestContext.connectionId;
      // Never connected: no $disconnect, and the management API does not know the id.
      await new Promise((r) => setTimeout(r, 50));
      expect(runtime.eventsOf('ws-disconnect')).toEqual([]);
      await goneError(() => management.send(new GetConnectionCommand({ ConnectionId: connectionId })));
    },
  );

  it('a $connect function that throws refuses the handshake with 500', async () => {
    runtime.connectAnswer = () => {
      throw new Error('boom');
    };
    await expect(connect()).rejects.toEqual(new HandshakeRefused(500));
  });

  it('a $connect function that returns nothing accepts the connection', async () => {
    runtime.connectAnswer = () => undefined;
    const ws = await connect();
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('a path other than the stage is 404, without invoking $connect', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/other-stage`);
    clients.push(ws);
    const status = await new Promise<number>((resolve, reject) => {
      ws.once('unexpected-response', (_req, res: IncomingMessage) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('should not open')));
      ws.once('error', reject);
    });
    expect(status).toBe(404);
    expect(runtime.calls).toEqual([]);
  });
});

describe('messages', () => {
  it.each([
    ['an action no route has', '{"action":"sendMessage","text":"hi"}'],
    ['JSON without an action', '{"text":"hi"}'],
    ['an action that is not a string', '{"action":42}'],
    ['an action naming a special route', '{"action":"$connect"}'],
    ['an action naming $disconnect', '{"action":"$disconnect"}'],
    ['JSON that is not an object', '"sendMessage"'],
    ['text that is not JSON', 'hello there'],
  ])('%s is routed to $default by $request.body.action', async (_label, body) => {
    const { ws, connectEvent } = await connected();
    ws.send(body);
    const event = await until(() => runtime.eventsOf('ws-message')[0], 'the message event');
    expect(runtime.calls.map((c) => c.name)).toEqual(['ws-connect', 'ws-message']);
    expect(event.requestContext).toEqual({
      routeKey: '$default',
      eventType: 'MESSAGE',
      messageDirection: 'IN',
      messageId: expect.any(String),
      connectionId: connectEvent.requestContext.connectionId,
      connectedAt: connectEvent.requestContext.connectedAt,
      domainName: `127.0.0.1:${port}`,
      stage: STAGE,
      apiId: connectEvent.requestContext.apiId,
      requestId: expect.any(String),
      extendedRequestId: expect.any(String),
      requestTime: expect.stringMatching(CLF_TIME),
      requestTimeEpoch: expect.any(Number),
      identity: { sourceIp: '127.0.0.1', userAgent: USER_AGENT },
    });
    expect(event.body).toBe(body);
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext.requestId).not.toBe(connectEvent.requestContext.requestId);
  });

  it('each message has its own message id', async () => {
    const { ws } = await connected();
    ws.send('one');
    ws.send('two');
    const events = await until(() => {
      const found = runtime.eventsOf('ws-message');
      return found.length === 2 ? found : undefined;
    }, 'two message events');
    expect(events.map((e) => e.body).sort()).toEqual(['one', 'two']);
    expect(events[0]!.requestContext.messageId).not.toBe(events[1]!.requestContext.messageId);
  });
});

describe('$disconnect', () => {
  it('a client close invokes $disconnect with the close code and reason', async () => {
    const { ws, connectEvent } = await connected();
    ws.close(4000, 'bye now');
    const event = await until(() => runtime.eventsOf('ws-disconnect')[0], 'the disconnect event');
    expect(event.requestContext).toMatchObject({
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      messageDirection: 'IN',
      connectionId: connectEvent.requestContext.connectionId,
      connectedAt: connectEvent.requestContext.connectedAt,
      stage: STAGE,
      domainName: `127.0.0.1:${port}`,
      disconnectStatusCode: 4000,
      disconnectReason: 'bye now',
      requestTime: expect.stringMatching(CLF_TIME),
    });
    expect(event.isBase64Encoded).toBe(false);
  });

  it('a dropped connection invokes $disconnect with 1006', async () => {
    const { ws, connectEvent } = await connected();
    ws.terminate();
    const event = await until(() => runtime.eventsOf('ws-disconnect')[0], 'the disconnect event');
    expect(event.requestContext.connectionId).toBe(connectEvent.requestContext.connectionId);
    expect(event.requestContext.disconnectStatusCode).toBe(1006);
  });
});

describe('the @connections management API through @aws-sdk/client-apigatewaymanagementapi', () => {
  it('PostToConnection delivers the bytes to that connection only, as a text frame', async () => {
    const target = await connected();
    const other = await connected();
    const otherMessages: Buffer[] = [];
    other.ws.on('message', (data) => otherMessages.push(data as Buffer));
    const data = Buffer.from(JSON.stringify({ type: 'hello', text: 'wörld – ✓' }), 'utf8');
    const received = nextMessage(target.ws);
    const output = await management.send(
      new PostToConnectionCommand({
        ConnectionId: target.connectEvent.requestContext.connectionId,
        Data: data,
      }),
    );
    expect(output.$metadata.httpStatusCode).toBe(200);
    const message = await received;
    expect(message.data.equals(data)).toBe(true);
    expect(message.isBinary).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(otherMessages).toEqual([]);
  });

  it('PostToConnection refuses data over 128 KB with PayloadTooLargeException', async () => {
    const { connectEvent } = await connected();
    const error = await management
      .send(
        new PostToConnectionCommand({
          ConnectionId: connectEvent.requestContext.connectionId,
          Data: Buffer.alloc(128 * 1024 + 1, 'a'),
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(PayloadTooLargeException);
    expect((error as PayloadTooLargeException).$metadata.httpStatusCode).toBe(413);
  });

  it('GetConnection gives ConnectedAt and LastActiveAt as Dates, and the identity', async () => {
    const { ws, connectEvent } = await connected();
    const connectionId = connectEvent.requestContext.connectionId;
    const first = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(first.ConnectedAt).toBeInstanceOf(Date);
    expect(first.LastActiveAt).toBeInstanceOf(Date);
    expect(first.ConnectedAt!.getTime()).toBe(connectEvent.requestContext.connectedAt);
    expect(first.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(first.ConnectedAt!.getTime());
    expect(first.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: USER_AGENT });

    // A message from the client is activity.
    await new Promise((r) => setTimeout(r, 20));
    ws.send('ping');
    await until(() => runtime.eventsOf('ws-message')[0], 'the message event');
    const second = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(second.LastActiveAt!.getTime()).toBeGreaterThan(first.LastActiveAt!.getTime());
    expect(second.ConnectedAt!.getTime()).toBe(first.ConnectedAt!.getTime());
  });

  it('DeleteConnection closes the socket, runs $disconnect, and the id is gone afterwards', async () => {
    const { ws, connectEvent } = await connected();
    const connectionId = connectEvent.requestContext.connectionId;
    const closing = closed(ws);
    const output = await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    expect(output.$metadata.httpStatusCode).toBe(204);
    await closing;
    expect(ws.readyState).toBe(WebSocket.CLOSED);
    const event = await until(() => runtime.eventsOf('ws-disconnect')[0], 'the disconnect event');
    expect(event.requestContext.connectionId).toBe(connectionId);
    await goneError(() => management.send(new GetConnectionCommand({ ConnectionId: connectionId })));
    await goneError(() =>
      management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('x') })),
    );
  });

  it('an id the client closed is gone', async () => {
    const { ws, connectEvent } = await connected();
    const connectionId = connectEvent.requestContext.connectionId;
    ws.close();
    await closed(ws);
    await until(() => runtime.eventsOf('ws-disconnect')[0], 'the disconnect event');
    await goneError(() =>
      management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('x') })),
    );
  });

  it.each([
    [
      'PostToConnection',
      () =>
        management.send(
          new PostToConnectionCommand({ ConnectionId: 'Unknown0Id0=', Data: Buffer.from('x') }),
        ),
    ],
    ['GetConnection', () => management.send(new GetConnectionCommand({ ConnectionId: 'Unknown0Id0=' }))],
    [
      'DeleteConnection',
      () => management.send(new DeleteConnectionCommand({ ConnectionId: 'Unknown0Id0=' })),
    ],
  ])('%s on an unknown id is GoneException, HTTP 410', async (_label, send) => {
    await goneError(send);
  });
});
