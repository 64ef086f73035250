import { AppError, ValidationError } from './errors.ts';
import {
  fingerprintOf,
  idempotencyKeyOf,
  runIdempotently,
  type IdempotencyRecord,
  type IdempotencyStore,
  type StoredAnswer,
} from './idempotency.ts';

const KEY = '3b241101-e2bb-4255-8caf-4136c566a962';

/** A store with the real one's rules: one claim per key, the answer kept only by its own claim. */
function memoryStore() {
  const records = new Map<string, IdempotencyRecord>();
  const store: IdempotencyStore = {
    claim: async (userId, key, fingerprint) => {
      if (records.has(`${userId}|${key}`)) return false;
      records.set(`${userId}|${key}`, { fingerprint, state: 'pending' });
      return true;
    },
    read: async (userId, key) => records.get(`${userId}|${key}`),
    complete: async (userId, key, fingerprint, answer) => {
      records.set(`${userId}|${key}`, { fingerprint, state: 'done', answer });
    },
    release: async (userId, key) => {
      records.delete(`${userId}|${key}`);
    },
  };
  return { store, records };
}

const answer = (statusCode: number, body = '{}'): StoredAnswer => ({ statusCode, headers: {}, body });
const request = { userId: 'u', key: KEY, fingerprint: 'f', nowSeconds: 1000 };

describe('idempotencyKeyOf', () => {
  it('reads the key of a change, lower-cased, and ignores it on reads', () => {
    expect(idempotencyKeyOf('POST', { 'idempotency-key': KEY.toUpperCase() })).toBe(KEY);
    expect(idempotencyKeyOf('GET', { 'idempotency-key': KEY })).toBeUndefined();
    expect(idempotencyKeyOf('PATCH', {})).toBeUndefined();
  });

  it('refuses a key that is not a UUID, naming the header', () => {
    expect(() => idempotencyKeyOf('DELETE', { 'idempotency-key': 'abc' })).toThrow(ValidationError);
  });
});

describe('fingerprintOf', () => {
  const base = { routeKey: 'POST /api/x', path: { id: '1' }, query: {} };
  it('is the same for one JSON body in any key order and differs for another body or route', () => {
    const a = fingerprintOf({ ...base, rawBody: '{"a":1,"b":{"c":2,"d":3}}' });
    expect(fingerprintOf({ ...base, rawBody: '{ "b": { "d": 3, "c": 2 }, "a": 1 }' })).toBe(a);
    expect(fingerprintOf({ ...base, rawBody: '{"a":2,"b":{"c":2,"d":3}}' })).not.toBe(a);
    expect(
      fingerprintOf({ ...base, routeKey: 'POST /api/y', rawBody: '{"a":1,"b":{"c":2,"d":3}}' }),
    ).not.toBe(a);
    expect(fingerprintOf({ ...base, rawBody: 'not json' })).not.toBe(
      fingerprintOf({ ...base, rawBody: 'not  json' }),
    );
  });
});

describe('runIdempotently', () => {
  it('runs once and replays the kept answer, marked as a replay', async () => {
    const { store } = memoryStore();
    const work = jest.fn(async () => answer(201, '{"id":"t1"}'));
    expect(await runIdempotently(store, request, work)).toEqual(answer(201, '{"id":"t1"}'));
    expect(await runIdempotently(store, request, work)).toEqual({
      statusCode: 201,
      headers: { 'idempotent-replayed': 'true' },
      body: '{"id":"t1"}',
    });
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('refuses another request with the key, and a repeat while the first still runs', async () => {
    const { store, records } = memoryStore();
    await runIdempotently(store, request, async () => answer(200));
    await expect(
      runIdempotently(store, { ...request, fingerprint: 'g' }, async () => answer(200)),
    ).rejects.toThrow('different request');
    records.set(`u|${KEY}`, { fingerprint: 'f', state: 'pending' });
    const busy = await runIdempotently(store, request, async () => answer(200)).catch((e: AppError) => e);
    expect(busy).toBeInstanceOf(AppError);
    expect((busy as AppError).headers).toEqual({ 'retry-after': '1' });
  });

  it('keeps the caller’s own errors but frees the key after a 5xx or 429, so a retry runs again', async () => {
    for (const [status, kept] of [
      [409, true],
      [400, true],
      [429, false],
      [500, false],
    ] as const) {
      const { store, records } = memoryStore();
      await runIdempotently(store, request, async () => answer(status));
      expect(records.has(`u|${KEY}`)).toBe(kept);
    }
    const { store, records } = memoryStore();
    await expect(
      runIdempotently(store, request, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(records.size).toBe(0);
  });
});
