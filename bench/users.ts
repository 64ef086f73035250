import { randomUUID } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { LocalOutputs } from '../infra/local/stack.ts';
import { LOCAL_CREDENTIALS } from '../infra/local/settings.ts';

/** Signs a fresh person up on a running local stack and returns their ID token and id. */
export async function signUpBenchUser(o: LocalOutputs): Promise<{ idToken: string; userId: string }> {
  const cognito = new CognitoIdentityProviderClient({
    region: o.region,
    endpoint: o.cognitoEndpoint ?? undefined,
    credentials: LOCAL_CREDENTIALS,
  });
  const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
  const password = 'Bench-Passw0rd';
  await cognito.send(
    new SignUpCommand({
      ClientId: o.userPoolClientId,
      Username: email,
      Password: password,
      UserAttributes: [{ Name: 'email', Value: email }],
    }),
  );
  await cognito.send(
    new ConfirmSignUpCommand({
      ClientId: o.userPoolClientId,
      Username: email,
      ConfirmationCode: o.local.confirmationCode,
    }),
  );
  const { AuthenticationResult } = await cognito.send(
    new InitiateAuthCommand({
      ClientId: o.userPoolClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  const idToken = AuthenticationResult!.IdToken!;
  const { sub } = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString()) as { sub: string };
  return { idToken, userId: sub };
}
