import * as z from 'zod';
import { ESTIMATED_HOURS_MAX, SUBTASK_TITLE_MAX } from './subtasks.ts';

/**
 * AI task breakdown (../shared/API.md, "AI task breakdown"; our notes in docs/api-notes.md, "AI breakdown"):
 * a request makes a job, a queue worker fills in its result, the requester reads it (or gets JOB_UPDATED).
 */

export const MIN_SUGGESTIONS = 3;
export const MAX_SUGGESTIONS = 10;
export const DEFAULT_SUGGESTIONS = 5;
export const HINT_MAX = 500;
export const SUGGESTION_DESCRIPTION_MAX = 1_000;

/** `POST /api/tasks/{taskId}/ai-breakdown` `{ maxSubtasks?: 3..10, hint? }` → 202 `{ jobId }`. */
export const aiBreakdownRequestSchema = z.strictObject({
  maxSubtasks: z.int().min(MIN_SUGGESTIONS).max(MAX_SUGGESTIONS).default(DEFAULT_SUGGESTIONS),
  hint: z.string().trim().max(HINT_MAX).optional(),
});
export type AiBreakdownRequest = z.infer<typeof aiBreakdownRequestSchema>;

/** One suggested subtask, as every provider must answer it (and as the job's result holds it). */
export const suggestionSchema = z.strictObject({
  title: z.string().trim().min(1).max(SUBTASK_TITLE_MAX),
  description: z.string().trim().max(SUGGESTION_DESCRIPTION_MAX),
  estimatedHours: z.number().min(0).max(ESTIMATED_HOURS_MAX).nullable(),
  confidence: z.number().min(0).max(1),
  order: z.int().min(1).max(MAX_SUGGESTIONS),
});
export type Suggestion = z.infer<typeof suggestionSchema>;

/**
 * What a model must answer: the structured output (Bedrock's forced tool input, the OpenAI-compatible JSON
 * answer). Validated again here whatever the provider claims; de-duplication and the 3..10 bound on what is
 * left are the domain's (functions/domain/ai-breakdown.ts).
 */
export const modelAnswerSchema = z.strictObject({
  subtasks: z
    .array(suggestionSchema.omit({ order: true }))
    .min(1)
    .max(MAX_SUGGESTIONS * 2),
});
export type ModelAnswer = z.infer<typeof modelAnswerSchema>;

/** The JSON schema a model is held to (Bedrock tool input schema, OpenAI `response_format`). */
export const modelAnswerJsonSchema = z.toJSONSchema(modelAnswerSchema, { target: 'draft-7' }) as Record<
  string,
  unknown
>;

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const AI_PROVIDERS = ['bedrock', 'openai-compatible', 'built-in'] as const;
export type AiProviderName = (typeof AI_PROVIDERS)[number];

export interface BreakdownResult {
  subtasks: Suggestion[];
  provider: AiProviderName;
  model: string;
}

/** `GET /api/jobs/{jobId}`. */
export interface Job {
  id: string;
  type: 'ai-breakdown';
  status: JobStatus;
  progress: number;
  taskId: string;
  workspaceId: string;
  requestedBy: string;
  createdAt: string;
  updatedAt: string;
  result?: BreakdownResult;
  error?: { code: string; message: string };
}

/** The WebSocket frame the requester's connections get when a job changes (`JOB_UPDATED`). */
export interface JobUpdatedEvent {
  type: 'JOB_UPDATED';
  entityId: string;
  actorId: string;
  at: string;
  data: Job;
}
