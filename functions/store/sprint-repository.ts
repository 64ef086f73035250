import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  UpdateCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { SprintStatus } from '#shared/schemas/sprints';
import { ConflictError } from '#functions/lib/errors';
import { parentOf } from '#functions/lib/ids';
import type { Page } from '#functions/lib/pagination';
import type { ActivityRecord } from '#functions/domain/activity';
import type {
  MoveGuard,
  MoveResult,
  SprintChange,
  SprintCreateOutcome,
  SprintProject,
  SprintReadRequest,
  SprintReadResult,
  SprintRecord,
  SprintRepository,
  SprintWriteOutcome,
  TaskMove,
} from '#functions/domain/sprints';
import type { TaskRecord } from '#functions/domain/tasks';
import { activityItem } from './activity.ts';
import {
  batchGetAll,
  diffUpdate,
  queryAll,
  queryFilled,
  transactWrite,
  type TransactOutcome,
} from './dynamo.ts';
import { ItemType, keys } from './keys.ts';
import { taskUpdate, toTask } from './task-repository.ts';
import { toMembership } from './workspace-repository.ts';

type Item = Record<string, unknown>;
type TransactParts = NonNullable<TransactWriteCommandInput['TransactItems']>;
type TransactPart = TransactParts[number];
/** What a sprint transaction came to when it was not lost to concurrent ones. */
type Settled = Exclude<TransactOutcome, { busy: true }>;

/** Attributes of a sprint that are null (or false) when absent: stored only when set. */
const OPTIONAL = [
  'goal',
  'committedPoints',
  'completedPoints',
  'startedAt',
  'completedAt',
  'carryOverTo',
  'remainingByDay',
] as const;

/** The stored sprint, in its project's partition (`PROJECT#<pid>` / `SPRINT#<sid>`). */
export function sprintItem(sprint: SprintRecord): Item {
  const item: Item = { ...keys.sprint(sprint.projectId, sprint.id), type: ItemType.Sprint };
  for (const [field, value] of Object.entries(sprint)) {
    if (value === null || value === false) continue;
    item[field] = value;
  }
  return item;
}

export function toSprint(item: Item): SprintRecord {
  const sprint = {
    id: item.id as string,
    projectId: item.projectId as string,
    workspaceId: item.workspaceId as string,
    name: item.name as string,
    startDate: item.startDate as string,
    endDate: item.endDate as string,
    status: item.status as SprintStatus,
    carryOverPending: item.carryOverPending === true,
    createdBy: item.createdBy as string,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    version: item.version as number,
  } as SprintRecord;
  for (const field of OPTIONAL) (sprint as unknown as Item)[field] = item[field] ?? null;
  return sprint;
}

/** A project that was deleted (if the projects code marks deletions rather than removing the item) is gone. */
const toSprintProject = (item: Item | undefined): SprintProject | undefined =>
  item && !item.deletedAt
    ? {
        id: item.id as string,
        workspaceId: item.workspaceId as string,
        key: item.key as string,
        archived: item.archived === true,
        activeSprintId: (item.activeSprintId as string | undefined) ?? null,
      }
    : undefined;

/** The project item takes a sprint change: it exists and is not archived. */
const PROJECT_WRITABLE =
  'attribute_exists(PK) AND attribute_not_exists(deletedAt) AND (attribute_not_exists(archived) OR archived = :false)';

/** TransactWriteItems takes 100 items and 4 MB; a batch of moves stays well inside both. */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_TRANSACTION_BYTES = 3_500_000;

/**
 * The transaction part that turns the stored sprint `before` into `after`: SETs the attributes that differ,
 * REMOVEs those that went, adds 1 to `version`, on condition that the stored sprint is still at `before`'s
 * version and status. The carry-over flag is left alone (finishCarryOver clears it without a new version).
 */
export function sprintUpdate(tableName: string, before: SprintRecord, after: SprintRecord): TransactPart {
  return diffUpdate({
    tableName,
    key: keys.sprint(before.projectId, before.id),
    before: sprintItem(before),
    after: sprintItem(after),
    skip: ['carryOverPending'],
    // Raised with the completion, never lowered here: finishCarryOver clears it.
    set: after.carryOverPending && !before.carryOverPending ? { carryOverPending: true } : undefined,
    condition: '#version = :seen AND #status = :seenStatus',
    names: { '#status': 'status' },
    values: { ':seen': before.version, ':seenStatus': before.status },
  });
}

