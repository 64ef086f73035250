import {
  useState,
  useSyncExternalStore,
  type FormEvent,
  type InputHTMLAttributes,
  type ReactNode,
} from 'react';
import { Link, Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { CognitoError, confirmForgotPassword, confirmSignUp, forgotPassword, signUp } from '../cognito.ts';
import { useConfig } from '../lib/config-context.ts';
import { sessionSnapshot, signInWithPassword, subscribeSession } from '../lib/session.ts';
import { useToasts } from '../lib/toasts.tsx';

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

/** Where to go after signing in: `next` when it is a path of this app (never another site), else home. */
const safeNext = (next: string | null) =>
  next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';

/**
 * The page a signed-out person was on (an invitation link, a task link) travels in `?next=` from sign-in to
 * sign-up, the confirmation, the password reset and back, so they land where they were going, not on home.
 */
function useNext() {
  const [params] = useSearchParams();
  const raw = params.get('next');
  const next = safeNext(raw);
  /** `path` with `next` (and any other parameters) in its query. */
  const withNext = (path: string, extra: Record<string, string> = {}) => {
    const query = new URLSearchParams(extra);
    if (raw && next !== '/') query.set('next', next);
    const text = query.toString();
    return text ? `${path}?${text}` : path;
  };
  return { next, withNext, params };
}

/** What the sign-in page is told by the page that sent the person there (router state, not the URL). */
interface SignInState {
  confirmed?: boolean;
}

export function SignInPage() {
  const { next, withNext, params } = useNext();
  const location = useLocation();
  const confirmed = (location.state as SignInState | null)?.confirmed === true;
  const navigate = useNavigate();
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [password, setPassword] = useState('');
  const { submit, busy, alert } = useSubmit();
  // Already signed in (in this tab, or another tab signed in meanwhile): on to where the person was going.
  const { user } = useSyncExternalStore(subscribeSession, sessionSnapshot);
  if (user) return <Navigate to={next} replace />;
  return (
    <AuthCard title="Sign in">
      {confirmed ? (
        <p role="status" className="notice">
          Email confirmed — you can sign in now.
        </p>
      ) : next.startsWith('/invitations/') ? (
        <p className="hint">
          Sign in to see your invitation, or create an account with the address it was sent to.
        </p>
      ) : null}
      <AuthForm
        alert={alert}
        busy={busy}
        submitLabel="Sign in"
        onSubmit={submit(async () => {
          await signInWithPassword(email.trim(), password);
          navigate(next, { replace: true });
        })}
      >
        <EmailField autoComplete="email" value={email} onChange={setEmail} />
        <PasswordField
          autoComplete="current-password"
          autoFocus={confirmed}
          value={password}
          onChange={setPassword}
        />
      </AuthForm>
      <p className="auth-links">
        <Link to={withNext('/forgot')}>Forgot password?</Link>
        <Link to={withNext('/sign-up')}>Create an account</Link>
      </p>
    </AuthCard>
  );
}

export function SignUpPage() {
  const config = useConfig();
  const navigate = useNavigate();
  const { withNext } = useNext();
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
          navigate(withNext('/confirm', { email: email.trim() }));
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
        <Link to={withNext('/sign-in')}>I have an account: sign in</Link>
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
  const toasts = useToasts();
  const { next, withNext, params } = useNext();
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
            // Signed in straight away with the password typed a moment ago.
            await signInWithPassword(pending.email, pending.password);
            toasts.show('Email confirmed — welcome to TeamFlow!');
            navigate(next, { replace: true });
          } else {
            // The password is not in memory any more (a reload, another tab): the person signs in themselves.
            const state: SignInState = { confirmed: true };
            navigate(withNext('/sign-in', { email: email.trim() }), { replace: true, state });
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
  const { next, withNext } = useNext();
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
            try {
              await forgotPassword(config, email.trim());
            } catch (error) {
              // The same next step for an unknown address (as Cognito itself does with
              // PreventUserExistenceErrors): this form must not tell which accounts exist.
              if (!(error instanceof CognitoError && error.type === 'UserNotFoundException')) throw error;
            }
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
            try {
              await confirmForgotPassword(config, email.trim(), code.trim(), password);
            } catch (error) {
              // An unknown address: the code cannot be right (said as for a wrong code, see above).
              if (error instanceof CognitoError && error.type === 'UserNotFoundException')
                throw new CognitoError('CodeMismatchException', error.message);
              throw error;
            }
            await signInWithPassword(email.trim(), password);
            navigate(next, { replace: true });
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
        <Link to={withNext('/sign-in')}>Back to sign in</Link>
      </p>
    </AuthCard>
  );
}
