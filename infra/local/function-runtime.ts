import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { physicalFunctionName } from '../definitions.ts';
import { functions, type FunctionName } from '../functions.ts';
import { invokeWithTimeout, type LambdaHandler } from './invoke.ts';

type Handler = LambdaHandler;

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

  /** The function's handler, loaded once; the caller says which event and result types it deals in. */
  handler<E = unknown, R = unknown>(name: FunctionName): Promise<LambdaHandler<E, R>> {
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
    return loaded as Promise<LambdaHandler<E, R>>;
  }

  async invoke<R = unknown>(name: FunctionName, event: unknown): Promise<R> {
    const handler = await this.handler(name);
    return invokeWithTimeout(handler, event, {
      functionName: this.physicalName(name),
      timeoutSeconds: functions[name].timeoutSeconds,
      region: this.region,
    }) as Promise<R>;
  }
}
