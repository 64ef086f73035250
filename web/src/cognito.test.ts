import { CognitoError, signIn } from './cognito.ts';
import type { WebConfig } from './config.ts';

const config: WebConfig = {
  apiUrl: '/api',
  wsUrl: 'ws://localhost/ws',
  region: 'eu-west-1',
  userPoolId: 'pool',
  userPoolClientId: 'client',
  cognitoEndpoint: 'http://localhost:9229/',
};

/** Makes the next Cognito call answer 400 with `__type`. */
function cognitoAnswers(type: string, message: string) {
  jest.spyOn(globalThis, 'fetch').mockResolvedValue(
    new Response(JSON.stringify({ __type: type, message }), {
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
    }),
  );
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the sign-in to fail');
    },
    (error: unknown) => error as CognitoError,
  );

describe('signing in with Cognito', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['NotAuthorizedException', 'Incorrect username or password.'],
    // cognito-local's answer to a wrong password.
    ['InvalidPasswordException', 'Invalid password'],
    // A pool without PreventUserExistenceErrors, for an unknown email.
    ['UserNotFoundException', 'User does not exist.'],
  ])('reports %s as wrong credentials, the same for every account', async (type, message) => {
    cognitoAnswers(type, message);
    const error = await failure(signIn(config, 'a@example.com', 'Wrong-passw0rd'));
    expect(error).toBeInstanceOf(CognitoError);
    expect(error.type).toBe('NotAuthorizedException');
    expect(error.message).toBe('Incorrect username or password.');
  });

  it('keeps other answers as they are (an unconfirmed account, a reset required)', async () => {
    cognitoAnswers('com.amazonaws#UserNotConfirmedException', 'User is not confirmed.');
    expect((await failure(signIn(config, 'a@example.com', 'Passw0rd-long'))).type).toBe(
      'UserNotConfirmedException',
    );
  });
});
