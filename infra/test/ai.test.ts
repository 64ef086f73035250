/**
 * The AI breakdown's infrastructure: the worker on the `ai` queue, the stage's AI settings in every function's
 * environment, and Bedrock permission for the stage's one model only, on the worker only. (The queue, its DLQ,
 * the DLQ alarm, the mapping and the function's alarms are covered by the generic tests of stacks.test.ts and
 * delivery.test.ts, which iterate over infra/definitions.ts and infra/functions.ts.)
 */
import { readStageConfig, StageConfigError } from '../stage-config.ts';
import { cdkContext, resources, synthStage, type Synthesized } from './synth.ts';

const MODEL = 'amazon.nova-micro-v1:0';
const stages = cdkContext.stages as Record<string, Record<string, unknown>>;

/** Every [function name, IAM actions and resources] of the Api stack. */
function statementsByFunction(synth: Synthesized): Array<[string, string, string]> {
  const functionsByRole = new Map(
    resources(synth.api, 'AWS::Lambda::Function').map(([, fn]) => [
      JSON.stringify(fn.Properties.Role),
      fn.Properties.FunctionName as string,
    ]),
  );
  return resources(synth.api, 'AWS::IAM::Policy').flatMap(([, policy]) => {
    const roles = policy.Properties.Roles as Array<{ Ref: string }>;
    const names = roles.map(
      (role) => functionsByRole.get(JSON.stringify({ 'Fn::GetAtt': [role.Ref, 'Arn'] })) ?? role.Ref,
    );
    const document = policy.Properties.PolicyDocument as {
      Statement: Array<{ Action: string | string[]; Resource: unknown }>;
    };
    return names.flatMap((name) =>
      document.Statement.flatMap((statement) =>
        [statement.Action]
          .flat()
          .map((action) => [name, action, JSON.stringify(statement.Resource)] as [string, string, string]),
      ),
    );
  });
}

describe('AI breakdown infrastructure', () => {
  const bedrock = synthStage('dev', {
    stages: {
      ...stages,
      dev: { ...stages.dev, ai: { provider: 'bedrock', model: MODEL, requestsPerHour: 10 } },
    },
  });
  const builtIn = synthStage('staging');

  test('the worker may invoke the configured Bedrock model and nothing else; no other function may', () => {
    const invokes = statementsByFunction(bedrock).filter(([, action]) => action.startsWith('bedrock:'));
    expect(invokes).toEqual([
      [
        'teamflow-dev-ai-worker',
        'bedrock:InvokeModel',
        expect.stringContaining(`:foundation-model/${MODEL}`),
      ],
    ]);
    expect(invokes[0]![2]).not.toContain('*');
    expect(invokes[0]![2]).toContain(':bedrock:eu-west-1::foundation-model/amazon.nova-micro-v1:0"');
  });

  test('with the built-in planner no function may invoke any model', () => {
    expect(statementsByFunction(builtIn).filter(([, action]) => action.startsWith('bedrock:'))).toEqual([]);
  });

  test('only the ai function may queue AI jobs', () => {
    const senders = statementsByFunction(bedrock)
      .filter(([, action, resource]) => action === 'sqs:SendMessage' && resource.includes('aiqueue'))
      .map(([name]) => name);
    expect([...new Set(senders)]).toEqual(['teamflow-dev-ai']);
  });

  test("every function gets the stage's AI settings and the queue's URL", () => {
    for (const [, fn] of resources(bedrock.api, 'AWS::Lambda::Function')) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables).toMatchObject({
        AI_PROVIDER: 'bedrock',
        AI_MODEL: MODEL,
        AI_REQUESTS_PER_HOUR: '10',
        AI_MONTHLY_TOKENS: '200000',
      });
      expect(JSON.stringify(variables.AI_QUEUE_URL)).toContain('aiqueue');
    }
    for (const [, fn] of resources(builtIn.api, 'AWS::Lambda::Function')) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables).toMatchObject({ AI_PROVIDER: 'built-in', AI_REQUESTS_PER_HOUR: '20' });
      expect(variables.AI_MODEL).toBeUndefined();
    }
  });

  test('a Bedrock stage must name its model, as a Bedrock model id', () => {
    const read = (ai: unknown) => readStageConfig({ stage: 'dev', stages: { dev: { ...stages.dev, ai } } });
    expect(() => read({ provider: 'bedrock' })).toThrow(StageConfigError);
    expect(() => read({ provider: 'bedrock' })).toThrow(/ai\.model/);
    expect(() => read({ provider: 'bedrock', model: 'arn:aws:bedrock:*' })).toThrow(/Bedrock model id/);
    expect(() => read({ provider: 'openai', model: MODEL })).toThrow(/ai\.provider/);
    expect(read({ provider: 'bedrock', model: MODEL }).ai).toEqual({
      provider: 'bedrock',
      model: MODEL,
      requestsPerHour: 20,
      monthlyTokens: 200_000,
    });
  });
});
