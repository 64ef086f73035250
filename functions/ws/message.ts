import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { clientFrameSchema, type ClientFrame, type ServerFrame } from '#shared/schemas/websocket';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { ValidationError } from '#functions/lib/errors';
import { logger } from '#functions/lib/observability';
import { parseInput } from '#functions/lib/validation';
import { postToConnection, type WebSocketEvent, type WebSocketResult } from '#functions/lib/websocket';
import { LiveService } from '#functions/domain/live';
import { ProjectService } from '#functions/domain/projects';
import { WorkspaceService } from '#functions/domain/workspaces';
import { ConnectionRepository } from '#functions/store/connection-repository';
import { DynamoProjectRepository } from '#functions/store/project-repository';
import { DynamoUserRepository } from '#functions/store/user-repository';
import { DynamoWorkspaceRepository } from '#functions/store/workspace-repository';

const workspaces = new WorkspaceService(
  new DynamoWorkspaceRepository(ddb, config.tableName),
  new DynamoUserRepository(ddb, config.tableName),
);
const live = new LiveService(
  new ConnectionRepository(ddb, config.tableName),
  new ProjectService(new DynamoProjectRepository(ddb, config.tableName), workspaces),
);

/** The frame, or the error frame that names what is wrong with it (as the HTTP API's 400 names fields). */
function parseFrame(body: string | undefined): { frame: ClientFrame } | { error: ServerFrame } {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return { error: { type: 'error', code: 'VALIDATION_ERROR', message: 'Frames must be JSON objects' } };
  }
  try {
    return { frame: parseInput(clientFrameSchema, json, 'body') };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const fields = (error.details ?? []).map((d) => `${d.field}: ${d.message}`).join('; ');
    return { error: { type: 'error', code: 'VALIDATION_ERROR', message: `Malformed frame (${fields})` } };
  }
}

/**
 * `$default`: every client frame (subscribe, unsubscribe, presence, ping; functions/domain/live.ts). Replies go
 * back through the @connections API, like any server push.
 */
export const handler = middy<WebSocketEvent, WebSocketResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const { connectionId } = event.requestContext;
    const parsed = parseFrame(event.body);
    const reply = 'frame' in parsed ? await live.handle(connectionId, parsed.frame) : parsed.error;
    if (reply) await postToConnection(connectionId, reply);
    return { statusCode: 200 };
  });
