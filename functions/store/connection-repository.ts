import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { WEBSOCKET_CONNECTION_TTL_SECONDS } from '#infra/definitions';
import { ItemType, keys } from './keys.ts';

export interface Connection {
  connectionId: string;
  userId: string;
  connectedAt: string;
}

/** WebSocket connections; each item expires with the 2 h API Gateway connection limit. */
export class ConnectionRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async save(connection: Connection): Promise<void> {
    const ttl = Math.floor(Date.parse(connection.connectedAt) / 1000) + WEBSOCKET_CONNECTION_TTL_SECONDS;
    await this.ddb.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.connection(connection.connectionId),
          ...keys.connectionByUser(connection.userId, connection.connectionId),
          type: ItemType.Connection,
          ...connection,
          ttl,
        },
      }),
    );
  }

  async remove(connectionId: string): Promise<void> {
    await this.ddb.send(new DeleteCommand({ TableName: this.tableName, Key: keys.connection(connectionId) }));
  }
}
