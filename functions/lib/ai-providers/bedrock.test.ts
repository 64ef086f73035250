import {
  AccessDeniedException,
  ThrottlingException,
  ValidationException,
  type ConverseCommand,
  type ConverseCommandOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { ProviderError } from '#functions/domain/ai-breakdown';
import { buildPrompt, type BreakdownInput } from '#functions/domain/ai-planner';
import { BREAKDOWN_TOOL, bedrockProvider, type ConverseSender } from './bedrock.ts';

const input: BreakdownInput = {
  title: 'Ship the mobile app',
  description: null,
  existingSubtasks: [],
  maxSubtasks: 5,
};
const prompt = buildPrompt(input);
const MODEL = 'amazon.nova-micro-v1:0';

/** A Converse answer as Bedrock returns it when the model calls the forced tool (recorded shape). */
const toolUseResponse = (toolInput: unknown, name = BREAKDOWN_TOOL): ConverseCommandOutput => ({
  $metadata: { httpStatusCode: 200, requestId: 'b6a4c1d2-0000-4000-8000-000000000001', attempts: 1 },
  output: {
    message: {
      role: 'assistant',
      content: [
        { toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name, input: toolInput as never } },
      ],
    },
  },
  stopReason: 'tool_use',
  usage: { inputTokens: 412, outputTokens: 188, totalTokens: 600 },
  metrics: { latencyMs: 1203 },
});

const ANSWER = {
  subtasks: [
    {
      title: 'Set up the release pipeline',
      description: 'CI builds signed bundles.',
      estimatedHours: 4,
      confidence: 0.8,
    },
    {
      title: 'Prepare store listings',
      description: 'Screenshots and texts.',
      estimatedHours: 3,
      confidence: 0.7,
    },
    { title: 'Run a beta', description: 'Invite 20 testers.', estimatedHours: null, confidence: 0.6 },
  ],
};

const meta = { $metadata: { httpStatusCode: 429 } };

function client(...answers: Array<ConverseCommandOutput | Error>) {
  const commands: ConverseCommand[] = [];
  const sender: ConverseSender = {
    send: async (command) => {
      commands.push(command);
      const next = answers.shift();
      if (!next) throw new Error('no more recorded answers');
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return { sender, commands };
}

const noWait = async () => undefined;

describe('the Bedrock provider', () => {
  it('forces the tool whose input schema is the answer schema, and returns the validated tool input', async () => {
    const { sender, commands } = client(toolUseResponse(ANSWER));
    const provider = bedrockProvider({ modelId: MODEL, client: sender, wait: noWait });
    await expect(provider.breakdown(prompt, input)).resolves.toEqual({ answer: ANSWER, tokens: 600 });
    const sent = commands[0]!.input;
    expect(sent.modelId).toBe(MODEL);
    expect(sent.system).toEqual([{ text: prompt.system }]);
    expect(sent.messages).toEqual([{ role: 'user', content: [{ text: prompt.user }] }]);
    expect(sent.toolConfig?.toolChoice).toEqual({ tool: { name: BREAKDOWN_TOOL } });
    const schema = sent.toolConfig?.tools?.[0]?.toolSpec?.inputSchema?.json as { required: string[] };
    expect(schema.required).toEqual(['subtasks']);
    expect(provider).toMatchObject({ name: 'bedrock', model: MODEL });
  });

  it('retries throttling with backoff, then succeeds', async () => {
    const throttled = () => new ThrottlingException({ message: 'Too many requests', ...meta });
    const { sender, commands } = client(throttled(), throttled(), toolUseResponse(ANSWER));
    const waits: number[] = [];
    const provider = bedrockProvider({
      modelId: MODEL,
      client: sender,
      wait: async (ms) => void waits.push(ms),
      retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
    });
    await expect(provider.breakdown(prompt, input)).resolves.toMatchObject({ tokens: 600 });
    expect(commands).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeLessThan(100);
    expect(waits[1]).toBeLessThan(200);
  });

  it('gives up after the last attempt, as a failure without an answer (the quota is given back)', async () => {
    const throttled = () => new ThrottlingException({ message: 'Too many requests', ...meta });
    const { sender, commands } = client(throttled(), throttled(), throttled());
    const provider = bedrockProvider({
      modelId: MODEL,
      client: sender,
      wait: noWait,
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const error = await provider.breakdown(prompt, input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ answered: false, code: 'PROVIDER_UNAVAILABLE' });
    expect(commands).toHaveLength(3);
  });

  it.each([
    [
      'a validation error',
      () => new ValidationException({ message: 'Malformed input request', $metadata: {} }),
    ],
    [
      'an access error',
      () => new AccessDeniedException({ message: 'No access to the model', $metadata: {} }),
    ],
  ])('fails fast on %s', async (_what, make) => {
    const { sender, commands } = client(make(), toolUseResponse(ANSWER));
    const provider = bedrockProvider({ modelId: MODEL, client: sender, wait: noWait });
    await expect(provider.breakdown(prompt, input)).rejects.toMatchObject({ answered: false });
    expect(commands).toHaveLength(1);
  });

  it('refuses a tool input outside the schema (an answer: its tokens count, the quota is kept)', async () => {
    const { sender } = client(toolUseResponse({ subtasks: [{ title: 'Only a title' }], note: 'extra' }));
    const provider = bedrockProvider({ modelId: MODEL, client: sender, wait: noWait });
    await expect(provider.breakdown(prompt, input)).rejects.toMatchObject({
      answered: true,
      code: 'INVALID_ANSWER',
      tokens: 600,
    });
  });

  it('refuses an answer that is text instead of the tool', async () => {
    const text: ConverseCommandOutput = {
      ...toolUseResponse(ANSWER),
      output: { message: { role: 'assistant', content: [{ text: 'Sure! Here is a poem.' }] } },
      stopReason: 'end_turn',
    };
    const { sender } = client(text);
    const provider = bedrockProvider({ modelId: MODEL, client: sender, wait: noWait });
    await expect(provider.breakdown(prompt, input)).rejects.toMatchObject({ answered: true });
  });
});
