import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Builds RS256 JWTs for the authorizer tests. The Cognito emulator signs with a key shipped in its package, so a
 * test can mint a token the real JWKS accepts (to then break exactly one property of it), or forge one with a
 * key of its own under the same key id.
 */
const emulatorKeyFile = path.join(
  path.dirname(require.resolve('cognito-local/package.json')),
  'lib/keys/cognitoLocal.private.json',
);

export const emulatorKey = () =>
  crypto.createPrivateKey({
    key: (JSON.parse(fs.readFileSync(emulatorKeyFile, 'utf8')) as { jwk: crypto.JsonWebKey }).jwk,
    format: 'jwk',
  });

export const forgedKey = () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

export function signJwt(
  payload: Record<string, unknown>,
  key: crypto.KeyObject,
  kid = 'CognitoLocal',
): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(payload)}`;
  const signature = crypto.sign('sha256', Buffer.from(unsigned), key).toString('base64url');
  return `${unsigned}.${signature}`;
}

export function idTokenClaims(issuer: string, audience: string, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: crypto.randomUUID(),
    email: 'minted@example.com',
    email_verified: true,
    token_use: 'id',
    iss: issuer,
    aud: audience,
    auth_time: now,
    iat: now,
    exp: now + 3600,
    ...overrides,
  };
}
