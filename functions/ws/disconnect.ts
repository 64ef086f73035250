import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { logger } from '#functions/lib/observability';
import type { WebSocketEvent, WebSocketResult } from '#functions/lib/websocket';
import { ConnectionRepository } from '#functions/store/connection-repository';

const connections = new ConnectionRepository(ddb, config.tableName);

/**
 * `$disconnect`: forgets the connection and its subscriptions (each removal reaches the board as a PRESENCE
 * "offline" event through the stream). Best effort (API Gateway does not retry it); the items' TTL cleans up what
 * this misses, and a post to a connection that is gone (410) removes it too.
 */
export const handler = middy<WebSocketEvent, WebSocketResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    await connections.removeConnection(event.requestContext.connectionId);
    return { statusCode: 200 };
  });
