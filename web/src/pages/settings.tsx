import { useEffect, useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  channelOf,
  NOTIFICATION_CHANNELS,
  type NotificationChannel,
  type PatchMeInput,
  type UserProfile,
} from '../../../shared/schemas/me.ts';
import { NOTIFICATION_KINDS, type NotificationKind } from '../../../shared/schemas/notifications.ts';
import { KIND_TITLES } from './notifications.tsx';
import { PageHeader, useCurrentWorkspace } from '../App.tsx';
import { api, describeError } from '../lib/api.ts';
import { useProjects } from '../lib/data.ts';
import { ErrorState, Spinner } from '../lib/ui.tsx';
import './notifications.css';

const CHANNEL_TITLES: Record<NotificationChannel, string> = {
  inApp: 'In the app',
  email: 'In the app and by email',
  digest: 'In the app and in the daily digest email',
  off: 'Off',
};

const timeZones = (): string[] => {
  const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  return supported ? supported('timeZone') : ['UTC'];
};

/** Profile settings: name, time zone, and where each kind of notification goes (the welcome email links here). */
export function SettingsPage() {
  const client = useQueryClient();
  const {
    data: me,
    isPending,
    error,
  } = useQuery({ queryKey: ['me'], queryFn: () => api<UserProfile>('/me') });
  const { workspace } = useCurrentWorkspace();
  const { data: projects = [] } = useProjects(workspace?.id);
  const [name, setName] = useState('');
  const [timezone, setTimezone] = useState('UTC');
  const [channels, setChannels] = useState<Partial<Record<NotificationKind, NotificationChannel>>>({});
  const [muted, setMuted] = useState<Record<string, boolean>>({});
  const [saved, setSaved] = useState(false);
  const id = useId();
  useEffect(() => {
    if (!me) return;
    setName(me.name);
    setTimezone(me.timezone);
    setChannels(Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, channelOf(me.notificationPrefs, k)])));
    setMuted({ ...me.notificationPrefs.mutedProjects });
  }, [me]);
  const save = useMutation({
    mutationFn: (patch: PatchMeInput) => api<UserProfile>('/me', { method: 'PATCH', body: patch }),
    onSuccess: (profile) => {
      client.setQueryData(['me'], profile);
      setSaved(true);
    },
  });
  if (isPending) return <Spinner />;
  if (error) return <ErrorState error={error} />;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const wasMuted = me.notificationPrefs.mutedProjects ?? {};
    const mutedChanges = Object.fromEntries(
      Object.entries(muted).filter(([id, on]) => on !== Boolean(wasMuted[id])),
    );
    save.mutate({
      name: name.trim(),
      timezone,
      notificationPrefs: {
        channels,
        ...(Object.keys(mutedChanges).length ? { mutedProjects: mutedChanges } : {}),
      },
    });
  };
  return (
    <section>
      <PageHeader title="Settings" />
      <form className="stack settings-form" onSubmit={onSubmit} onChange={() => setSaved(false)}>
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={name}
          maxLength={100}
          required
          onChange={(e) => setName(e.target.value)}
        />
        <label htmlFor={`${id}-tz`}>Time zone</label>
        <select id={`${id}-tz`} value={timezone} onChange={(e) => setTimezone(e.target.value)}>
          {[...new Set([timezone, ...timeZones()])].map((tz) => (
            <option key={tz}>{tz}</option>
          ))}
        </select>
        <fieldset>
          <legend>Notifications</legend>
          {NOTIFICATION_KINDS.map((kind) => (
            <div key={kind} className="stack">
              <label htmlFor={`${id}-${kind}`}>{KIND_TITLES[kind]}</label>
              <select
                id={`${id}-${kind}`}
                value={channels[kind] ?? 'inApp'}
                onChange={(e) => setChannels({ ...channels, [kind]: e.target.value as NotificationChannel })}
              >
                {NOTIFICATION_CHANNELS.map((c) => (
                  <option key={c} value={c}>
                    {CHANNEL_TITLES[c]}
                  </option>
                ))}
              </select>
            </div>
          ))}
          <p className="muted">
            The daily digest is one email a day (at 16:00 UTC) of everything collected since the last one; a
            task due tomorrow by email comes in a daily email of its own.
          </p>
        </fieldset>
        {projects.length > 0 && (
          <fieldset>
            <legend>No emails from these projects{workspace ? ` (${workspace.name})` : ''}</legend>
            {projects.map((p) => (
              <label key={p.id} className="check">
                <input
                  type="checkbox"
                  checked={Boolean(muted[p.id])}
                  onChange={(e) => setMuted({ ...muted, [p.id]: e.target.checked })}
                />
                {p.name} <span className="muted">{p.key}</span>
              </label>
            ))}
          </fieldset>
        )}
        {save.error && <p role="alert">{describeError(save.error)}</p>}
        {saved && <p role="status">Saved.</p>}
        <div className="row">
          <button type="submit" className="primary" disabled={save.isPending || !name.trim()}>
            Save settings
          </button>
        </div>
      </form>
    </section>
  );
}
