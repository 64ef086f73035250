import type { TokenVerifier } from './http-api.ts';

/**
 * Remembers successful verifications of the exact same token string until the token's `exp`, so a client that
 * sends the same ID token on every request pays for one RSA signature check, not one per request. A token is
 * immutable and signed, so the answer for the same string cannot change before it expires; failures are never
 * remembered. At most `maxEntries` tokens are kept (oldest first out).
 */
export function cacheVerifiedTokens(
  verify: TokenVerifier,
  options: { maxEntries?: number; now?: () => number } = {},
): TokenVerifier {
  const maxEntries = options.maxEntries ?? 1000;
  const now = options.now ?? Date.now;
  const verified = new Map<string, { claims: Record<string, unknown>; expiresAtMs: number }>();
  return async (token) => {
    const hit = verified.get(token);
    if (hit && hit.expiresAtMs > now()) return { claims: hit.claims };
    if (hit) verified.delete(token);
    const result = await verify(token);
    const exp = Number(result.claims.exp);
    if (Number.isFinite(exp)) {
      if (verified.size >= maxEntries) verified.delete(verified.keys().next().value!);
      verified.set(token, { claims: result.claims, expiresAtMs: exp * 1000 });
    }
    return result;
  };
}
