import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnLocalStack } from '../infra/local/spawn.ts';

/** A second start on the same data folder finds users, tokens' pool and profiles as they were. */
describe('restart', () => {
  it('keeps every user and profile across a restart', async () => {
    const root = path.resolve(__dirname, '..');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'teamflow-restart-'));
    const env = { TEAMFLOW_ACCESS_LOG: '0' };
    const previous = process.env.TEAMFLOW_TEST_OUTPUTS;
    const support = await import('./support.ts');
    try {
      const first = await spawnLocalStack({ root, dataDir, web: false, env });
      process.env.TEAMFLOW_TEST_OUTPUTS = path.join(dataDir, 'outputs.json');
      const user = await support.signUpUser('Before Restart');
      await support.api('/me', { method: 'PATCH', token: user.idToken, body: { timezone: 'Asia/Tokyo' } });
      await first.stop();

      const second = await spawnLocalStack({ root, dataDir, web: false, env });
      try {
        expect(second.outputs.userPoolId).toBe(first.outputs.userPoolId);
        expect(second.outputs.userPoolClientId).toBe(first.outputs.userPoolClientId);
        const again = await support.signIn(user.email, user.password);
        const me = await support.api('/me', { token: again.idToken });
        expect(me.status).toBe(200);
        expect(me.body).toMatchObject({
          id: user.userId,
          name: 'Before Restart',
          timezone: 'Asia/Tokyo',
          version: 2,
        });
      } finally {
        await second.stop();
      }
    } finally {
      process.env.TEAMFLOW_TEST_OUTPUTS = previous;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
