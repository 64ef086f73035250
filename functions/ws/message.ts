import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { clientFrameSchema, type ServerFrame } from '#shared/schemas/websocket';
import { logger } from '#functions/lib/observability';
import { postToConnection, type WebSocketEvent, type WebSocketResult } from '#functions/lib/websocket';

function parseFrame(body: string | undefined) {
  try {
    return clientFrameSchema.safeParse(JSON.parse(body ?? ''));
  } catch {
    return undefined;
  }
}

/** `$default`: every client frame. Replies go back through the @connections API, like any server push. */
export const handler = middy<WebSocketEvent, WebSocketResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const { connectionId } = event.requestContext;
    const frame = parseFrame(event.body);
    let reply: ServerFrame;
    if (!frame) {
      reply = { type: 'error', code: 'VALIDATION_ERROR', message: 'Frames must be JSON objects' };
    } else if (!frame.success) {
      reply = { type: 'error', code: 'VALIDATION_ERROR', message: 'Unknown action or malformed frame' };
    } else {
      reply = { type: 'pong' };
    }
    await postToConnection(connectionId, reply);
    return { statusCode: 200 };
  });