export class DynamoSprintRepository implements SprintRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(request: SprintReadRequest): Promise<SprintReadResult> {
    const { workspaceId, userId, projectId } = request;
    const memberKey = keys.member(workspaceId, userId);
    const projectKey = keys.project(workspaceId, projectId);
    const wanted = [memberKey, projectKey];
    // Only sprints of this project can be found (an id of another project's sprint names nothing here).
    for (const id of new Set(request.sprintIds ?? [])) {
      if (parentOf(id) === projectId) wanted.push(keys.sprint(projectId, id));
    }
    const items = await batchGetAll(this.ddb, this.tableName, wanted);
    const result: SprintReadResult = { sprints: new Map() };
    for (const item of items) {
      if (item.PK === memberKey.PK && item.SK === memberKey.SK) result.membership = toMembership(item);
      else if (item.PK === projectKey.PK && item.SK === projectKey.SK) result.project = toSprintProject(item);
      else if (item.type === ItemType.Sprint) result.sprints.set(item.id as string, toSprint(item));
    }
    return result;
  }

  private projectPart(
    project: { workspaceId: string; projectId: string },
    kind: 'check' | 'start' | 'complete',
    sprintId: string,
  ): TransactPart {
    const key = keys.project(project.workspaceId, project.projectId);
    if (kind === 'check') {
      return {
        ConditionCheck: {
          TableName: this.tableName,
          Key: key,
          ConditionExpression: PROJECT_WRITABLE,
          ExpressionAttributeValues: { ':false': false },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      };
    }
    // One active sprint per project: set only where none is, removed only by the sprint that set it.
    return {
      Update: {
        TableName: this.tableName,
        Key: key,
        UpdateExpression: kind === 'start' ? 'SET activeSprintId = :sprint' : 'REMOVE activeSprintId',
        ConditionExpression:
          kind === 'start'
            ? `${PROJECT_WRITABLE} AND attribute_not_exists(activeSprintId)`
            : `${PROJECT_WRITABLE} AND activeSprintId = :sprint`,
        ExpressionAttributeValues: { ':false': false, ':sprint': sprintId },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  private activityPart(activity: ActivityRecord): TransactPart {
    return { Put: { TableName: this.tableName, Item: activityItem(activity) } };
  }

  async create(sprint: SprintRecord, activity: ActivityRecord): Promise<SprintCreateOutcome> {
    const outcome = await this.transact([
      {
        Put: {
          TableName: this.tableName,
          Item: sprintItem(sprint),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      this.projectPart({ workspaceId: sprint.workspaceId, projectId: sprint.projectId }, 'check', sprint.id),
      this.activityPart(activity),
    ]);
    if ('ok' in outcome) return outcome;
    if (outcome.failed[1]) return { project: toSprintProject(outcome.old[1]) };
    throw new Error(`Sprint ${sprint.id} could not be created: a condition it does not expect failed`);
  }

  async list(
    projectId: string,
    status: SprintStatus | undefined,
    limit: number,
    cursor?: string,
  ): Promise<Page<SprintRecord>> {
    const pk = keys.sprint(projectId, '').PK;
    const page = await queryFilled(
      this.ddb,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ...(status
          ? {
              FilterExpression: '#status = :status',
              ExpressionAttributeNames: { '#status': 'status' },
            }
          : {}),
        ExpressionAttributeValues: {
          ':pk': pk,
          ':prefix': keys.sprintPrefix,
          ...(status ? { ':status': status } : {}),
        },
        ConsistentRead: true,
      },
      { name: 'PK', value: pk },
      ['PK', 'SK'],
      limit,
      cursor,
    );
    return { items: page.items.map(toSprint), nextCursor: page.nextCursor };
  }

  async completed(projectId: string): Promise<SprintRecord[]> {
    const fields = [
      'id',
      'projectId',
      'workspaceId',
      'name',
      'startDate',
      'endDate',
      'committedPoints',
      'completedPoints',
      'startedAt',
      'completedAt',
      'createdBy',
      'createdAt',
      'updatedAt',
      'version',
    ];
    const names = Object.fromEntries(fields.map((f, i) => [`#f${i}`, f]));
    const items = await queryAll(this.ddb, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      FilterExpression: '#status = :completed',
      // The frozen burndowns stay behind: velocity needs only the figures.
      ProjectionExpression: [...Object.keys(names), '#status'].join(', '),
      ExpressionAttributeNames: { ...names, '#status': 'status' },
      ExpressionAttributeValues: {
        ':pk': keys.sprint(projectId, '').PK,
        ':prefix': keys.sprintPrefix,
        ':completed': 'completed',
      },
      ConsistentRead: true,
    });
    return items.map(toSprint);
  }

  async tasksOf(sprintId: string, consistent: boolean): Promise<TaskRecord[]> {
    const entries = await queryAll(this.ddb, {
      TableName: this.tableName,
      IndexName: 'GSI2',
      KeyConditionExpression: 'GSI2PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.tasksOfSprint(sprintId) },
    });
    const tasks = consistent
      ? // The index lags the table: it only names the candidates; the tasks themselves are read as stored.
        (
          await batchGetAll(
            this.ddb,
            this.tableName,
            entries.map((e) => keys.task(e.id as string)),
          )
        ).map(toTask)
      : entries.map(toTask);
    return tasks.filter((task) => task.sprintId === sprintId && !task.deletedAt);
  }

  async write(change: SprintChange): Promise<SprintWriteOutcome> {
    const { before, after } = change;
    const project = { workspaceId: before.workspaceId, projectId: before.projectId };
    const parts: TransactParts = [
      sprintUpdate(this.tableName, before, after),
      this.projectPart(project, change.kind === 'update' ? 'check' : change.kind, before.id),
      this.activityPart(change.activity),
    ];
    if (change.target) {
      parts.push({
        ConditionCheck: {
          TableName: this.tableName,
          Key: keys.sprint(change.target.projectId, change.target.id),
          ConditionExpression: 'attribute_exists(PK) AND #status = :planned',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':planned': 'planned' },
        },
      });
    }
    return this.refusal(await this.transact(parts));
  }

  async delete(sprint: SprintRecord, activity: ActivityRecord): Promise<SprintWriteOutcome> {
    return this.refusal(
      await this.transact([
        {
          Delete: {
            TableName: this.tableName,
            Key: keys.sprint(sprint.projectId, sprint.id),
            ConditionExpression: '#version = :seen AND #status = :planned',
            ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
            ExpressionAttributeValues: { ':seen': sprint.version, ':planned': 'planned' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        this.projectPart(
          { workspaceId: sprint.workspaceId, projectId: sprint.projectId },
          'check',
          sprint.id,
        ),
        this.activityPart(activity),
      ]),
    );
  }

  /** A sprint transaction's outcome: parts 0 (sprint), 1 (project) and 3 (carry-over target) have conditions. */
  private refusal(outcome: Settled): SprintWriteOutcome {
    if ('ok' in outcome) return outcome;
    if (outcome.failed[0]) return { sprint: outcome.old[0] ? toSprint(outcome.old[0]) : undefined };
    if (outcome.failed[1]) return { project: toSprintProject(outcome.old[1]) };
    if (outcome.failed[3]) return { target: true };
    throw new Error('A sprint transaction failed a condition it does not have');
  }

  async moveTasks(moves: TaskMove[], guard: MoveGuard | undefined, deadline: number): Promise<MoveResult> {
    const result: MoveResult = { moved: [], stale: [], guardFailed: false, outOfTime: false };
    const guardPart = guard ? this.guardPart(guard) : undefined;
    const partsOf = (move: TaskMove): TransactPart[] => [
      taskUpdate(this.tableName, move.before, move.after),
      this.activityPart(move.activity),
    ];
    const sizeOf = (move: TaskMove) => Buffer.byteLength(JSON.stringify(partsOf(move)));
    const perTransaction = Math.floor((MAX_TRANSACTION_ITEMS - (guardPart ? 1 : 0)) / 2);

    let next = 0;
    while (next < moves.length) {
      if (Date.now() > deadline) {
        result.outOfTime = true;
        return result;
      }
      // As many moves as fit one transaction (at least one).
      let chunk: TaskMove[] = [];
      let bytes = 0;
      while (next < moves.length && chunk.length < perTransaction) {
        const size = sizeOf(moves[next]!);
        if (chunk.length > 0 && bytes + size > MAX_TRANSACTION_BYTES) break;
        chunk.push(moves[next]!);
        bytes += size;
        next++;
      }
      // Tasks that changed meanwhile drop out of the chunk (reported stale); the rest is tried again.
      while (chunk.length > 0) {
        const parts = chunk.flatMap(partsOf);
        if (guardPart) parts.push(guardPart);
        const outcome = await this.transact(parts);
        if ('ok' in outcome) {
          result.moved.push(...chunk.map((m) => m.before.id));
          break;
        }
        if (guardPart && outcome.failed[parts.length - 1]) {
          result.guardFailed = true;
          return result;
        }
        const failedMoves = new Set<number>();
        outcome.failed.forEach((failed, index) => {
          if (failed && index < chunk.length * 2) failedMoves.add(Math.floor(index / 2));
        });
        if (failedMoves.size === 0) throw new Error('A task move failed a condition it does not have');
        for (const index of failedMoves) {
          const old = outcome.old[index * 2];
          result.stale.push({ id: chunk[index]!.before.id, current: old ? toTask(old) : undefined });
        }
        chunk = chunk.filter((_, index) => !failedMoves.has(index));
      }
    }
    return result;
  }

  private guardPart(guard: MoveGuard): TransactPart {
    if ('takes' in guard) {
      const projectId = parentOf(guard.takes) ?? '';
      return {
        ConditionCheck: {
          TableName: this.tableName,
          Key: keys.sprint(projectId, guard.takes),
          ConditionExpression: 'attribute_exists(PK) AND #status <> :completed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':completed': 'completed' },
        },
      };
    }
    const sprint = guard.unchanged;
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: keys.sprint(sprint.projectId, sprint.id),
        ConditionExpression: '#version = :seen AND #status = :status',
        ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
        ExpressionAttributeValues: { ':seen': sprint.version, ':status': sprint.status },
      },
    };
  }

  async finishCarryOver(sprint: SprintRecord): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.sprint(sprint.projectId, sprint.id),
          UpdateExpression: 'REMOVE carryOverPending',
          ConditionExpression: 'attribute_exists(PK) AND #status = :completed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':completed': 'completed' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** One TransactWriteItems (tried again while it loses to concurrent ones; still losing is a 409). */
  private async transact(parts: TransactParts): Promise<Settled> {
    const outcome = await transactWrite(this.ddb, parts);
    if ('busy' in outcome) throw new ConflictError('The sprint is being changed by someone else; try again');
    return outcome;
  }
}
