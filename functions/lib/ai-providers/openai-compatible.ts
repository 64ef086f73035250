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

export interface OpenAiCompatibleOptions {
  /** The API root, e.g. `http://127.0.0.1:11434/v1` (Ollama) or `http://127.0.0.1:8080/v1` (llama.cpp). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  maxTokens?: number;
  timeoutMs?: number;
  retry?: RetryPolicy;
  wait?: Sleep;
}

/** An HTTP answer worth another try (rate limited, a server error) or not. */
class HttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

const isRetryable = (error: unknown) =>
  error instanceof HttpError
    ? error.status === 429 || error.status >= 500
    : (error as Error).name === 'TimeoutError' || error instanceof TypeError; // fetch: network failure

interface ChatCompletion {
  choices?: Array<{ message?: { content?: string | null } }>;
  usage?: { total_tokens?: number };
}

/**
 * Any OpenAI-compatible chat completions endpoint (`POST <baseUrl>/chat/completions`), with structured output
 * through `response_format: { type: "json_schema" }`; the answer is parsed and validated with zod again
 * (servers that ignore the schema still cannot slip anything past it).
 */
export function openAiCompatibleProvider(options: OpenAiCompatibleOptions): BreakdownProvider {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  return {
    name: 'openai-compatible',
    model: options.model,
    async breakdown(prompt) {
      const body = JSON.stringify({
        model: options.model,
        temperature: 0.2,
        max_tokens: options.maxTokens ?? 2_000,
        messages: [
          { role: 'system', content: prompt.system },
          { role: 'user', content: prompt.user },
        ],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'subtasks', strict: true, schema: modelAnswerJsonSchema },
        },
      });
      let completion: ChatCompletion;
      try {
        completion = await withRetries(
          async () => {
            const response = await fetch(url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
              },
              body,
              signal: AbortSignal.timeout(options.timeoutMs ?? ATTEMPT_TIMEOUT_MS),
            });
            if (!response.ok) throw new HttpError(response.status);
            return (await response.json()) as ChatCompletion;
          },
          isRetryable,
          options.retry ?? DEFAULT_RETRY,
          options.wait ?? sleep,
        );
      } catch (error) {
        throw new ProviderError(`The model endpoint failed: ${(error as Error).message}`, false);
      }
      const tokens = completion.usage?.total_tokens ?? 0;
      const content = completion.choices?.[0]?.message?.content;
      let json: unknown;
      try {
        json = JSON.parse(content ?? '');
      } catch {
        throw new ProviderError('The model did not answer JSON', true, 'INVALID_ANSWER', tokens);
      }
      const parsed = modelAnswerSchema.safeParse(json);
      if (!parsed.success) {
        throw new ProviderError('The model answered outside the schema', true, 'INVALID_ANSWER', tokens);
      }
      return { answer: parsed.data, tokens };
    },
  };
}
