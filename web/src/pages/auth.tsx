import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { CognitoError, confirmForgotPassword, confirmSignUp, forgotPassword, signUp } from '../cognito.ts';
import { useConfig } from '../lib/config-context.ts';
import { signInWithPassword } from '../lib/session.ts';

/** The password the person typed at sign-up, kept in memory only, to sign in right after the confirmation. */
let pendingSignUp: { email: string; password: string } | undefined;

function cognitoMessage(error: unknown): string {
  if (error instanceof CognitoError) {
    switch (error.type) {
      case 'NotAuthorizedException':
        return 'Wrong email or password.';
      case 'UserNotConfirmedException':
        return 'Confirm your email first: enter the code we sent you.';
      case 'UsernameExistsException':
        return 'An account with this email exists already: sign in instead.';
      case 'CodeMismatchException':
        return 'That code is not right: check it and try again.';
      case 'InvalidPasswordException':
        return 'Choose a stronger password: at least 8 characters with upper and lower case letters and a digit.';
      default:
        return error.message;
    }
  }
  return 'Cannot reach the sign-in service; check your connection and try again.';
}

function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth">
      <div className="auth-card">
        <p className="brand">TeamFlow</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

function useSubmit() {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = (action: () => Promise<void>) => async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      await action();
    } catch (e) {
      setError(cognitoMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const alert = error ? (
    <p role="alert" className="error">
      {error}
    </p>
  ) : null;
  return { submit, busy, alert };
}

const safeNext = (next: string | null) =>
  next && next.startsWith('/') && !next.startsWith('//') ? next : '/';

export function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [password, setPassword] = useState('');
  const { submit, busy, alert } = useSubmit();
  return (
    <AuthCard title="Sign in">
      <form
        className="stack"
        onSubmit={submit(async () => {
          await signInWithPassword(email.trim(), password);
          navigate(safeNext(params.get('next')), { replace: true });
        })}
      >
        <label>
          Email
          <input
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {alert}
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
      <p className="auth-links">
        <Link to="/forgot">Forgot password?</Link>
        <Link to="/sign-up">Create an account</Link>
      </p>
    </AuthCard>
  );
}

export function SignUpPage() {
  const config = useConfig();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { submit, busy, alert } = useSubmit();
  return (
    <AuthCard title="Create your account">
      <form
        className="stack"
        onSubmit={submit(async () => {
          await signUp(config, email.trim(), password, name.trim());
          pendingSignUp = { email: email.trim(), password };
          navigate(`/confirm?email=${encodeURIComponent(email.trim())}`);
        })}
      >
        <label>
          Name
          <input autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Email
          <input
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            aria-describedby="password-rule"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <p id="password-rule" className="hint">
          At least 8 characters, with upper and lower case letters and a digit.
        </p>
        {alert}
        <button type="submit" className="primary" disabled={busy}>
          Create account
        </button>
      </form>
      <p className="auth-links">
        <Link to="/sign-in">I have an account: sign in</Link>
      </p>
    </AuthCard>
  );
}

function LocalCodeHint() {
  const config = useConfig();
  if (config.cognitoEndpoint === null) return <p className="hint">We sent a code to your email.</p>;
  return (
    <p className="hint" id="code-hint">
      Running locally: no email is sent. The code is printed in the terminal that runs <code>npm start</code>{' '}
      (it is <code>123456</code> unless TEAMFLOW_CONFIRMATION_CODE says otherwise).
    </p>
  );
}

export function ConfirmPage() {
  const config = useConfig();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [code, setCode] = useState('');
  const { submit, busy, alert } = useSubmit();
  return (
    <AuthCard title="Confirm your email">
      <LocalCodeHint />
      <form
        className="stack"
        onSubmit={submit(async () => {
          await confirmSignUp(config, email.trim(), code.trim());
          const pending = pendingSignUp;
          pendingSignUp = undefined;
          if (pending && pending.email === email.trim()) {
            await signInWithPassword(pending.email, pending.password);
            navigate('/', { replace: true });
          } else {
            navigate(`/sign-in?email=${encodeURIComponent(email.trim())}`, { replace: true });
          }
        })}
      >
        {!params.get('email') && (
          <label>
            Email
            <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
        )}
        <label>
          Confirmation code
          <input
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        </label>
        {alert}
        <button type="submit" className="primary" disabled={busy}>
          Confirm
        </button>
      </form>
    </AuthCard>
  );
}

export function ForgotPage() {
  const config = useConfig();
  const navigate = useNavigate();
  const [step, setStep] = useState<'ask' | 'reset'>('ask');
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const { submit, busy, alert } = useSubmit();
  return (
    <AuthCard title={step === 'ask' ? 'Reset your password' : 'Choose a new password'}>
      {step === 'ask' ? (
        <form
          className="stack"
          onSubmit={submit(async () => {
            await forgotPassword(config, email.trim());
            setStep('reset');
          })}
        >
          <label>
            Email
            <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          {alert}
          <button type="submit" className="primary" disabled={busy}>
            Send reset code
          </button>
        </form>
      ) : (
        <form
          className="stack"
          onSubmit={submit(async () => {
            await confirmForgotPassword(config, email.trim(), code.trim(), password);
            await signInWithPassword(email.trim(), password);
            navigate('/', { replace: true });
          })}
        >
          <LocalCodeHint />
          <label>
            Reset code
            <input
              required
              autoComplete="one-time-code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </label>
          <label>
            New password
            <input
              type="password"
              autoComplete="new-password"
              required
              minLength={8}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          {alert}
          <button type="submit" className="primary" disabled={busy}>
            Set password and sign in
          </button>
        </form>
      )}
      <p className="auth-links">
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </AuthCard>
  );
}
