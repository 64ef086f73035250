import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePorts } from './ports.ts';
import { PORT_VARIABLES } from './settings.ts';
import type { LocalOutputs } from './stack.ts';

export interface SpawnedStack {
  outputs: LocalOutputs;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Runs `npm start`'s entry point as a child process on free ports with its own data folder, and waits for its
 * outputs.json: what the integration tests and the benchmarks run against, exactly as a developer would.
 */
export async function spawnLocalStack(options: {
  root: string;
  dataDir: string;
  web?: boolean;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<SpawnedStack> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const outputsFile = path.join(options.dataDir, 'outputs.json');
  fs.rmSync(outputsFile, { force: true });
  const variables = Object.values(PORT_VARIABLES);
  const ports = await freePorts(variables.length);
  const portEnv = Object.fromEntries(variables.map((variable, i) => [variable, String(ports[i])]));
  const logFile = path.join(options.dataDir, 'stack.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [path.join(options.root, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/start.ts'],
    {
      cwd: options.root,
      env: {
        ...process.env,
        ...portEnv,
        TEAMFLOW_DATA_DIR: options.dataDir,
        TEAMFLOW_WEB: options.web === false ? '0' : '1',
        ...options.env,
      },
      stdio: ['ignore', log, log],
    },
  );
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  while (!fs.existsSync(outputsFile)) {
    if (exitCode !== undefined || Date.now() > deadline) {
      child.kill('SIGKILL');
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`The local stack did not start (exit ${exitCode ?? 'timeout'}):\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const outputs = JSON.parse(fs.readFileSync(outputsFile, 'utf8')) as LocalOutputs;
  return {
    outputs,
    pid: child.pid!,
    logFile,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
