import {
  BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { modelAnswerJsonSchema, modelAnswerSchema } from '#shared/schemas/ai';
import { ProviderError, type BreakdownProvider } from '#functions/domain/ai-breakdown';
import {
  ATTEMPT_TIMEOUT_MS,
  DEFAULT_RETRY,
  sleep,
  withRetries,
  type RetryPolicy,
  type Sleep,
} from './retry.ts';

/** The one tool the model is made to call: its input schema is the answer's JSON schema. */
export const BREAKDOWN_TOOL = 'record_subtasks';

/** Bedrock's passing failures: worth another try after a pause. Everything else (validation, access) is not. */
const RETRYABLE = new Set([
  'TimeoutError',
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelNotReadyException',
  'ModelTimeoutException',
]);

function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return RETRYABLE.has(e.name ?? '') || (e.$metadata?.httpStatusCode ?? 0) >= 500;
}

/** What sends Converse: the Bedrock Runtime client (its own retries off: ours back off with jitter). */
export interface ConverseSender {
  send(command: ConverseCommand): Promise<ConverseCommandOutput>;
}

export interface BedrockOptions {
  modelId: string;
  maxTokens?: number;
  client?: ConverseSender;
  retry?: RetryPolicy;
  wait?: Sleep;
}

/**
 * Amazon Bedrock through Converse, with structured output: one tool whose input schema is the answer's JSON
 * schema, and `toolChoice` forcing the model to call it, so the answer is that tool's input (validated with
 * zod again: a model can still send something else).
 */
export function bedrockProvider(options: BedrockOptions): BreakdownProvider {
  const client: ConverseSender =
    options.client ??
    new BedrockRuntimeClient({ maxAttempts: 1, requestHandler: { requestTimeout: ATTEMPT_TIMEOUT_MS } });
  return {
    name: 'bedrock',
    model: options.modelId,
    async breakdown(prompt) {
      const command = new ConverseCommand({
        modelId: options.modelId,
        system: [{ text: prompt.system }],
        messages: [{ role: 'user', content: [{ text: prompt.user }] }],
        inferenceConfig: { maxTokens: options.maxTokens ?? 2_000, temperature: 0.2 },
        toolConfig: {
          tools: [
            {
              toolSpec: {
                name: BREAKDOWN_TOOL,
                description: 'Records the subtasks of the task, in the order they should be done.',
                inputSchema: { json: modelAnswerJsonSchema as never },
              },
            },
          ],
          toolChoice: { tool: { name: BREAKDOWN_TOOL } },
        },
      });
      let output: ConverseCommandOutput;
      try {
        output = await withRetries(
          () => client.send(command),
          isRetryable,
          options.retry ?? DEFAULT_RETRY,
          options.wait ?? sleep,
        );
      } catch (error) {
        const name = (error as Error).name;
        throw new ProviderError(`Bedrock refused or failed: ${name}`, false, 'PROVIDER_UNAVAILABLE');
      }
      const tokens = output.usage?.totalTokens ?? 0;
      const toolUse = output.output?.message?.content?.find((block) => block.toolUse)?.toolUse;
      if (!toolUse || toolUse.name !== BREAKDOWN_TOOL) {
        throw new ProviderError('The model did not answer through the tool', true, 'INVALID_ANSWER', tokens);
      }
      const parsed = modelAnswerSchema.safeParse(toolUse.input);
      if (!parsed.success) {
        throw new ProviderError('The model answered outside the schema', true, 'INVALID_ANSWER', tokens);
      }
      return { answer: parsed.data, tokens };
    },
  };
}
