import { randomUUID } from 'node:crypto';
import { keys } from '#functions/store/keys';
import { RateCounter } from '#functions/store/rate-limiter';
import {
  createProject,
  createTask,
  createWorkspace,
  db,
  storedItem,
  storedProject,
  table,
} from './fixtures.ts';
import { api, expectErrorShape, signUpUser, uniqueIp } from './support.ts';

/** Runs `burst` until the whole burst fell in one rate window (a burst across a minute boundary is retried). */
async function inOneWindow<T>(burst: () => Promise<T>): Promise<T> {
  for (;;) {
    const minute = Math.floor(Date.now() / 60_000);
    const result = await burst();
    if (Math.floor(Date.now() / 60_000) === minute) return result;
  }
}

describe('rate limits', () => {
  it('answers a user over 100 requests a minute with 429 and Retry-After, and others not at all', async () => {
    const busy = await signUpUser();
    const calm = await signUpUser();
    const statuses = await inOneWindow(() =>
      Promise.all(Array.from({ length: 110 }, () => api('/me', { token: busy.idToken }).then((r) => r))),
    );
    const ok = statuses.filter((r) => r.status === 200);
    const limited = statuses.filter((r) => r.status === 429);
    // A fresh user's budget may have been touched by sign-up's first calls; at most 100 pass in a window.
    expect(ok.length).toBeLessThanOrEqual(100);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expectErrorShape(limited[0]!.body, 'RATE_LIMITED');
    const retryAfter = Number(limited[0]!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await api('/me', { token: calm.idToken })).status).toBe(200);
  });

  it('a refused write writes nothing: no task, no number taken, its Idempotency-Key still free', async () => {
    const busy = await signUpUser();
    const workspaceId = await createWorkspace(busy, 'Busy');
    const projectId = await createProject(busy, workspaceId);
    await createTask(busy, projectId, { title: 'Before' });
    const key = randomUUID();
    const creates = await inOneWindow(async () => {
      await Promise.all(Array.from({ length: 105 }, () => api('/me', { token: busy.idToken })));
      return Promise.all(
        Array.from({ length: 3 }, (_, i) =>
          api(`/projects/${projectId}/tasks`, {
            method: 'POST',
            token: busy.idToken,
            body: { title: `Refused ${i}` },
            headers: i === 0 ? { 'idempotency-key': key } : {},
          }),
        ),
      );
    });
    expect(creates.map((r) => r.status)).toEqual([429, 429, 429]);
    expectErrorShape(creates[0]!.body, 'RATE_LIMITED');
    expect(await storedProject(workspaceId, projectId)).toMatchObject({ taskSeq: 1, taskCount: 1 });
    expect(await storedItem(keys.idempotency(busy.userId, key))).toBeUndefined();
  });

  it('takes shares of a window from the shared counter, what is left at the end, and never more than the limit', async () => {
    const counter = new RateCounter(db(), table());
    const windowStart = Math.floor(Date.now() / 60_000) * 60;
    const subject = `test:${randomUUID()}`;
    const takes = [];
    for (let i = 0; i < 4; i++) takes.push(await counter.take(subject, 25, 10, windowStart, 60));
    expect(takes).toEqual([10, 10, 5, 0]);
    expect(await storedItem(keys.rateCounter(subject, windowStart))).toMatchObject({
      count: 25,
      ttl: windowStart + 120,
    });
    // Takes racing for the same counter: together exactly the limit, none past it.
    const raced = `test:${randomUUID()}`;
    const shares = await Promise.all(
      Array.from({ length: 20 }, () => counter.take(raced, 50, 7, windowStart, 60)),
    );
    expect(shares.reduce((a, b) => a + b, 0)).toBe(50);
    expect(await storedItem(keys.rateCounter(raced, windowStart))).toMatchObject({ count: 50 });
  });

  it('allows 10 invitation accepts a minute from one address', async () => {
    const user = await signUpUser();
    const ip = uniqueIp();
    const statuses = await inOneWindow(async () => {
      const results: number[] = [];
      for (let i = 0; i < 12; i++) {
        const token = `${'Z'.repeat(40)}${String(i).padStart(3, '0')}`;
        results.push(
          (await api(`/invitations/${token}/accept`, { method: 'POST', token: user.idToken, fromIp: ip }))
            .status,
        );
      }
      return results;
    });
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(404));
    expect(statuses.slice(10)).toEqual([429, 429]);
    // Another address is not affected.
    const other = await api(`/invitations/${'Y'.repeat(43)}/accept`, {
      method: 'POST',
      token: user.idToken,
      fromIp: uniqueIp(),
    });
    expect(other.status).toBe(404);
  });
});
