import type { WebConfig } from './config.ts';

/**
 * A small client for the Cognito user pool API (JSON over HTTP), instead of a heavyweight SDK in the bundle.
 * The API never sees a password: only Cognito does.
 */
export class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(config: WebConfig, action: string, body: object): Promise<T> {
  const endpoint = config.cognitoEndpoint ?? `https://cognito-idp.${config.region}.amazonaws.com/`;
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify(body),
  });
  const data = (await response.json().catch(() => ({}))) as { __type?: string; message?: string };
  if (!response.ok) {
    const type = (data.__type ?? 'Error').split('#').pop() ?? 'Error';
    throw new CognitoError(type, data.message ?? type);
  }
  return data as T;
}

export interface Tokens {
  idToken: string;
  refreshToken?: string;
  expiresAt: number;
}

export const signUp = (config: WebConfig, email: string, password: string, name: string) =>
  call(config, 'SignUp', {
    ClientId: config.userPoolClientId,
    Username: email,
    Password: password,
    UserAttributes: [
      { Name: 'email', Value: email },
      { Name: 'name', Value: name },
    ],
  });

export const confirmSignUp = (config: WebConfig, email: string, code: string) =>
  call(config, 'ConfirmSignUp', {
    ClientId: config.userPoolClientId,
    Username: email,
    ConfirmationCode: code,
  });

/**
 * Answers to a sign-in that mean "these credentials do not work". Real Cognito (with PreventUserExistenceErrors)
 * says NotAuthorizedException for a wrong password and an unknown user alike; the local emulator says
 * InvalidPasswordException for a wrong password, and a pool without that setting UserNotFoundException for an
 * unknown user. All become NotAuthorizedException, so the page shows one message that does not tell which
 * accounts exist (InvalidPasswordException stays "choose a stronger password" where a password is being set).
 */
const WRONG_CREDENTIALS = new Set([
  'NotAuthorizedException',
  'InvalidPasswordException',
  'UserNotFoundException',
]);

export async function signIn(config: WebConfig, email: string, password: string): Promise<Tokens> {
  try {
    const result = await call<{
      AuthenticationResult: { IdToken: string; RefreshToken?: string; ExpiresIn?: number };
    }>(config, 'InitiateAuth', {
      ClientId: config.userPoolClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    });
    return toTokens(result.AuthenticationResult);
  } catch (error) {
    if (error instanceof CognitoError && WRONG_CREDENTIALS.has(error.type)) {
      throw new CognitoError('NotAuthorizedException', 'Incorrect username or password.');
    }
    throw error;
  }
}

/** When the ID token expires: its `exp` claim (ExpiresIn is not always sent, e.g. on a refresh locally). */
function expiryOf(idToken: string, expiresIn: number | undefined): number {
  const exp = claimsOf(idToken).exp;
  if (typeof exp === 'number' && Number.isFinite(exp)) return exp * 1000;
  return Date.now() + (typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : 3600) * 1000;
}

function toTokens(
  auth: { IdToken: string; RefreshToken?: string; ExpiresIn?: number },
  refreshToken?: string,
): Tokens {
  return {
    idToken: auth.IdToken,
    refreshToken: auth.RefreshToken ?? refreshToken,
    expiresAt: expiryOf(auth.IdToken, auth.ExpiresIn),
  };
}

/** Trades the refresh token for a fresh ID token (Cognito keeps the same refresh token). */
export async function refresh(config: WebConfig, refreshToken: string): Promise<Tokens> {
  const result = await call<{
    AuthenticationResult: { IdToken: string; RefreshToken?: string; ExpiresIn?: number };
  }>(config, 'InitiateAuth', {
    ClientId: config.userPoolClientId,
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    AuthParameters: { REFRESH_TOKEN: refreshToken },
  });
  return toTokens(result.AuthenticationResult, refreshToken);
}

export const forgotPassword = (config: WebConfig, email: string) =>
  call(config, 'ForgotPassword', { ClientId: config.userPoolClientId, Username: email });

export const confirmForgotPassword = (config: WebConfig, email: string, code: string, password: string) =>
  call(config, 'ConfirmForgotPassword', {
    ClientId: config.userPoolClientId,
    Username: email,
    ConfirmationCode: code,
    Password: password,
  });

/** Revokes the refresh token (sign out): a copy someone took stops working. */
export const revokeToken = (config: WebConfig, refreshToken: string) =>
  call(config, 'RevokeToken', { ClientId: config.userPoolClientId, Token: refreshToken });

/** The claims of an ID token (no verification: the API verifies; the app only reads the name and expiry). */
export function claimsOf(idToken: string): { sub: string; email?: string; name?: string; exp?: number } {
  try {
    const payload = idToken.split('.')[1] ?? '';
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    return JSON.parse(json) as { sub: string };
  } catch {
    return { sub: '' };
  }
}
