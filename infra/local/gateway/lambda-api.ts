import http from 'node:http';
import type { LocalFunctionRuntime } from '../function-runtime.ts';

/**
 * A minimal Lambda `Invoke` API (`POST /2015-03-31/functions/{name}/invocations`, RequestResponse) so that the
 * Cognito emulator can call our trigger functions by name, as Cognito calls Lambda in the cloud. A function
 * error is a 200 with `X-Amz-Function-Error: Unhandled`, as Lambda answers.
 */
export function startLambdaApi(options: { host: string; port: number; runtime: LocalFunctionRuntime }) {
  const server = http.createServer(async (req, res) => {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body ?? null);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(text);
    };
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    const name = match ? options.runtime.fromPhysicalName(decodeURIComponent(match[1]!)) : undefined;
    if (req.method !== 'POST' || !name) {
      return reply(
        404,
        { Type: 'User', message: 'Function not found' },
        {
          'x-amzn-errortype': 'ResourceNotFoundException',
        },
      );
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let event: unknown = {};
    try {
      if (raw) event = JSON.parse(raw);
    } catch {
      // Lambda refuses a payload that is not JSON before the function runs; it is not a function error.
      return reply(
        400,
        { Type: 'User', message: 'Could not parse request body into json' },
        { 'x-amzn-errortype': 'InvalidRequestContentException' },
      );
    }
    try {
      const result = await options.runtime.invoke(name, event);
      reply(200, result, { 'x-amz-executed-version': '$LATEST' });
    } catch (error) {
      const err = error as Error;
      console.error(`[lambda] ${name} failed:`, err);
      reply(200, { errorType: err.name, errorMessage: err.message }, { 'x-amz-function-error': 'Unhandled' });
    }
  });
  return new Promise<http.Server>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
