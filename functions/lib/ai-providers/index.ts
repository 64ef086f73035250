import type { BreakdownProvider } from '#functions/domain/ai-breakdown';
import { aiConfig } from '../ai-config.ts';
import { bedrockProvider } from './bedrock.ts';
import { builtInProvider } from './built-in.ts';
import { openAiCompatibleProvider } from './openai-compatible.ts';

/** The provider the stage's settings name (AI_PROVIDER); built-in when none is configured. */
export function providerFromConfig(): BreakdownProvider {
  const settings = aiConfig.provider;
  switch (settings.provider) {
    case 'bedrock':
      return bedrockProvider({ modelId: settings.model });
    case 'openai-compatible':
      return openAiCompatibleProvider(settings);
    case 'built-in':
      return builtInProvider;
  }
}
