import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod';
import { ERROR_STATUS, errorBody } from '#shared/errors';
import { DynamoIdempotencyStore } from '#functions/store/idempotency-store';
import {
  AppError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnauthorizedError,
  ValidationError,
} from './errors.ts';
import { config } from './config.ts';
import { logger, metrics, publishMetrics } from './observability.ts';
import { limitRequests } from './rate-limit.ts';
import { countingDynamoCalls, ddb } from './dynamodb.ts';
import { fingerprintOf, idempotencyKeyOf, runIdempotently, type StoredAnswer } from './idempotency.ts';
import { parseInput } from './validation.ts';

/** Bodies over this size are refused with 413 before any work is done. */
export const MAX_BODY_BYTES = 256 * 1024;

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface Caller {
  userId: string;
  email: string;
  name?: string;
}

export interface ApiRequest {
  routeKey: string;
  requestId: string;
  path: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  /** The verified caller (from the JWT authorizer's claims); null on routes without auth. */
  caller: Caller | null;
  /**
   * The client's address: the last `X-Forwarded-For` entry (appended by our own proxy, CloudFront in the cloud
   * and Vite locally), else the connection's source address.
   */
  clientIp: string;
  /** The parsed JSON body (undefined when empty); malformed JSON is a 400 naming `body`. */
  body(): unknown;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Operation = (request: ApiRequest) => Promise<ApiResponse>;

export const ok = (body: unknown): ApiResponse => ({ status: 200, body });
export const created = (body: unknown): ApiResponse => ({ status: 201, body });
export const noContent = (): ApiResponse => ({ status: 204 });

export function requireCaller(request: ApiRequest): Caller {
  if (!request.caller) throw new UnauthorizedError();
  return request.caller;
}

/** The signed-in caller as the domain services take it (`userId`, `email`); 401 on a route without one. */
export function caller(request: ApiRequest): { userId: string; email: string } {
  const { userId, email } = requireCaller(request);
  return { userId, email };
}

/** The path parameters parsed with `schema`; a 400 names each bad field (or `path`). */
export function pathOf<S extends z.ZodType>(schema: S, request: ApiRequest): z.output<S> {
  return parseInput(schema, request.path, 'path');
}

/** The JSON body parsed with `schema`; a 400 names each bad field (or `body`). */
export function bodyOf<S extends z.ZodType>(schema: S, request: ApiRequest): z.output<S> {
  return parseInput(schema, request.body(), 'body');
}

/** The query string parsed with `schema`; a 400 names each bad field (or `query`). */
export function queryOf<S extends z.ZodType>(schema: S, request: ApiRequest): z.output<S> {
  return parseInput(schema, request.query, 'query');
}

function decodeBody(event: HttpEvent): string | undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

function callerOf(event: HttpEvent): Caller | null {
  const claims = event.requestContext.authorizer?.jwt?.claims;
  if (!claims || typeof claims.sub !== 'string') return null;
  return {
    userId: claims.sub,
    email: String(claims.email ?? ''),
    name: typeof claims.name === 'string' ? claims.name : undefined,
  };
}

function clientIpOf(event: HttpEvent): string {
  const forwarded = event.headers?.['x-forwarded-for']?.split(',').at(-1)?.trim();
  return forwarded || event.requestContext.http.sourceIp;
}

function toRequest(event: HttpEvent, requestId: string, rawBody: string | undefined): ApiRequest {
  let parsed: { value: unknown } | undefined;
  return {
    routeKey: event.routeKey,
    requestId,
    path: event.pathParameters ?? {},
    query: event.queryStringParameters ?? {},
    headers: event.headers ?? {},
    caller: callerOf(event),
    clientIp: clientIpOf(event),
    body() {
      if (!parsed) {
        if (rawBody === undefined) {
          parsed = { value: undefined };
        } else {
          try {
            parsed = { value: JSON.parse(rawBody) };
          } catch {
            throw new ValidationError(
              [{ field: 'body', message: 'is not valid JSON' }],
              'Malformed JSON body',
            );
          }
        }
      }
      return parsed.value;
    },
  };
}

function json(
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode: status,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      'x-request-id': requestId,
      'cache-control': 'no-store',
      ...headers,
    },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

/** DynamoDB's answers to contention and throttling that outlasted the SDK's and our retries. */
const CONTENTION = new Set([
  'TransactionConflictException',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/** The one place where an error becomes a contract response. Unknown errors are logged, never leaked. */
export function errorResponse(error: unknown, requestId: string): HttpResult {
  if (error instanceof AppError) {
    const body = errorBody(error.code, error.message, requestId, error.details, error.extra);
    return json(ERROR_STATUS[error.code], body, requestId, error.headers);
  }
  if (error instanceof Error && CONTENTION.has(error.name)) {
    // The store was busy past our own retries (nothing was written): the client may simply try again.
    logger.warn('Store contention', { error: error.name });
    metrics.addMetric('StoreContention', MetricUnit.Count, 1);
    const busy = new ServiceUnavailableError('Busy right now; nothing was changed. Try again in a moment.');
    const body = errorBody(busy.code, busy.message, requestId);
    return json(ERROR_STATUS[busy.code], body, requestId, { 'retry-after': '1' });
  }
  logger.error('Unhandled error', error as Error);
  metrics.addMetric('UnhandledError', MetricUnit.Count, 1);
  return json(500, errorBody('INTERNAL_ERROR', 'Something went wrong on our side', requestId), requestId);
}

let idempotencyStore: DynamoIdempotencyStore | undefined;

/** An answer as kept for an idempotent repeat: everything but this request's own id. */
function storedAnswerOf(result: HttpResult): StoredAnswer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (name !== 'x-request-id') headers[name] = String(value);
  }
  return { statusCode: result.statusCode ?? 200, headers, body: result.body ?? '' };
}

/**
 * What every operation shares: body limit, per-user rate limit, Idempotency-Key, dispatch, and the error
 * mapping.
 */
function serveWith(operations: Record<string, Operation>) {
  const run = async (operation: Operation, request: ApiRequest): Promise<HttpResult> => {
    try {
      const response = await operation(request);
      return json(response.status, response.body, request.requestId, response.headers);
    } catch (error) {
      return errorResponse(error, request.requestId);
    }
  };
  return async (event: HttpEvent, requestId: string): Promise<HttpResult> => {
    try {
      const rawBody = decodeBody(event);
      if (rawBody !== undefined && Buffer.byteLength(rawBody) > MAX_BODY_BYTES) {
        throw new PayloadTooLargeError(`The body is over ${MAX_BODY_BYTES / 1024} KB`);
      }
      const operation = operations[event.routeKey];
      if (!operation) {
        throw new NotFoundError(`No route for ${event.requestContext.http.method} ${event.rawPath}`);
      }
      const request = toRequest(event, requestId, rawBody);
      // Every signed-in request counts against its user's budget (100 a minute), across all instances.
      if (request.caller) await limitRequests(`user:${request.caller.userId}`, config.userRequestsPerMinute);
      const key = request.caller
        ? idempotencyKeyOf(event.requestContext.http.method, request.headers)
        : undefined;
      if (!key || !request.caller) return await run(operation, request);
      idempotencyStore ??= new DynamoIdempotencyStore(ddb, config.tableName);
      const answer = await runIdempotently(
        idempotencyStore,
        {
          userId: request.caller.userId,
          key,
          fingerprint: fingerprintOf({ ...request, rawBody }),
          nowSeconds: Math.floor(Date.now() / 1000),
        },
        async () => storedAnswerOf(await run(operation, request)),
      );
      return { ...answer, headers: { ...answer.headers, 'x-request-id': requestId } };
    } catch (error) {
      return errorResponse(error, requestId);
    }
  };
}

/**
 * Builds the Lambda handler for one function's HTTP routes: `operations` maps API Gateway route keys
 * (`"GET /api/me"`) to operations. Every function gets the same pipeline: Powertools logging with the request
 * id, metrics, the body limit, and the contract's error mapping.
 */
export function httpFunction(operations: Record<string, Operation>) {
  const serve = serveWith(operations);
  const handler = middy<HttpEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .handler(async (event) => {
      const requestId = event.requestContext.requestId;
      logger.appendKeys({ requestId, routeKey: event.routeKey });
      const { result, calls } = await countingDynamoCalls(() => serve(event, requestId));
      logger.info('request', { status: result.statusCode, dynamodbCalls: calls });
      if (process.env.TEAMFLOW_EXPOSE_DB_CALLS === '1') {
        result.headers = { ...result.headers, 'x-dynamodb-calls': JSON.stringify(calls) };
      }
      return result;
    });
  // The route keys this function serves: a test checks them against the route table.
  return Object.assign(handler, { routeKeys: Object.keys(operations) });
}
