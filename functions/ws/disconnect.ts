import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { logger } from '#functions/lib/observability';
import type { WebSocketEvent, WebSocketResult } from '#functions/lib/websocket';
import { ConnectionRepository } from '#functions/store/connection-repository';

const connections = new ConnectionRepository(ddb, config.tableName);

/** `$disconnect`: best effort (API Gateway does not retry it); the item's TTL cleans up what this misses. */
export const handler = middy<WebSocketEvent, WebSocketResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    await connections.remove(event.requestContext.connectionId);
    return { statusCode: 200 };
  });
