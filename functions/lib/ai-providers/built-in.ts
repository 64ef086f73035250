import { builtInPlan } from '#functions/domain/ai-planner';
import type { BreakdownProvider } from '#functions/domain/ai-breakdown';

/**
 * The planner without a model (the local default, and a stage's choice when no model is configured): steps from
 * the task's own text (functions/domain/ai-planner.ts). It costs no tokens and says it is "built-in".
 */
export const builtInProvider: BreakdownProvider = {
  name: 'built-in',
  model: 'built-in-planner-1',
  breakdown: async (_prompt, input) => ({ answer: builtInPlan(input), tokens: 0 }),
};
