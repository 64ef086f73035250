import * as z from 'zod';
import { aiBreakdownRequestSchema } from '#shared/schemas/ai';
import { aiConfig } from '#functions/lib/ai-config';
import { aiJobQueue } from '#functions/lib/ai-queue';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { caller, httpFunction, ok, pathOf } from '#functions/lib/http';
import { childIdSchema } from '#functions/lib/ids';
import { taskPath } from '#functions/lib/params';
import { parseInput } from '#functions/lib/validation';
import { AiBreakdownService } from '#functions/domain/ai-breakdown';
import { DynamoJobRepository } from '#functions/store/ai-job-repository';
import { DynamoAiQuota } from '#functions/store/ai-quota';

const service = new AiBreakdownService(
  new DynamoJobRepository(ddb, config.tableName),
  new DynamoAiQuota(ddb, config.tableName, aiConfig.requestsPerHour),
  aiJobQueue,
  { requestsPerHour: aiConfig.requestsPerHour, monthlyTokens: aiConfig.monthlyTokens },
);

const jobPath = z.object({ jobId: childIdSchema });

export const handler = httpFunction({
  /** `{ maxSubtasks?, hint? }` (an empty body is all defaults) → 202 `{ jobId }`. */
  'POST /api/tasks/{taskId}/ai-breakdown': async (request) => {
    const { taskId } = pathOf(taskPath, request);
    const input = parseInput(aiBreakdownRequestSchema, request.body() ?? {}, 'body');
    return { status: 202, body: await service.request(caller(request), taskId, input) };
  },
  'GET /api/jobs/{jobId}': async (request) => {
    const { jobId } = pathOf(jobPath, request);
    return ok(await service.get(caller(request), jobId));
  },
});
