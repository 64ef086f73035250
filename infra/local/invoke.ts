import type { Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.ts';

export type LambdaHandler<E = unknown, R = unknown> = (event: E, context: Context) => Promise<R>;

export class FunctionTimeoutError extends Error {}

/**
 * Invokes a handler as Lambda would: a fresh JSON copy of the event (what a handler mutates never leaks into a
 * retry), a new Context, and the function's timeout. A timed-out handler cannot be killed like a sandbox; its
 * late outcome is ignored.
 */
export async function invokeWithTimeout<E, R>(
  handler: LambdaHandler<E, R>,
  event: E,
  options: { functionName: string; timeoutSeconds: number; region: string },
): Promise<R> {
  const context = lambdaContext(options.functionName, options.timeoutSeconds, options.region);
  const invocation = Promise.resolve().then(() => handler(structuredClone(event), context));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FunctionTimeoutError(`Task timed out after ${options.timeoutSeconds} seconds`)),
      options.timeoutSeconds * 1000,
    );
  });
  try {
    return await Promise.race([invocation, timeout]);
  } catch (error) {
    if (error instanceof FunctionTimeoutError) invocation.catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (so a stopping poller does not wait out its pauses). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function errorMessage(error: unknown): string {
  if (error instanceof FunctionTimeoutError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
