import http, { type IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { websocketRoutes } from '#shared/routes';
import type { FunctionName } from '../../functions.ts';
import type { LocalFunctionRuntime } from '../function-runtime.ts';
import { newRequestId, requestTimeOf } from './http-api.ts';

/** API Gateway WebSocket limits: 128 KB a message, 10 min idle, 2 h a connection. */
const MAX_MESSAGE_BYTES = 128 * 1024;
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;
const MAX_CONNECTION_MS = 2 * 60 * 60 * 1000;

export interface WebSocketApiOptions {
  host: string;
  port: number;
  /** The stage path clients connect to and the @connections API lives under (e.g. `local`). */
  stage: string;
  runtime: LocalFunctionRuntime;
  log?: (line: string) => void;
}

interface LiveConnection {
  id: string;
  socket: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  timers: NodeJS.Timeout[];
}

/** Connection ids look like API Gateway's: 12 random bytes, base64 with `=`. */
const newConnectionId = () => randomBytes(10).toString('base64').replace(/[+/]/g, 'A');

function routeFor(body: string): { routeKey: string; fn: FunctionName } {
  const fallback = websocketRoutes.find((r) => r.routeKey === '$default')!;
  let action: unknown;
  try {
    action = (JSON.parse(body) as { action?: unknown }).action;
  } catch {
    action = undefined;
  }
  const route = websocketRoutes.find((r) => !r.routeKey.startsWith('$') && r.routeKey === action);
  return { routeKey: (route ?? fallback).routeKey, fn: (route ?? fallback).fn as FunctionName };
}

function routeFn(routeKey: '$connect' | '$disconnect'): FunctionName {
  return websocketRoutes.find((r) => r.routeKey === routeKey)!.fn as FunctionName;
}

/**
 * The local stand-in for an API Gateway WebSocket API: `$connect` (the function's non-2xx answer refuses the
 * handshake), `$disconnect`, route selection on `$request.body.action` with `$default`, and the `@connections`
 * management API (PostToConnection, GetConnection, DeleteConnection; 410 GoneException for unknown ids) that
 * @aws-sdk/client-apigatewaymanagementapi talks to.
 */
export function startWebSocketApi(options: WebSocketApiOptions) {
  const connections = new Map<string, LiveConnection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const domainName = `${options.host}:${options.port}`;
  const log = options.log ?? (() => undefined);

  const baseContext = (
    connectionId: string,
    connectedAt: number,
    routeKey: string,
    eventType: string,
    identity: { sourceIp: string; userAgent: string },
  ) => {
    const now = new Date();
    return {
      routeKey,
      eventType,
      messageDirection: 'IN',
      extendedRequestId: newRequestId(),
      requestId: newRequestId(),
      requestTime: requestTimeOf(now),
      requestTimeEpoch: now.getTime(),
      stage: options.stage,
      connectedAt,
      identity,
      domainName,
      connectionId,
      apiId: 'local-ws',
    };
  };

  const invoke = async (fn: FunctionName, event: unknown) => {
    try {
      return await options.runtime.invoke<{ statusCode?: number } | undefined>(fn, event);
    } catch (error) {
      log(`[websocket] ${fn} failed: ${(error as Error).message}`);
      return { statusCode: 500 };
    }
  };

  const closeConnection = (connection: LiveConnection, code = 1000, reason = '') => {
    connection.socket.close(code, reason);
  };

  const handleUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', `http://${domainName}`);
    if (url.pathname.replace(/\/$/, '') !== `/${options.stage}`) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    const connectionId = newConnectionId();
    const connectedAt = Date.now();
    // As in payload 1.0: a repeated header or query key has its last value in `headers` and
    // `queryStringParameters`, and every value in the multiValue version.
    const multiValueHeaders = Object.fromEntries(
      Object.entries(req.headersDistinct).filter((entry): entry is [string, string[]] => !!entry[1]),
    );
    const headers = Object.fromEntries(
      Object.entries(multiValueHeaders).map(([k, values]) => [k, values.at(-1) ?? '']),
    );
    const multiValueQuery = Object.fromEntries(
      [...new Set(url.searchParams.keys())].map((key) => [key, url.searchParams.getAll(key)]),
    );
    const query = Object.fromEntries(url.searchParams);
    const hasQuery = Object.keys(query).length > 0;
    const identity = {
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      userAgent: headers['user-agent'] ?? '',
    };
    const result = await invoke(routeFn('$connect'), {
      headers,
      multiValueHeaders,
      queryStringParameters: hasQuery ? query : undefined,
      multiValueQueryStringParameters: hasQuery ? multiValueQuery : undefined,
      requestContext: baseContext(connectionId, connectedAt, '$connect', 'CONNECT', identity),
      isBase64Encoded: false,
    });
    const status = result?.statusCode ?? 200;
    if (status < 200 || status > 299) {
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Refused'}\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection: LiveConnection = {
        id: connectionId,
        socket: ws,
        connectedAt,
        lastActiveAt: Date.now(),
        sourceIp: identity.sourceIp,
        userAgent: identity.userAgent,
        timers: [],
      };
      let idle = setTimeout(() => closeConnection(connection, 1001, 'Going away'), IDLE_TIMEOUT_MS);
      connection.timers.push(
        setTimeout(() => closeConnection(connection, 1001, 'Going away'), MAX_CONNECTION_MS),
      );
      connections.set(connectionId, connection);
      ws.on('message', async (data, isBinary) => {
        connection.lastActiveAt = Date.now();
        clearTimeout(idle);
        idle = setTimeout(() => closeConnection(connection, 1001, 'Going away'), IDLE_TIMEOUT_MS);
        const body = isBinary ? Buffer.from(data as Buffer).toString('base64') : data.toString();
        const { routeKey, fn } = routeFor(isBinary ? '' : body);
        await invoke(fn, {
          requestContext: {
            ...baseContext(connectionId, connectedAt, routeKey, 'MESSAGE', identity),
            messageId: newRequestId(),
          },
          body,
          isBase64Encoded: isBinary,
        });
      });
      ws.on('close', async (code, reason) => {
        clearTimeout(idle);
        connection.timers.forEach(clearTimeout);
        connections.delete(connectionId);
        await invoke(routeFn('$disconnect'), {
          requestContext: {
            ...baseContext(connectionId, connectedAt, '$disconnect', 'DISCONNECT', identity),
            disconnectStatusCode: code,
            disconnectReason: reason.toString(),
          },
          isBase64Encoded: false,
        });
      });
    });
  };

  /** The @connections management API: `/{stage}/@connections/{connectionId}`. */
  const server = http.createServer(async (req, res) => {
    const match = new RegExp(`^/${options.stage}/@connections/([^/?]+)`).exec(req.url ?? '');
    const reply = (status: number, body?: object, errorType?: string) => {
      const text = body ? JSON.stringify(body) : '';
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(text)),
        'x-amzn-requestid': newRequestId(),
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(text);
    };
    if (!match) return reply(404, { message: 'Not Found' }, 'NotFoundException');
    const connection = connections.get(decodeURIComponent(match[1]!));
    if (!connection || connection.socket.readyState !== connection.socket.OPEN) {
      return reply(410, { message: 'Gone' }, 'GoneException');
    }
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const data = Buffer.concat(chunks);
      if (data.length > MAX_MESSAGE_BYTES) {
        return reply(413, { message: 'Payload too large' }, 'PayloadTooLargeException');
      }
      connection.socket.send(data.toString('utf8'));
      return reply(200);
    }
    if (req.method === 'GET') {
      // The service's wire names are camelCase (the SDK maps them to ConnectedAt, Identity, ...).
      return reply(200, {
        connectedAt: new Date(connection.connectedAt).toISOString(),
        lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
        identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
      });
    }
    if (req.method === 'DELETE') {
      closeConnection(connection, 1000, 'Connection closed by the server');
      return reply(204);
    }
    return reply(405, { message: 'Method not allowed' }, 'BadRequestException');
  });
  server.on('upgrade', (req, socket, head) => {
    handleUpgrade(req, socket, head).catch((error) => {
      log(`[websocket] upgrade failed: ${(error as Error).message}`);
      socket.destroy();
    });
  });

  return new Promise<{ server: http.Server; close(): Promise<void> }>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () =>
      resolve({
        server,
        close: async () => {
          for (const connection of connections.values()) connection.socket.terminate();
          wss.close();
          await new Promise<void>((r) => server.close(() => r()));
        },
      }),
    );
  });
}
