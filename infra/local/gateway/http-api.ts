import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorBody, type ErrorCode } from '#shared/errors';
import type { FunctionName } from '../../functions.ts';
import type { LocalFunctionRuntime } from '../function-runtime.ts';
import { createRouter } from './routing.ts';

/** API Gateway HTTP APIs refuse bodies over 10 MB before any function runs. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export type TokenVerifier = (token: string) => Promise<{ claims: Record<string, unknown> }>;

export interface HttpApiOptions {
  host: string;
  port: number;
  runtime: LocalFunctionRuntime;
  verifyToken: TokenVerifier;
  /** Extra GET paths the same origin serves (e.g. `/config.json`). */
  staticJson?: Record<string, () => unknown>;
  /** One line per request (method, path, status, ms). */
  accessLog?: (line: string) => void;
}

/** API Gateway's request id style: opaque, unique, URL-safe. */
export const newRequestId = () => randomBytes(12).toString('base64url');

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's request time format (`$context.requestTime`), in UTC: `12/Mar/2020:19:03:58 +0000`. */
export function requestTimeOf(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${time} +0000`;
}

/**
 * JWT claims as an HTTP API authorizer hands them to the function in payload 2.0: every value a string
 * (numbers and booleans printed, arrays as "[a b]").
 */
export function stringifyClaims(claims: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([key, value]) => [
      key,
      Array.isArray(value)
        ? `[${value.join(' ')}]`
        : typeof value === 'string'
          ? value
          : JSON.stringify(value),
    ]),
  );
}

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|[^;]*\+json|[^;]*\+xml)/i;

/**
 * Payload 2.0 headers: names lower-cased, a repeated header's values joined with `,` (no space). From
 * `headersDistinct`: `req.headers` joins repeats with `, ` and keeps only the first of some (user-agent, ...).
 * Cookies travel in the event's `cookies` instead.
 */
function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values === undefined || name === 'cookie') continue;
    headers[name] = values.join(',');
  }
  return headers;
}

function queryOf(search: URLSearchParams): Record<string, string> | undefined {
  const query: Record<string, string> = {};
  for (const key of new Set(search.keys())) query[key] = search.getAll(key).join(',');
  return Object.keys(query).length ? query : undefined;
}

function rawQueryOf(target: string): string {
  const start = target.indexOf('?');
  return start === -1 ? '' : target.slice(start + 1);
}

function cookiesOf(header: string | undefined): string[] | undefined {
  const cookies = header?.split(/;\s*/).filter(Boolean);
  return cookies?.length ? cookies : undefined;
}

/**
 * Reads the whole request, keeping at most `limit` bytes. An oversize body is still read to its end (and
 * dropped): leaving the loop early destroys the request's socket, so the client often saw ECONNRESET instead of
 * the 413.
 */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? 'too-large' : Buffer.concat(chunks);
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function sendError(res: ServerResponse, code: ErrorCode, status: number, message: string, requestId: string) {
  send(res, status, JSON.stringify(errorBody(code, message, requestId)), {
    'content-type': 'application/json; charset=utf-8',
    'x-request-id': requestId,
  });
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return (match?.[1] ?? header).trim() || undefined;
}

/**
 * The local stand-in for API Gateway's HTTP API: routes from shared/routes.ts, the JWT authorizer (done with
 * aws-jwt-verify against the Cognito emulator's JWKS), payload format 2.0 events, and the function response
 * mapping of payload 2.0.
 */
export function startHttpApi(options: HttpApiOptions): Promise<http.Server> {
  const route = createRouter();
  const server = http.createServer(async (req, res) => {
    const started = performance.now();
    const requestId = newRequestId();
    const method = (req.method ?? 'GET').toUpperCase();
    const parsedUrl = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    res.on('finish', () =>
      options.accessLog?.(
        `${method} ${parsedUrl.pathname} ${res.statusCode} ${(performance.now() - started).toFixed(0)}ms`,
      ),
    );
    try {
      const staticBody = method === 'GET' ? options.staticJson?.[parsedUrl.pathname] : undefined;
      if (staticBody) {
        send(res, 200, JSON.stringify(staticBody()), {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
        });
        return;
      }
      const body = await readBody(req, GATEWAY_MAX_BODY_BYTES);
      if (body === 'too-large') {
        sendError(res, 'PAYLOAD_TOO_LARGE', 413, 'The request body is over 10 MB', requestId);
        return;
      }
      const matched = route(method, parsedUrl.pathname);
      const headers = headersOf(req);
      let authorizer: APIGatewayProxyEventV2WithJWTAuthorizer['requestContext']['authorizer'] | undefined;
      if (matched.auth === 'jwt') {
        const token = bearerToken(headers.authorization);
        if (!token) {
          sendError(res, 'UNAUTHORIZED', 401, 'A bearer token is required', requestId);
          return;
        }
        try {
          const { claims } = await options.verifyToken(token);
          authorizer = {
            principalId: '',
            integrationLatency: 0,
            jwt: { claims: stringifyClaims(claims), scopes: [] },
          };
        } catch {
          sendError(res, 'UNAUTHORIZED', 401, 'The token is invalid, expired or not for this app', requestId);
          return;
        }
      }
      const contentType = headers['content-type'] ?? '';
      const isText = body.length === 0 || TEXT_TYPES.test(contentType) || contentType === '';
      const now = new Date();
      const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
        version: '2.0',
        routeKey: matched.routeKey,
        rawPath: parsedUrl.pathname,
        // As the client sent it: the URL parser would re-encode some characters (`'`, `"`, ...).
        rawQueryString: rawQueryOf(req.url ?? '/'),
        cookies: cookiesOf(req.headers.cookie),
        headers,
        queryStringParameters: queryOf(parsedUrl.searchParams),
        pathParameters: matched.pathParameters,
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          authorizer: authorizer as APIGatewayProxyEventV2WithJWTAuthorizer['requestContext']['authorizer'],
          domainName: headers.host ?? `${options.host}:${options.port}`,
          domainPrefix: 'local',
          http: {
            method,
            path: parsedUrl.pathname,
            protocol: `HTTP/${req.httpVersion}`,
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: headers['user-agent'] ?? '',
          },
          requestId,
          routeKey: matched.routeKey,
          stage: '$default',
          time: requestTimeOf(now),
          timeEpoch: now.getTime(),
        },
        body: body.length ? (isText ? body.toString('utf8') : body.toString('base64')) : undefined,
        isBase64Encoded: body.length > 0 && !isText,
      };
      const result = await options.runtime.invoke<APIGatewayProxyStructuredResultV2 | string | object>(
        matched.fn as FunctionName,
        event,
      );
      writeResult(res, result);
    } catch (error) {
      console.error(`[gateway] ${method} ${parsedUrl.pathname} failed:`, error);
      if (!res.headersSent) sendError(res, 'INTERNAL_ERROR', 500, 'Internal Server Error', requestId);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}

/** Payload 2.0 response mapping: a structured result is used as is; anything else is a 200 JSON body. */
function writeResult(
  res: ServerResponse,
  result: APIGatewayProxyStructuredResultV2 | string | object | undefined,
) {
  if (result && typeof result === 'object' && 'statusCode' in result) {
    const structured = result as APIGatewayProxyStructuredResultV2;
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(structured.headers ?? {})) headers[k.toLowerCase()] = String(v);
    if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
    const body = structured.body
      ? Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8')
      : Buffer.alloc(0);
    res.writeHead(structured.statusCode ?? 200, { ...headers, 'content-length': String(body.length) });
    res.end(body);
    return;
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  send(res, 200, body, { 'content-type': 'application/json' });
}
