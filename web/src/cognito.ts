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

export async function signIn(config: WebConfig, email: string, password: string): Promise<Tokens> {
  const result = await call<{
    AuthenticationResult: { IdToken: string; RefreshToken?: string; ExpiresIn: number };
  }>(config, 'InitiateAuth', {
    ClientId: config.userPoolClientId,
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  const auth = result.AuthenticationResult;
  return {
    idToken: auth.IdToken,
    refreshToken: auth.RefreshToken,
    expiresAt: Date.now() + auth.ExpiresIn * 1000,
  };
}
