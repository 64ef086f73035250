import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { createIdTokenVerifier } from '#functions/lib/jwt';
import { logger } from '#functions/lib/observability';
import type { WebSocketEvent, WebSocketResult } from '#functions/lib/websocket';
import { ConnectionRepository } from '#functions/store/connection-repository';

const verify = createIdTokenVerifier({ issuer: config.jwtIssuer, audience: config.jwtAudience });
const connections = new ConnectionRepository(ddb, config.tableName);

/**
 * `$connect`: the ID token comes in the query string (browsers cannot set headers on a WebSocket). Anything but
 * a valid token answers 401, and API Gateway then refuses the connection.
 */
export const handler = middy<WebSocketEvent, WebSocketResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const { connectionId, connectedAt } = event.requestContext;
    const token = event.queryStringParameters?.token;
    if (!token) return { statusCode: 401, body: 'token query parameter required' };
    let userId: string;
    let email: string;
    try {
      ({ userId, email } = await verify(token));
    } catch (error) {
      logger.info('WebSocket connection refused', { reason: (error as Error).message });
      return { statusCode: 401, body: 'invalid token' };
    }
    await connections.save({
      connectionId,
      userId,
      email,
      connectedAt: new Date(connectedAt).toISOString(),
    });
    logger.info('Connected', { connectionId, userId });
    return { statusCode: 200 };
  });
