import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { workspaceOf } from '#functions/lib/ids';
import { JOB_TTL_SECONDS, type JobRecord, type JobRepository } from '#functions/domain/ai-breakdown';
import { batchGetAll, writeIf } from './dynamo.ts';
import { ItemType, keys } from './keys.ts';
import { DynamoSubtaskRepository } from './subtask-repository.ts';
import { toMembership } from './workspace-repository.ts';

type Item = Record<string, unknown>;

/** Attribute names of the job's updates (placeholders throughout: no reserved word can bite). */
const CLAIM_NAMES = {
  '#status': 'status',
  '#progress': 'progress',
  '#lease': 'leaseUntil',
  '#updatedAt': 'updatedAt',
  '#attempt': 'attempt',
};
const FINISH_NAMES = { ...CLAIM_NAMES, '#tokens': 'tokens' };

/**
 * The stored item of a job (`JOB#<jobId>`): the record with its kind as `jobType` (`type` is the item type every
 * item has, `JOB`, which the broadcast's stream filter selects), and its expiry.
 */
export function jobItem(job: JobRecord): Item {
  const { type: jobType, ...rest } = job;
  return {
    ...keys.job(job.id),
    ...rest,
    type: ItemType.Job,
    jobType,
    ttl: Math.floor(Date.parse(job.createdAt) / 1000) + JOB_TTL_SECONDS,
  };
}

export function toJob(item: Item): JobRecord {
  const { PK: _pk, SK: _sk, type: _type, ttl: _ttl, jobType, ...job } = item;
  return { ...job, type: jobType } as unknown as JobRecord;
}

/**
 * Jobs in partitions of their own (`JOB#<jobId>`, `#META`), read with the requester's membership in one
 * BatchGetItem (the id names the workspace). The worker's exactly-once rests on two conditional updates:
 * the claim (queued, or running with an expired lease → running, attempt + 1) and the finish (running at that
 * attempt → completed / failed).
 */
export class DynamoJobRepository implements JobRepository {
  private readonly subtasks: DynamoSubtaskRepository;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.subtasks = new DynamoSubtaskRepository(ddb, tableName);
  }

  readTask(taskId: string, userId: string) {
    return this.subtasks.read(taskId, userId);
  }

  getProject(workspaceId: string, projectId: string) {
    return this.subtasks.getProject(workspaceId, projectId);
  }

  async subtaskTitles(taskId: string): Promise<string[]> {
    const page = await this.subtasks.list(taskId, 100);
    return page.items.map((s) => s.title);
  }

  async readJob(jobId: string, userId: string) {
    const jobKey = keys.job(jobId);
    const memberKey = keys.member(workspaceOf(jobId)!, userId);
    const items = await batchGetAll(this.ddb, this.tableName, [jobKey, memberKey]);
    const job = items.find((i) => i.PK === jobKey.PK);
    const membership = items.find((i) => i.PK === memberKey.PK && i.SK === memberKey.SK);
    return {
      job: job ? toJob(job) : undefined,
      membership: membership ? toMembership(membership) : undefined,
    };
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: keys.job(jobId), ConsistentRead: true }),
    );
    return Item ? toJob(Item) : undefined;
  }

  async create(job: JobRecord): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.tableName,
        Item: jobItem(job),
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async claim(jobId: string, now: string, leaseUntil: number, nowMs: number): Promise<JobRecord | undefined> {
    try {
      const { Attributes } = await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.job(jobId),
          UpdateExpression:
            'SET #status = :running, #progress = :progress, #lease = :lease, #updatedAt = :now ADD #attempt :one',
          ConditionExpression:
            'attribute_exists(PK) AND (#status = :queued OR (#status = :running AND #lease < :nowMs))',
          ExpressionAttributeNames: CLAIM_NAMES,
          ExpressionAttributeValues: {
            ':running': 'running',
            ':queued': 'queued',
            ':progress': 10,
            ':lease': leaseUntil,
            ':now': now,
            ':nowMs': nowMs,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toJob(Attributes) : undefined;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }

  finish(
    jobId: string,
    attempt: number,
    outcome: Pick<JobRecord, 'status' | 'result' | 'error' | 'tokens'>,
    now: string,
  ): Promise<boolean> {
    const values: Item = {
      ':status': outcome.status,
      ':progress': 100,
      ':now': now,
      ':attempt': attempt,
      ':queued': 'queued',
      ':running': 'running',
      ':tokens': outcome.tokens ?? 0,
    };
    const set = ['#status = :status', '#progress = :progress', '#updatedAt = :now', '#tokens = :tokens'];
    if (outcome.result) {
      set.push('#result = :result');
      values[':result'] = outcome.result;
    }
    if (outcome.error) {
      set.push('#error = :error');
      values[':error'] = outcome.error;
    }
    return writeIf(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.job(jobId),
          UpdateExpression: `SET ${set.join(', ')} REMOVE #lease`,
          ConditionExpression: '#status IN (:queued, :running) AND #attempt = :attempt',
          ExpressionAttributeNames: {
            ...FINISH_NAMES,
            ...(outcome.result ? { '#result': 'result' } : {}),
            ...(outcome.error ? { '#error': 'error' } : {}),
          },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }
}
