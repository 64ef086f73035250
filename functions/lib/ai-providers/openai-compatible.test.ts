import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildPrompt, type BreakdownInput } from '#functions/domain/ai-planner';
import { openAiCompatibleProvider } from './openai-compatible.ts';

/**
 * The adapter against a small HTTP server that speaks the OpenAI chat completions API (as Ollama and llama.cpp
 * do), started here on a free port: each test queues the answers the server gives, and reads what it was sent.
 */

interface Answer {
  status: number;
  body: unknown;
}

let server: http.Server;
let baseUrl: string;
let answers: Answer[] = [];
let received: Array<{ path: string; headers: http.IncomingHttpHeaders; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      });
      const answer = answers.shift() ?? { status: 500, body: { error: { message: 'no answer queued' } } };
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  answers = [];
  received = [];
});

const input: BreakdownInput = {
  title: 'Plan the offsite',
  description: null,
  existingSubtasks: [],
  maxSubtasks: 4,
};
const prompt = buildPrompt(input);
const ANSWER = {
  subtasks: [
    { title: 'Pick a venue', description: 'Three options.', estimatedHours: 2, confidence: 0.7 },
    { title: 'Book travel', description: 'For everyone.', estimatedHours: 3, confidence: 0.6 },
    { title: 'Write the agenda', description: 'Two days.', estimatedHours: null, confidence: 0.5 },
  ],
};
const completion = (content: string, totalTokens = 321) => ({
  status: 200,
  body: {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'llama3.2:3b',
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
    usage: { prompt_tokens: 200, completion_tokens: 121, total_tokens: totalTokens },
  },
});
const provider = (over: { apiKey?: string } = {}) =>
  openAiCompatibleProvider({
    baseUrl,
    model: 'llama3.2:3b',
    ...over,
    wait: async () => undefined,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
  });

describe('the OpenAI-compatible provider', () => {
  it('posts a chat completion with the JSON schema as response_format, and returns the validated answer', async () => {
    answers.push(completion(JSON.stringify(ANSWER)));
    await expect(provider({ apiKey: 'sk-local' }).breakdown(prompt, input)).resolves.toEqual({
      answer: ANSWER,
      tokens: 321,
    });
    const [request] = received;
    expect(request!.path).toBe('/v1/chat/completions');
    expect(request!.headers.authorization).toBe('Bearer sk-local');
    expect(request!.body).toMatchObject({
      model: 'llama3.2:3b',
      messages: [
        { role: 'system', content: prompt.system },
        { role: 'user', content: prompt.user },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'subtasks', strict: true } },
    });
  });

  it('sends no Authorization header without a key', async () => {
    answers.push(completion(JSON.stringify(ANSWER)));
    await provider().breakdown(prompt, input);
    expect(received[0]!.headers.authorization).toBeUndefined();
  });

  it('retries a 429 and a 503, then succeeds', async () => {
    answers.push({ status: 429, body: {} }, { status: 503, body: {} }, completion(JSON.stringify(ANSWER)));
    await expect(provider().breakdown(prompt, input)).resolves.toMatchObject({ tokens: 321 });
    expect(received).toHaveLength(3);
  });

  it('fails fast on a 401 (no answer: the quota is given back)', async () => {
    answers.push(
      { status: 401, body: { error: { message: 'bad key' } } },
      completion(JSON.stringify(ANSWER)),
    );
    await expect(provider().breakdown(prompt, input)).rejects.toMatchObject({ answered: false });
    expect(received).toHaveLength(1);
  });

  it('refuses prose and JSON outside the schema (answers: the quota is kept)', async () => {
    answers.push(completion('Here are some ideas: 1. venue 2. travel'));
    await expect(provider().breakdown(prompt, input)).rejects.toMatchObject({
      answered: true,
      code: 'INVALID_ANSWER',
      tokens: 321,
    });
    answers.push(completion(JSON.stringify({ steps: ['venue'] })));
    await expect(provider().breakdown(prompt, input)).rejects.toMatchObject({ answered: true });
  });

  it('reports an endpoint nobody listens on as unavailable', async () => {
    const gone = openAiCompatibleProvider({
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'm',
      wait: async () => undefined,
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    await expect(gone.breakdown(prompt, input)).rejects.toMatchObject({ answered: false });
  });
});
