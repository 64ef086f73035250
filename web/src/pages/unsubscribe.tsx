import type { ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useMutation, useQuery } from '@tanstack/react-query';
import type {
  NotificationKind,
  UnsubscribePreview,
  UnsubscribeResult,
} from '../../../shared/schemas/notifications.ts';
import { api, ApiError, describeError } from '../lib/api.ts';
import { ErrorState, Spinner } from '../lib/ui.tsx';
import { KIND_TITLES } from './notifications.tsx';

/**
 * `/unsubscribe?token=…`, the page an email's "Unsubscribe" link opens, without signing in. Opening it only
 * reads what the link would do (`GET /api/unsubscribe`: a mail scanner following the link changes nothing); the
 * button does it (`POST`), then says what changed and leads to the settings. A forged or cut link says so.
 */
export function UnsubscribePage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const preview = useQuery({
    queryKey: ['unsubscribe', token],
    queryFn: () => api<UnsubscribePreview>('/unsubscribe', { query: { token } }),
    enabled: token !== '',
    retry: false,
  });
  const confirm = useMutation({
    mutationFn: () => api<UnsubscribeResult>('/unsubscribe', { method: 'POST', query: { token } }),
  });
  const invalid = (error: unknown) => error instanceof ApiError && error.code === 'VALIDATION_ERROR';

  if (!token || invalid(preview.error) || invalid(confirm.error)) {
    return (
      <Card title="This unsubscribe link is not valid">
        <p role="alert">
          Check that you opened the whole link from the email. You can also choose which emails you get in
          your settings once signed in.
        </p>
        <SettingsLink />
      </Card>
    );
  }
  if (preview.isPending) return <Spinner label="Reading the unsubscribe link" />;
  if (preview.error) return <ErrorState error={preview.error} />;
  const { email, emailed, unsubscribed } = preview.data;

  if (confirm.data) {
    const { changed } = confirm.data;
    return (
      <Card title="You are unsubscribed">
        <div role="status">
          {changed.length ? (
            <>
              <p>These no longer come by email to {email}; they stay in the app&apos;s bell:</p>
              <Kinds kinds={changed} />
            </>
          ) : (
            <p>Nothing was emailed to {email} any more: nothing changed.</p>
          )}
        </div>
        <SettingsLink />
      </Card>
    );
  }
  if (unsubscribed) {
    return (
      <Card title="You are already unsubscribed">
        <p>TeamFlow sends no notification emails to {email}: everything shows in the app&apos;s bell only.</p>
        <SettingsLink />
      </Card>
    );
  }
  return (
    <Card title="Unsubscribe from TeamFlow emails">
      <p>Unsubscribing stops these emails to {email}. They stay in the app&apos;s bell:</p>
      <Kinds kinds={emailed} />
      {confirm.error && <p role="alert">{describeError(confirm.error)}</p>}
      <div className="row">
        <button
          type="button"
          className="primary"
          disabled={confirm.isPending}
          onClick={() => confirm.mutate()}
        >
          Unsubscribe
        </button>
      </div>
      <SettingsLink />
    </Card>
  );
}

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth">
      <div className="auth-card stack">
        <p className="brand">TeamFlow</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

const Kinds = ({ kinds }: { kinds: NotificationKind[] }) => (
  <ul>
    {kinds.map((kind) => (
      <li key={kind}>{KIND_TITLES[kind]}</li>
    ))}
  </ul>
);

const SettingsLink = () => (
  <p>
    <Link to="/settings">Choose which emails you get in Settings</Link>
  </p>
);
