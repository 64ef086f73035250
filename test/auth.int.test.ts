import { api, expectErrorShape, outputs } from './support.ts';
import { emulatorKey, forgedKey, idTokenClaims, signJwt } from './tokens.ts';

describe('JWT authorizer (local HTTP API)', () => {
  const o = outputs();
  const claims = (overrides: Record<string, unknown> = {}) =>
    idTokenClaims(o.local.jwtIssuer, o.userPoolClientId, overrides);

  it('accepts a well-formed token signed by the user pool (control for the cases below)', async () => {
    const res = await api('/me', { token: signJwt(claims(), emulatorKey()) });
    expect(res.status).toBe(200);
    expect(res.body.email).toBe('minted@example.com');
  });

  it.each([
    ['no token', undefined],
    ['a token that is not a JWT', 'not-a-jwt'],
    ['an expired token', signJwt(claims({ exp: Math.floor(Date.now() / 1000) - 60 }), emulatorKey())],
    ['a forged token (other key, same kid)', signJwt(claims(), forgedKey())],
    ['a token for another app client', signJwt(claims({ aud: 'another-client' }), emulatorKey())],
    ['a token from another issuer', signJwt(claims({ iss: 'http://127.0.0.1:1/other' }), emulatorKey())],
    ['an access token instead of an ID token', signJwt(claims({ token_use: 'access' }), emulatorKey())],
  ])('refuses %s with 401 in the error shape', async (_, token) => {
    const res = await api('/me', { token });
    expect(res.status).toBe(401);
    expectErrorShape(res.body, 'UNAUTHORIZED');
    expect(res.headers.get('x-request-id')).toBe(
      (res.body as { error: { requestId: string } }).error.requestId,
    );
  });

  it('leaves /api/health open', async () => {
    const res = await api('/health');
    expect(res.status).toBe(200);
  });
});
