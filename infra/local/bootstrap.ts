/**
 * Creates every local resource from infra/definitions.ts (the module the CDK stacks read), through the real AWS
 * APIs of the emulators. Idempotent: existing resources are found and kept, so a restart loses nothing.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
  type CreateQueueCommandInput,
} from '@aws-sdk/client-sqs';
import { CreateBucketCommand, HeadBucketCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  bucketName,
  buckets,
  queueName,
  queues,
  streamFailureQueueName,
  table,
  tableName,
  userPool,
  userPoolClientName,
  userPoolName,
  type QueueDefinition,
  type QueueName,
} from '../definitions.ts';

export interface QueueResource {
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
}

export interface LocalResources {
  tableName: string;
  streamArn: string;
  queues: Record<QueueName, QueueResource>;
  /** Where stream records a function gave up on are sent (the event source mappings' on-failure destination). */
  streamFailureQueue: { url: string; arn: string };
  buckets: Record<keyof typeof buckets, string>;
  userPoolId: string;
  userPoolClientId: string;
}

export interface BootstrapClients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  s3: S3Client;
  cognito: CognitoIdentityProviderClient;
}

export async function ensureTable(dynamodb: DynamoDBClient, name: string): Promise<string> {
  try {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.LatestStreamArn) {
      await addMissingIndexes(dynamodb, name, Table.GlobalSecondaryIndexes ?? []);
      return Table.LatestStreamArn;
    }
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const attributes = new Map<string, 'S' | 'N'>();
  for (const key of [table.partitionKey, table.sortKey]) attributes.set(key.name, key.type);
  for (const index of table.globalSecondaryIndexes) {
    attributes.set(index.partitionKey.name, index.partitionKey.type);
    attributes.set(index.sortKey.name, index.sortKey.type);
  }
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
        AttributeName,
        AttributeType,
      })),
      KeySchema: [
        { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: table.sortKey.name, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: index.projection },
      })),
      StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream },
    }),
  );
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: name });
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
    }),
  );
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
  if (!Table?.LatestStreamArn) throw new Error(`Table ${name} has no stream`);
  return Table.LatestStreamArn;
}

/**
 * A data folder made before an index was added to infra/definitions.ts gets it now (DynamoDB back-fills it from
 * the items' attributes), so `npm start` on an existing folder keeps working after an upgrade.
 */
async function addMissingIndexes(
  dynamodb: DynamoDBClient,
  name: string,
  existing: Array<{ IndexName?: string }>,
): Promise<void> {
  const have = new Set(existing.map((index) => index.IndexName));
  for (const index of table.globalSecondaryIndexes) {
    if (have.has(index.indexName)) continue;
    await dynamodb.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: [index.partitionKey, index.sortKey].map((key) => ({
          AttributeName: key.name,
          AttributeType: key.type,
        })),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.indexName,
              KeySchema: [
                { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
                { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: index.projection },
            },
          },
        ],
      }),
    );
  }
}

async function createQueue(
  sqs: SQSClient,
  input: CreateQueueCommandInput,
): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand(input));
  if (!QueueUrl) throw new Error(`No URL for queue ${input.QueueName}`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl, arn: Attributes?.QueueArn ?? '' };
}

/** A queue and its DLQ with the redrive policy of its definition (CreateQueue is idempotent in SQS). */
export async function ensureQueue(
  sqs: SQSClient,
  name: string,
  definition: Omit<QueueDefinition, 'name'>,
): Promise<QueueResource> {
  const dlq = await createQueue(sqs, {
    QueueName: `${name}-dlq`,
    Attributes: { MessageRetentionPeriod: String(definition.dlqRetentionDays * 86400) },
  });
  const queue = await createQueue(sqs, {
    QueueName: name,
    Attributes: {
      VisibilityTimeout: String(definition.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(definition.retentionDays * 86400),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: definition.maxReceiveCount,
      }),
    },
  });
  return { url: queue.url, arn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
}

async function ensureBucket(
  s3: S3Client,
  name: string,
  webOrigin: string,
  definition: (typeof buckets)[keyof typeof buckets],
) {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: name }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  }
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: name,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: [webOrigin],
            AllowedMethods: [...definition.corsMethods],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['ETag'],
            MaxAgeSeconds: definition.corsMaxAgeSeconds,
          },
        ],
      },
    }),
  );
}

async function ensureUserPool(cognito: CognitoIdentityProviderClient, stage: string) {
  const poolName = userPoolName(stage);
  const { UserPools } = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  let poolId = UserPools?.find((p) => p.Name === poolName)?.Id;
  if (!poolId) {
    const { UserPool } = await cognito.send(
      new CreateUserPoolCommand({
        PoolName: poolName,
        UsernameAttributes: [...userPool.usernameAttributes],
        AutoVerifiedAttributes: [...userPool.autoVerifiedAttributes],
        Policies: {
          PasswordPolicy: {
            MinimumLength: userPool.passwordPolicy.minimumLength,
            RequireLowercase: userPool.passwordPolicy.requireLowercase,
            RequireUppercase: userPool.passwordPolicy.requireUppercase,
            RequireNumbers: userPool.passwordPolicy.requireDigits,
            RequireSymbols: userPool.passwordPolicy.requireSymbols,
          },
        },
      }),
    );
    poolId = UserPool?.Id;
  }
  if (!poolId) throw new Error('The Cognito emulator did not create the user pool');
  const clientName = userPoolClientName(stage);
  const { UserPoolClients } = await cognito.send(
    new ListUserPoolClientsCommand({ UserPoolId: poolId, MaxResults: 60 }),
  );
  let clientId = UserPoolClients?.find((c) => c.ClientName === clientName)?.ClientId;
  if (!clientId) {
    const { UserPoolClient } = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: clientName,
        GenerateSecret: false,
        ExplicitAuthFlows: [...userPool.explicitAuthFlows],
      }),
    );
    clientId = UserPoolClient?.ClientId;
  }
  if (!clientId) throw new Error('The Cognito emulator did not create the app client');
  return { poolId, clientId };
}

export async function bootstrap(
  clients: BootstrapClients,
  options: { stage: string; webOrigin: string },
): Promise<LocalResources> {
  const { stage } = options;
  const name = tableName(stage);
  const [streamArn, queueEntries, streamFailureQueue, pool] = await Promise.all([
    ensureTable(clients.dynamodb, name),
    Promise.all(
      (Object.keys(queues) as QueueName[]).map(
        async (q) => [q, await ensureQueue(clients.sqs, queueName(stage, q), queues[q])] as const,
      ),
    ),
    createQueue(clients.sqs, {
      QueueName: streamFailureQueueName(stage),
      Attributes: { MessageRetentionPeriod: String(14 * 86400) },
    }),
    ensureUserPool(clients.cognito, stage),
  ]);
  const bucketNames = Object.fromEntries(
    (Object.keys(buckets) as Array<keyof typeof buckets>).map((b) => [b, bucketName(stage, b)]),
  ) as Record<keyof typeof buckets, string>;
  for (const [key, bucket] of Object.entries(bucketNames)) {
    await ensureBucket(clients.s3, bucket, options.webOrigin, buckets[key as keyof typeof buckets]);
  }
  return {
    tableName: name,
    streamArn,
    queues: Object.fromEntries(queueEntries) as Record<QueueName, QueueResource>,
    streamFailureQueue,
    buckets: bucketNames,
    userPoolId: pool.poolId,
    userPoolClientId: pool.clientId,
  };
}
