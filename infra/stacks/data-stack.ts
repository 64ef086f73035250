import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
  type Attribute,
} from 'aws-cdk-lib/aws-dynamodb';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  bucketName,
  buckets,
  PENDING_UPLOAD_TAG,
  UNCONFIRMED_UPLOAD_DAYS,
  queueName,
  queues,
  streamFailureQueueName,
  table as tableDefinition,
  tableName,
  type KeyAttribute,
  type QueueName,
} from '../definitions.ts';
import type { StageConfig } from '../stage-config.ts';

export interface DataStackProps extends StackProps {
  config: StageConfig;
}

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}

/** Everything that holds data: the table, the queues and their DLQs, the attachments bucket. */
export class DataStack extends Stack {
  readonly table: Table;
  readonly queues: Record<QueueName, Queue>;
  readonly deadLetterQueues: Record<QueueName, Queue>;
  readonly streamFailureQueue: Queue;
  readonly attachmentsBucket: Bucket;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.table = new Table(this, tableDefinition.id, {
      tableName: tableName(config.stage),
      partitionKey: attribute(tableDefinition.partitionKey),
      sortKey: attribute(tableDefinition.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
      stream: StreamViewType[tableDefinition.stream],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: config.retainData,
      removalPolicy,
    });
    for (const index of tableDefinition.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: ProjectionType[index.projection],
      });
    }

    const queueEntries = (Object.keys(queues) as QueueName[]).map((name) => {
      const definition = queues[name];
      const deadLetterQueue = new Queue(this, `${name}-dlq`, {
        queueName: queueName(config.stage, name, true),
        retentionPeriod: Duration.days(definition.dlqRetentionDays),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy,
      });
      const queue = new Queue(this, `${name}-queue`, {
        queueName: queueName(config.stage, name),
        visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(definition.retentionDays),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
        removalPolicy,
      });
      return { name, queue, deadLetterQueue };
    });
    this.queues = Object.fromEntries(queueEntries.map((e) => [e.name, e.queue])) as Record<QueueName, Queue>;
    this.deadLetterQueues = Object.fromEntries(
      queueEntries.map((e) => [e.name, e.deadLetterQueue]),
    ) as Record<QueueName, Queue>;

    this.streamFailureQueue = new Queue(this, 'stream-failures', {
      queueName: streamFailureQueueName(config.stage),
      // The longest SQS allows: these records are only pointers into the stream, to be inspected and replayed.
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    });
    Validations.of(this.streamFailureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue: the stream mappings' on-failure destination (an alarm " +
        'watches it); a DLQ of its own would only move the same pointers once more.',
    });

    const attachments = buckets.attachments;
    this.attachmentsBucket = new Bucket(this, attachments.name, {
      // Without a fixed account the name takes the deploying account's id at deploy time.
      bucketName: bucketName(config.stage, 'attachments', config.account ?? Aws.ACCOUNT_ID),
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      cors: [
        {
          // The browser PUTs and GETs attachments directly with presigned URLs, from the web app's origin only.
          allowedOrigins: [config.webUrl],
          allowedMethods: attachments.corsMethods.map((method) => HttpMethods[method]),
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: attachments.corsMaxAgeSeconds,
        },
      ],
      lifecycleRules: [
        // Uploads never confirmed: their items expire (TTL) and their files go from the stream; this catches
        // whatever escapes that (a stream record given up on), as the upload's tag is only removed on confirm.
        {
          id: 'expire-unconfirmed-uploads',
          tagFilters: { [PENDING_UPLOAD_TAG.key]: PENDING_UPLOAD_TAG.value },
          expiration: Duration.days(UNCONFIRMED_UPLOAD_DAYS),
        },
        // Presigned uploads are single PUTs; any multipart upload left open is not ours to keep.
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
      // A stage that does not keep data must also be deletable when the bucket still has objects in it.
      autoDeleteObjects: !config.retainData,
    });
    Validations.of(this.attachmentsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Objects are read and written only with presigned URLs that the API issues after its own authorization ' +
        "check, which the API's access log and function logs record; an object-level audit, where required, is " +
        'CloudTrail S3 data events for the account rather than a second log bucket per stage.',
    });

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'AttachmentsBucketName', { value: this.attachmentsBucket.bucketName });
  }
}
