import { useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react';
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

/** A form of the auth pages: its fields, the error (if any), then the submit button (disabled while busy). */
function AuthForm({
  onSubmit,
  alert,
  busy,
  submitLabel,
  children,
}: {
  onSubmit: (event: FormEvent) => void;
  alert: ReactNode;
  busy: boolean;
  submitLabel: string;
  children: ReactNode;
}) {
  return (
    <form className="stack" onSubmit={onSubmit}>
      {children}
      {alert}
      <button type="submit" className="primary" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}

type FieldProps = { label: string; value: string; onChange: (value: string) => void } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'value' | 'onChange'
>;

/** A labelled text input whose `onChange` gets the new value. */
function Field({ label, value, onChange, ...input }: FieldProps) {
  return (
    <label>
      {label}
      <input {...input} value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

function EmailField(props: Omit<FieldProps, 'label'>) {
  return <Field label="Email" type="email" required {...props} />;
}

function PasswordField({ label = 'Password', ...props }: Omit<FieldProps, 'label'> & { label?: string }) {
  return <Field label={label} type="password" required {...props} />;
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
      <AuthForm
        alert={alert}
        busy={busy}
        submitLabel="Sign in"
        onSubmit={submit(async () => {
          await signInWithPassword(email.trim(), password);
          navigate(safeNext(params.get('next')), { replace: true });
        })}
      >
        <EmailField autoComplete="email" value={email} onChange={setEmail} />
        <PasswordField autoComplete="current-password" value={password} onChange={setPassword} />
      </AuthForm>
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
      <AuthForm
        alert={alert}
        busy={busy}
        submitLabel="Create account"
        onSubmit={submit(async () => {
          await signUp(config, email.trim(), password, name.trim());
          pendingSignUp = { email: email.trim(), password };
          navigate(`/confirm?email=${encodeURIComponent(email.trim())}`);
        })}
      >
        <Field label="Name" autoComplete="name" required value={name} onChange={setName} />
        <EmailField autoComplete="email" value={email} onChange={setEmail} />
        <PasswordField
          autoComplete="new-password"
          minLength={8}
          aria-describedby="password-rule"
          value={password}
          onChange={setPassword}
        />
        <p id="password-rule" className="hint">
          At least 8 characters, with upper and lower case letters and a digit.
        </p>
      </AuthForm>
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
      <AuthForm
        alert={alert}
        busy={busy}
        submitLabel="Confirm"
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
        {!params.get('email') && <EmailField value={email} onChange={setEmail} />}
        <Field
          label="Confirmation code"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          value={code}
          onChange={setCode}
        />
      </AuthForm>
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
        <AuthForm
          alert={alert}
          busy={busy}
          submitLabel="Send reset code"
          onSubmit={submit(async () => {
            await forgotPassword(config, email.trim());
            setStep('reset');
          })}
        >
          <EmailField value={email} onChange={setEmail} />
        </AuthForm>
      ) : (
        <AuthForm
          alert={alert}
          busy={busy}
          submitLabel="Set password and sign in"
          onSubmit={submit(async () => {
            await confirmForgotPassword(config, email.trim(), code.trim(), password);
            await signInWithPassword(email.trim(), password);
            navigate('/', { replace: true });
          })}
        >
          <LocalCodeHint />
          <Field label="Reset code" required autoComplete="one-time-code" value={code} onChange={setCode} />
          <PasswordField
            label="New password"
            autoComplete="new-password"
            minLength={8}
            value={password}
            onChange={setPassword}
          />
        </AuthForm>
      )}
      <p className="auth-links">
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </AuthCard>
  );
}
