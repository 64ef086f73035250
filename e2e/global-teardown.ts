import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__TEAMFLOW_E2E__;
  if (!state) return;
  await Promise.allSettled([state.browser?.close(), state.stack?.stop()]);
  if (process.env.TEAMFLOW_KEEP_TEST_DATA !== '1') fs.rmSync(state.dataDir, { recursive: true, force: true });
}
