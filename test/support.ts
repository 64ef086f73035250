import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { LocalOutputs } from '../infra/local/stack.ts';
import { LOCAL_CREDENTIALS } from '../infra/local/settings.ts';

/** The running test stack's outputs (written by the stack itself once everything is ready). */
export function outputs(): LocalOutputs {
  const file = process.env.TEAMFLOW_TEST_OUTPUTS;
  if (!file) throw new Error('TEAMFLOW_TEST_OUTPUTS is not set: run integration tests through jest');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as LocalOutputs;
}

export function cognitoClient(o: LocalOutputs = outputs()): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: o.region,
    endpoint: o.cognitoEndpoint ?? undefined,
    credentials: LOCAL_CREDENTIALS,
  });
}

export interface TestUser {
  email: string;
  password: string;
  name: string;
  idToken: string;
  refreshToken: string;
  userId: string;
}

/** Signs a new person up through Cognito (SignUp → ConfirmSignUp → InitiateAuth), as the web app does. */
export async function signUpUser(name = 'Test Person'): Promise<TestUser> {
  const o = outputs();
  const cognito = cognitoClient(o);
  const email = `user-${randomUUID().slice(0, 8)}@example.com`;
  const password = 'Passw0rd-long';
  await cognito.send(
    new SignUpCommand({
      ClientId: o.userPoolClientId,
      Username: email,
      Password: password,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'name', Value: name },
      ],
    }),
  );
  await cognito.send(
    new ConfirmSignUpCommand({
      ClientId: o.userPoolClientId,
      Username: email,
      ConfirmationCode: o.local.confirmationCode,
    }),
  );
  return { ...(await signIn(email, password)), name };
}

export async function signIn(email: string, password: string): Promise<Omit<TestUser, 'name'>> {
  const o = outputs();
  const { AuthenticationResult } = await cognitoClient(o).send(
    new InitiateAuthCommand({
      ClientId: o.userPoolClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  const idToken = AuthenticationResult!.IdToken!;
  const payload = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString()) as { sub: string };
  return { email, password, idToken, refreshToken: AuthenticationResult!.RefreshToken!, userId: payload.sub };
}

export interface ApiResult<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** Calls the API at the contract's apiUrl (the web origin's /api), with an optional bearer token. */
export async function api<T = Record<string, unknown>>(
  path: string,
  options: {
    method?: string;
    token?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${outputs().apiUrl}${path}`, {
    method: options.method ?? 'GET',
    headers,
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    headers: response.headers,
  };
}

/** Polls until `probe` returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function expectErrorShape(body: unknown, code: string) {
  const error = (body as { error?: Record<string, unknown> }).error;
  expect(error).toEqual(
    expect.objectContaining({ code, message: expect.any(String), requestId: expect.any(String) }),
  );
}
