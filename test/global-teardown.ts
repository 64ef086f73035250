import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__TEAMFLOW_STACK__;
  if (!stack) return;
  await stack.stop();
  if (process.env.TEAMFLOW_KEEP_TEST_DATA !== '1' && process.env.TEAMFLOW_TEST_DATA_DIR) {
    fs.rmSync(process.env.TEAMFLOW_TEST_DATA_DIR, { recursive: true, force: true });
  }
}
