import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import WebSocket from 'ws';
import { LOCAL_CREDENTIALS } from '../infra/local/settings.ts';
import { eventually, outputs, signUpUser, type TestUser } from './support.ts';

interface Client {
  socket: WebSocket;
  frames: unknown[];
  next(): Promise<unknown>;
}

function connect(token?: string): Promise<Client> {
  const o = outputs();
  const socket = new WebSocket(token ? `${o.wsUrl}?token=${encodeURIComponent(token)}` : o.wsUrl);
  const frames: unknown[] = [];
  let read = 0;
  socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
  return new Promise((resolve, reject) => {
    socket.once('open', () =>
      resolve({
        socket,
        frames,
        next: () => eventually(async () => (frames.length > read ? frames[read++] : undefined), 5000),
      }),
    );
    socket.once('unexpected-response', (_, res) => reject(new Error(`refused: ${res.statusCode}`)));
    socket.once('error', reject);
  });
}

const closed = (socket: WebSocket) => new Promise((r) => socket.once('close', r));

describe('WebSocket API (local)', () => {
  const o = outputs();
  const management = new ApiGatewayManagementApiClient({
    region: o.region,
    endpoint: o.local.websocketManagementEndpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  const dynamodb = new DynamoDBClient({
    region: o.region,
    endpoint: o.local.endpoints.dynamodb,
    credentials: LOCAL_CREDENTIALS,
  });
  const connectionItem = (id: string) =>
    dynamodb.send(
      new GetItemCommand({
        TableName: o.local.resources.tableName,
        Key: { PK: { S: `CONN#${id}` }, SK: { S: 'CONN' } },
      }),
    );
  /** The connection id is not told to the client (as in AWS): find it through the user's connection items. */
  const latestConnectionId = async (userId: string) => {
    const { Items } = await dynamodb.send(
      new QueryCommand({
        TableName: o.local.resources.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: `USER#${userId}#CONNS` } },
      }),
    );
    return Items?.at(-1)?.connectionId?.S;
  };
  let user: TestUser;

  beforeAll(async () => {
    user = await signUpUser();
  });

  it('refuses $connect without a token or with an invalid one', async () => {
    await expect(connect()).rejects.toThrow('refused: 401');
    await expect(connect('forged.token.value')).rejects.toThrow('refused: 401');
  });

  it('answers ping with pong, and a bad frame with an error frame', async () => {
    const client = await connect(user.idToken);
    client.socket.send(JSON.stringify({ action: 'ping' }));
    expect(await client.next()).toEqual({ type: 'pong' });
    client.socket.send('not json');
    expect(await client.next()).toEqual(expect.objectContaining({ type: 'error', code: 'VALIDATION_ERROR' }));
    client.socket.close();
  });

  it('stores the connection, serves @connections, and answers 410 once it is closed', async () => {
    const client = await connect(user.idToken);
    client.socket.send(JSON.stringify({ action: 'ping' }));
    await client.next();
    const connectionId = await latestConnectionId(user.userId);
    expect(connectionId).toBeTruthy();
    expect((await connectionItem(connectionId!)).Item?.ttl?.N).toBeTruthy();

    const info = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.Identity?.SourceIp).toBe('127.0.0.1');
    await management.send(
      new PostToConnectionCommand({
        ConnectionId: connectionId,
        Data: Buffer.from(JSON.stringify({ type: 'hello' })),
      }),
    );
    expect(await client.next()).toEqual({ type: 'hello' });

    client.socket.close();
    await closed(client.socket);
    const error = await management
      .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('{}') }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneException);
    expect((error as GoneException).$metadata.httpStatusCode).toBe(410);
    await eventually(async () => ((await connectionItem(connectionId!)).Item ? undefined : true));
  });

  it('closes a connection on DeleteConnection', async () => {
    const client = await connect(user.idToken);
    client.socket.send(JSON.stringify({ action: 'ping' }));
    await client.next();
    const connectionId = await latestConnectionId(user.userId);
    const wasClosed = closed(client.socket);
    await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    await wasClosed;
  });
});
