import { cacheVerifiedTokens } from './token-cache.ts';

describe('cacheVerifiedTokens', () => {
  let clock = 1_000_000;
  const now = () => clock;
  const verifier = () => {
    const calls: string[] = [];
    const verify = async (token: string) => {
      calls.push(token);
      if (token.startsWith('bad')) throw new Error('invalid');
      return { claims: { sub: token, exp: (clock + 60_000) / 1000 } };
    };
    return { calls, verify };
  };

  beforeEach(() => {
    clock = 1_000_000;
  });

  it('verifies a token once while it is valid', async () => {
    const { calls, verify } = verifier();
    const cached = cacheVerifiedTokens(verify, { now });
    await cached('a');
    await cached('a');
    expect(calls).toEqual(['a']);
    expect((await cached('a')).claims.sub).toBe('a');
  });

  it('verifies again once the token has expired (and then fails like the verifier would)', async () => {
    const { calls, verify } = verifier();
    const cached = cacheVerifiedTokens(
      async (t) => {
        const result = await verify(t);
        if (calls.length > 1) throw new Error('expired');
        return result;
      },
      { now },
    );
    await cached('a');
    clock += 61_000;
    await expect(cached('a')).rejects.toThrow('expired');
    expect(calls).toEqual(['a', 'a']);
  });

  it('never remembers a failure', async () => {
    const { calls, verify } = verifier();
    const cached = cacheVerifiedTokens(verify, { now });
    await expect(cached('bad')).rejects.toThrow();
    await expect(cached('bad')).rejects.toThrow();
    expect(calls).toEqual(['bad', 'bad']);
  });

  it('keeps at most maxEntries tokens, dropping the oldest', async () => {
    const { calls, verify } = verifier();
    const cached = cacheVerifiedTokens(verify, { now, maxEntries: 2 });
    await cached('a');
    await cached('b');
    await cached('c');
    await cached('a');
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });
});
