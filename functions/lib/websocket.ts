import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import type { ConnectionPoster } from '#functions/domain/broadcast';
import type { ServerFrame } from '#shared/schemas/websocket';
import { config } from './config.ts';

/** API Gateway's WebSocket event; `$connect` also carries the handshake's query string and headers. */
export type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & {
  queryStringParameters?: Record<string, string | undefined>;
  headers?: Record<string, string | undefined>;
};

export interface WebSocketResult {
  statusCode: number;
  body?: string;
}

/** Posts in flight to @connections at once (the broadcast's fan-out): sockets kept alive and reused. */
export const MANAGEMENT_API_SOCKETS = 64;

let client: ApiGatewayManagementApiClient | undefined;

function managementClient(): ApiGatewayManagementApiClient {
  const agent = { keepAlive: true, maxSockets: MANAGEMENT_API_SOCKETS };
  client ??= new ApiGatewayManagementApiClient({
    endpoint: config.websocketManagementEndpoint,
    requestHandler: { httpAgent: new HttpAgent(agent), httpsAgent: new HttpsAgent(agent) },
  });
  return client;
}

/** Sends one frame to one connection. Returns false when the connection is gone (410), so callers can forget it. */
export async function postToConnection(connectionId: string, frame: ServerFrame): Promise<boolean> {
  try {
    await managementClient().send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(frame)) }),
    );
    return true;
  } catch (error) {
    if (error instanceof GoneException) return false;
    throw error;
  }
}

/** The @connections API as the broadcast's ConnectionPoster. */
export const connectionPoster: ConnectionPoster = {
  post: async (connectionId, frame) => ((await postToConnection(connectionId, frame)) ? 'sent' : 'gone'),
  close: async (connectionId) => {
    try {
      await managementClient().send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (error) {
      if (!(error instanceof GoneException)) throw error;
    }
  },
};
