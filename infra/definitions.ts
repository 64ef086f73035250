/**
 * The one module of names and key schemas for TeamFlow's AWS resources. The CDK stacks (infra/stacks) and the
 * local runtime (infra/local/bootstrap.ts) both read it, so the cloud and the local stack cannot drift apart.
 * Pure data: no CDK or SDK imports, so the functions and the local bootstrap can import it cheaply.
 */

export const APP_NAME = 'teamflow';

export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  name: string;
  type: KeyType;
}

export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  /** Every index projects all attributes: list reads must be one Query, never a Query plus GetItems. */
  projection: 'ALL';
}

export interface TableDefinition {
  /** Logical id; the physical name is `${APP_NAME}-${stage}` (see tableName). */
  id: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalSecondaryIndexes: IndexDefinition[];
  timeToLiveAttribute: string;
  stream: 'NEW_AND_OLD_IMAGES';
}

/** The single table (single-table design); see docs/data-model.md for the access patterns it serves. */
export const table: TableDefinition = {
  id: 'Table',
  partitionKey: { name: 'PK', type: 'S' },
  sortKey: { name: 'SK', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'GSI1',
      partitionKey: { name: 'GSI1PK', type: 'S' },
      sortKey: { name: 'GSI1SK', type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: 'GSI2',
      partitionKey: { name: 'GSI2PK', type: 'S' },
      sortKey: { name: 'GSI2SK', type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: 'GSI3',
      partitionKey: { name: 'GSI3PK', type: 'S' },
      sortKey: { name: 'GSI3SK', type: 'S' },
      projection: 'ALL',
    },
  ],
  timeToLiveAttribute: 'ttl',
  stream: 'NEW_AND_OLD_IMAGES',
};

export interface QueueDefinition {
  /** Short name; physical name `${APP_NAME}-${stage}-${name}`, its DLQ `...-${name}-dlq`. */
  name: string;
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the DLQ (SQS redrive policy). */
  maxReceiveCount: number;
  retentionDays: number;
  dlqRetentionDays: number;
}

export const queues = {
  email: {
    name: 'email',
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 3,
    retentionDays: 4,
    dlqRetentionDays: 14,
  },
  ai: {
    name: 'ai',
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 2,
    retentionDays: 4,
    dlqRetentionDays: 14,
  },
} as const satisfies Record<string, QueueDefinition>;

export type QueueName = keyof typeof queues;

export interface BucketDefinition {
  name: string;
  /** Origins allowed to PUT/GET with presigned URLs from the browser (the web origin is added per stage). */
  corsMethods: Array<'GET' | 'PUT' | 'HEAD'>;
  corsMaxAgeSeconds: number;
}

export const buckets = {
  attachments: { name: 'attachments', corsMethods: ['GET', 'PUT', 'HEAD'], corsMaxAgeSeconds: 3000 },
} as const satisfies Record<string, BucketDefinition>;

/**
 * The tag an attachment upload is stored with until it is confirmed (the presigned PUT signs it); the bucket's
 * lifecycle rule expires objects still tagged after UNCONFIRMED_UPLOAD_DAYS, whatever else failed to remove them.
 */
export const PENDING_UPLOAD_TAG = { key: 'teamflow-upload', value: 'pending' } as const;
export const UNCONFIRMED_UPLOAD_DAYS = 1;

export const userPool = {
  id: 'UserPool',
  clientId: 'WebClient',
  /** People sign in with their email address; it is also the username alias. */
  usernameAttributes: ['email'] as const,
  autoVerifiedAttributes: ['email'] as const,
  passwordPolicy: {
    minimumLength: 8,
    requireLowercase: true,
    requireUppercase: true,
    requireDigits: true,
    requireSymbols: false,
  },
  explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'] as const,
  tokenValidity: { idTokenMinutes: 60, accessTokenMinutes: 60, refreshTokenDays: 30 },
  /** The Lambda the pool calls after a person confirms sign-up (creates the profile item). */
  postConfirmationFunction: 'post-confirmation',
} as const;

/** WebSocket connections live at most 2 h (the API Gateway limit); their items expire with it. */
export const WEBSOCKET_CONNECTION_TTL_SECONDS = 2 * 60 * 60;

export function tableName(stage: string): string {
  return `${APP_NAME}-${stage}`;
}

export function queueName(stage: string, name: QueueName, dlq = false): string {
  return `${APP_NAME}-${stage}-${name}${dlq ? '-dlq' : ''}`;
}

export function bucketName(stage: string, name: keyof typeof buckets, account = 'local'): string {
  return `${APP_NAME}-${stage}-${name}-${account}`;
}

export function userPoolName(stage: string): string {
  return `${APP_NAME}-${stage}`;
}

export function userPoolClientName(stage: string): string {
  return `${userPoolName(stage)}-web`;
}

/** Where stream records a function gave up on go (the event source mappings' on-failure destination). */
export function streamFailureQueueName(stage: string): string {
  return `${tableName(stage)}-stream-failures`;
}

/** A function's physical name (`teamflow-dev-me`), the same in the cloud and locally so logs read alike. */
export function physicalFunctionName(stage: string, name: string): string {
  return `${APP_NAME}-${stage}-${name}`;
}
