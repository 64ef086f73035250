import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { physicalFunctionName } from '../definitions.ts';
import { functions, type FunctionName } from '../functions.ts';
import { lambdaContext } from './lambda-context.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export class FunctionTimeoutError extends Error {}

/**
 * Runs the functions of infra/functions.ts in this process, as Lambda would: the entry module is loaded once
 * (a warm container), each invocation gets a fresh Context and the function's timeout.
 */
export class LocalFunctionRuntime {
  private readonly modules = new Map<FunctionName, Promise<Handler>>();

  constructor(
    private readonly root: string,
    private readonly stage: string,
    private readonly region: string,
  ) {}

  physicalName(name: FunctionName): string {
    return physicalFunctionName(this.stage, name);
  }

  /** The registry name for a physical function name (`teamflow-local-me` → `me`), if it is one of ours. */
  fromPhysicalName(physical: string): FunctionName | undefined {
    const prefix = physicalFunctionName(this.stage, '');
    const name = physical.startsWith(prefix) ? physical.slice(prefix.length) : physical;
    return name in functions ? (name as FunctionName) : undefined;
  }

  handler(name: FunctionName): Promise<Handler> {
    let loaded = this.modules.get(name);
    if (!loaded) {
      const file = path.join(this.root, functions[name].entry);
      loaded = import(pathToFileURL(file).href).then(
        (mod: { handler?: Handler; default?: { handler?: Handler } }) => {
          const handler = mod.handler ?? mod.default?.handler;
          if (typeof handler !== 'function') throw new Error(`${file} does not export a handler`);
          return handler;
        },
      );
      this.modules.set(name, loaded);
    }
    return loaded;
  }

  async invoke<R = unknown>(name: FunctionName, event: unknown): Promise<R> {
    const handler = await this.handler(name);
    const { timeoutSeconds } = functions[name];
    const context = lambdaContext(this.physicalName(name), timeoutSeconds, this.region);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new FunctionTimeoutError(`Task timed out after ${timeoutSeconds} seconds`)),
        timeoutSeconds * 1000,
      );
    });
    try {
      return (await Promise.race([handler(event, context), timeout])) as R;
    } finally {
      clearTimeout(timer);
    }
  }
}
