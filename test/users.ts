import { randomUUID } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { LocalOutputs } from '../infra/local/stack.ts';
import { LOCAL_CREDENTIALS } from '../infra/local/settings.ts';

export interface LocalUser {
  email: string;
  password: string;
  name: string;
  idToken: string;
  refreshToken: string;
  userId: string;
}

export function cognitoClient(o: LocalOutputs): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: o.region,
    endpoint: o.cognitoEndpoint ?? undefined,
    credentials: LOCAL_CREDENTIALS,
  });
}

/** Signs in with USER_PASSWORD_AUTH, as the web app does, and reads the user id from the ID token. */
export async function signInLocalUser(o: LocalOutputs, email: string, password: string) {
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

/** Signs a new person up on a running local stack: SignUp → ConfirmSignUp (the local code) → InitiateAuth. */
export async function signUpLocalUser(o: LocalOutputs, name = 'Test Person'): Promise<LocalUser> {
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
  return { ...(await signInLocalUser(o, email, password)), name };
}
