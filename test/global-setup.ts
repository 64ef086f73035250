import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnLocalStack, type SpawnedStack } from '../infra/local/spawn.ts';

declare global {
  var __TEAMFLOW_STACK__: SpawnedStack | undefined;
}

/**
 * Starts one local stack for the whole integration run: free ports, a fresh data folder, the web app included
 * (so /config.json and /api are tested through the same origin a browser uses). Tests find it through
 * TEAMFLOW_TEST_OUTPUTS.
 */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'teamflow-test-'));
  const stack = await spawnLocalStack({ root, dataDir, env: { TEAMFLOW_LOG_LEVEL: 'INFO' } });
  globalThis.__TEAMFLOW_STACK__ = stack;
  process.env.TEAMFLOW_TEST_OUTPUTS = path.join(dataDir, 'outputs.json');
  process.env.TEAMFLOW_TEST_DATA_DIR = dataDir;
}
