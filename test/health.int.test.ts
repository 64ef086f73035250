import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { LOCAL_CREDENTIALS } from '../infra/local/settings.ts';
import { lambdaContext } from '../infra/local/lambda-context.ts';
import { outputs } from './support.ts';

const event = (): APIGatewayProxyEventV2WithJWTAuthorizer =>
  ({
    version: '2.0',
    routeKey: 'GET /api/health',
    rawPath: '/api/health',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      requestId: 'test-request',
      routeKey: 'GET /api/health',
      http: {
        method: 'GET',
        path: '/api/health',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'jest',
      },
    },
  }) as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;

/** The health function run against the real DynamoDB Local, pointed at a table that is not there. */
describe('GET /api/health when the table is down', () => {
  beforeAll(() => {
    const o = outputs();
    Object.assign(process.env, {
      AWS_REGION: o.region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: o.local.endpoints.dynamodb,
      TABLE_NAME: 'teamflow-table-that-does-not-exist',
    });
  });

  it('answers 503 with the failed check, in the error shape', async () => {
    const { handler } = await import('../functions/http/health.ts');
    const context: Context = lambdaContext('health', 5);
    const result = (await handler(event(), context)) as APIGatewayProxyStructuredResultV2;
    expect(result.statusCode).toBe(503);
    const body = JSON.parse(result.body!);
    expect(body).toMatchObject({
      status: 'degraded',
      checks: { table: 'error' },
      error: { code: 'SERVICE_UNAVAILABLE', requestId: 'test-request' },
    });
    expect(result.headers?.['x-request-id']).toBe('test-request');
  });
});
