import type { AiProviderName } from '#shared/schemas/ai';

export type ProviderSettings =
  | { provider: 'bedrock'; model: string }
  | { provider: 'openai-compatible'; baseUrl: string; model: string; apiKey?: string }
  | { provider: 'built-in' };

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

function count(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number, got "${value}"`);
  return value;
}

/**
 * The AI breakdown's settings, from the environment the stack gives the functions (infra/stacks/api-stack.ts
 * from the stage's `ai` settings in cdk.json; infra/local/stack.ts from TEAMFLOW_AI_* locally). Read when
 * needed, so a missing value fails loudly, by name.
 */
export const aiConfig = {
  get queueUrl() {
    return required('AI_QUEUE_URL');
  },
  /** Requests a workspace an hour (../shared/API.md: 20); 0 switches the limit off. */
  get requestsPerHour() {
    return count('AI_REQUESTS_PER_HOUR', 20);
  },
  /** Model tokens a workspace a month; 0: no budget. */
  get monthlyTokens() {
    return count('AI_MONTHLY_TOKENS', 200_000);
  },
  get provider(): ProviderSettings {
    const provider = (process.env.AI_PROVIDER ?? 'built-in') as AiProviderName;
    switch (provider) {
      case 'bedrock':
        return { provider, model: required('AI_MODEL') };
      case 'openai-compatible':
        return {
          provider,
          baseUrl: required('AI_BASE_URL'),
          model: required('AI_MODEL'),
          ...(process.env.AI_API_KEY ? { apiKey: process.env.AI_API_KEY } : {}),
        };
      case 'built-in':
        return { provider };
      default:
        throw new Error(
          `AI_PROVIDER must be bedrock, openai-compatible or built-in, got "${String(provider)}"`,
        );
    }
  },
};
