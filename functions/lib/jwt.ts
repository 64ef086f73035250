import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';

export interface IdTokenVerifierOptions {
  /** The user pool's issuer: `https://cognito-idp.<region>.amazonaws.com/<poolId>`, or the emulator's. */
  issuer: string;
  /** The app client id(s) an ID token must be issued to (its `aud`). */
  audience: string | string[];
}

export interface VerifiedIdentity {
  userId: string;
  email: string;
  name?: string;
  claims: JwtPayload;
}

// The JWKS is fetched with the platform's fetch, which (unlike the library's default https-only fetcher) also
// reaches the local Cognito emulator over http. Keys are cached per issuer for the life of the container.
const jwksCache = new SimpleJwksCache({
  fetcher: {
    fetch: async (uri: string) => {
      const response = await fetch(uri, { signal: AbortSignal.timeout(3000) });
      if (!response.ok) throw new Error(`JWKS fetch failed: ${response.status}`);
      return response.arrayBuffer();
    },
  },
});

/**
 * Verifies Cognito ID tokens exactly as API Gateway's JWT authorizer does (RS256 signature from the issuer's
 * JWKS, `iss`, `aud`, `exp`/`nbf`), and in addition insists on `token_use: id`, as the contract asks for IdTokens.
 */
export function createIdTokenVerifier({ issuer, audience }: IdTokenVerifierOptions) {
  const verifier = JwtRsaVerifier.create(
    {
      issuer,
      audience,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== 'id') throw new Error('not an ID token');
        if (typeof payload.sub !== 'string' || typeof payload.email !== 'string') {
          throw new Error('token lacks sub or email');
        }
      },
    },
    { jwksCache },
  );
  return async (token: string): Promise<VerifiedIdentity> => {
    const claims = await verifier.verify(token);
    return {
      userId: String(claims.sub),
      email: String(claims.email),
      name: typeof claims.name === 'string' ? claims.name : undefined,
      claims,
    };
  };
}
