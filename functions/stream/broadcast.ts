import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { DynamoDBRecord, DynamoDBStreamEvent, DynamoDBBatchResponse } from 'aws-lambda';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { logger, metrics, publishMetrics } from '#functions/lib/observability';
import { connectionPoster } from '#functions/lib/websocket';
import {
  Broadcaster,
  jobOutgoingOf,
  notificationOutgoingOf,
  outgoingOf,
  type StoredItems,
  type TableChange,
} from '#functions/domain/broadcast';
import { toJob } from '#functions/store/ai-job-repository';
import { toActivity } from '#functions/store/activity';
import { toAttachment } from '#functions/store/attachment-repository';
import { ConnectionRepository, toSubscription } from '#functions/store/connection-repository';
import { ItemType } from '#functions/store/keys';
import { toNotification } from '#functions/store/notification-repository';
import { streamImage } from './image.ts';

const processor = new BatchProcessor(EventType.DynamoDBStreams);
const repository = new ConnectionRepository(ddb, config.tableName);
const STORED_ITEMS: StoredItems = {
  types: {
    activity: ItemType.Activity,
    subscription: ItemType.Subscription,
    attachment: ItemType.Attachment,
  },
  toActivity,
  toSubscription,
  toAttachment,
};

const isJob = (item: Record<string, unknown>) => item.type === ItemType.Job;
const isNotification = (item: Record<string, unknown>) => item.type === ItemType.Notification;

function changeOf(record: DynamoDBRecord): TableChange | undefined {
  if (!record.eventName) return undefined;
  return {
    eventName: record.eventName,
    newItem: streamImage(record.dynamodb?.NewImage),
    oldItem: streamImage(record.dynamodb?.OldImage),
  };
}

/**
 * The live board's fan-out (functions/domain/broadcast.ts): each activity (a change of a task, comment, subtask,
 * project or sprint), each attachment that became ready or went, and each subscription change (presence) becomes
 * one frame to every connection subscribed to its project, members only; an AI job's change becomes JOB_UPDATED
 * to its requester's own connections. The mapping's filter (infra/functions.ts) passes only those records.
 * Records run in stream order; one whose audience cannot be read fails alone (partial batch response), and the
 * retry re-sends it from there (clients apply each event id once).
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics())
  .handler(async (event, context) => {
    const broadcaster = new Broadcaster(repository, connectionPoster);
    const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
      const change = changeOf(record);
      const outgoing = change && outgoingOf(change, STORED_ITEMS);
      if (outgoing) await broadcaster.send(outgoing);
      const job = change && jobOutgoingOf(change, isJob, toJob);
      if (job) await broadcaster.sendToConnections(await repository.connectionsOf(job.userId), job.frame);
      const notice = change && notificationOutgoingOf(change, isNotification, toNotification);
      if (notice)
        await broadcaster.sendToConnections(await repository.connectionsOf(notice.userId), notice.frame);
    };
    const response = await processPartialResponse(event, recordHandler, processor, {
      context,
      processInParallel: false,
    });
    const { sent, gone, failed, revoked } = broadcaster.stats;
    metrics.addMetric('FramesSent', MetricUnit.Count, sent);
    metrics.addMetric('ConnectionsGone', MetricUnit.Count, gone);
    metrics.addMetric('FramesFailed', MetricUnit.Count, failed);
    if (failed > 0 || revoked > 0) logger.warn('Broadcast incomplete', { ...broadcaster.stats });
    return response;
  });
