import { useEffect, useState, type FormEvent } from 'react';
import { loadConfig, type WebConfig } from './config.ts';
import { CognitoError, confirmSignUp, signIn, signUp } from './cognito.ts';

interface Profile {
  id: string;
  email: string;
  name: string;
  timezone: string;
}

type Step = 'sign-in' | 'sign-up' | 'confirm';

const isLocal = (config: WebConfig) => config.cognitoEndpoint !== null;

/**
 * The first slice of the web app: sign up, confirm, sign in and see your profile from `GET /api/me`.
 * The full board experience is built on top of this.
 */
export function App() {
  const [config, setConfig] = useState<WebConfig>();
  const [health, setHealth] = useState<string>('checking');
  const [step, setStep] = useState<Step>('sign-in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string>();
  const [profile, setProfile] = useState<Profile>();

  useEffect(() => {
    loadConfig()
      .then(async (c) => {
        setConfig(c);
        const response = await fetch(`${c.apiUrl}/health`);
        setHealth(response.ok ? 'ok' : 'degraded');
      })
      .catch(() => setHealth('unreachable'));
  }, []);

  if (!config) return <main className="page">Loading TeamFlow…</main>;

  const run = (action: () => Promise<void>) => async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(e instanceof CognitoError ? e.message : 'Something went wrong; try again.');
    }
  };

  const onSignIn = run(async () => {
    const tokens = await signIn(config, email, password);
    const response = await fetch(`${config.apiUrl}/me`, {
      headers: { authorization: `Bearer ${tokens.idToken}` },
    });
    if (!response.ok) throw new Error(`GET /api/me: ${response.status}`);
    setProfile((await response.json()) as Profile);
  });
  const onSignUp = run(async () => {
    await signUp(config, email, password, name);
    setStep('confirm');
  });
  const onConfirm = run(async () => {
    await confirmSignUp(config, email, code);
    setStep('sign-in');
  });

  return (
    <main className="page">
      <h1>TeamFlow</h1>
      <p aria-live="polite">API status: {health}</p>
      {profile ? (
        <section aria-label="Your profile">
          <h2>Welcome, {profile.name}</h2>
          <p>
            Signed in as {profile.email} (time zone {profile.timezone}).
          </p>
        </section>
      ) : (
        <>
          {step === 'sign-in' && (
            <form onSubmit={onSignIn} aria-label="Sign in">
              <label>
                Email <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
              </label>
              <label>
                Password{' '}
                <input
                  type="password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              </label>
              <button type="submit">Sign in</button>
              <button type="button" onClick={() => setStep('sign-up')}>
                Create an account
              </button>
            </form>
          )}
          {step === 'sign-up' && (
            <form onSubmit={onSignUp} aria-label="Sign up">
              <label>
                Name <input required value={name} onChange={(e) => setName(e.target.value)} />
              </label>
              <label>
                Email <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
              </label>
              <label>
                Password (8+ characters, upper and lower case, a digit){' '}
                <input
                  type="password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              </label>
              <button type="submit">Sign up</button>
            </form>
          )}
          {step === 'confirm' && (
            <form onSubmit={onConfirm} aria-label="Confirm your email">
              <p>
                We sent a confirmation code to {email}.
                {isLocal(config) &&
                  ' Running locally: the code is printed by `npm start` (123456 by default).'}
              </p>
              <label>
                Code <input required value={code} onChange={(e) => setCode(e.target.value)} />
              </label>
              <button type="submit">Confirm</button>
            </form>
          )}
          {error && <p role="alert">{error}</p>}
        </>
      )}
    </main>
  );
}
