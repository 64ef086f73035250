import * as z from 'zod';
import { NOTIFICATION_KINDS, type NotificationKind } from './notifications.ts';

/** IANA time zone names the runtime knows (e.g. "Europe/Berlin"). */
export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be an IANA time zone, e.g. "Europe/Berlin"' },
  );

export const emailPrefsSchema = z.strictObject({
  assigned: z.boolean(),
  mentioned: z.boolean(),
  dueSoon: z.boolean(),
  digest: z.boolean(),
});

export type EmailPrefs = z.infer<typeof emailPrefsSchema>;

/**
 * Where each kind of notification goes: `inApp` (the bell only), `email` (the bell, and an email within a few
 * minutes, several events to one person in one email; for `dueSoon` the daily due-date email, for `invitation`
 * the invitation email), `digest` (the bell, and the daily digest email: one a day of everything collected),
 * `off` (nowhere). Unset: for `assigned`, `mentioned` and `dueSoon`, `email` when their `email` switch is on
 * (`digest` instead when the `email.digest` switch is on too), else `inApp`; `invitation`: `email`; the others
 * `inApp`. See channelOf in functions/domain/notification-email.ts.
 */
export const NOTIFICATION_CHANNELS = ['inApp', 'email', 'digest', 'off'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
const channelSchema = z.enum(NOTIFICATION_CHANNELS);
export const channelsSchema = z.strictObject(
  Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, channelSchema.optional()])) as Record<
    NotificationKind,
    z.ZodOptional<typeof channelSchema>
  >,
);

export const notificationPrefsSchema = z.strictObject({
  email: emailPrefsSchema,
  channels: channelsSchema.optional(),
  /** Projects whose notifications are not emailed (`{ projectId: true }`); the bell still shows them. */
  mutedProjects: z.record(z.string(), z.literal(true)).optional(),
});

export type NotificationPrefs = z.infer<typeof notificationPrefsSchema>;

export const DEFAULT_NOTIFICATION_PREFS: NotificationPrefs = {
  email: { assigned: true, mentioned: true, dueSoon: true, digest: false },
};

/** Kinds whose email switch (`notificationPrefs.email`) sets their default channel. */
const SWITCHED = ['assigned', 'mentioned', 'dueSoon'] as const;
const isSwitched = (kind: NotificationKind): kind is (typeof SWITCHED)[number] =>
  (SWITCHED as readonly string[]).includes(kind);

/**
 * Where a kind of notification goes for a person (the server decides with this; the settings page shows it): a
 * chosen channel, else the defaults described at NOTIFICATION_CHANNELS.
 */
export function channelOf(
  prefs: (Pick<NotificationPrefs, 'channels'> & { email?: Partial<EmailPrefs> }) | null | undefined,
  kind: NotificationKind,
): NotificationChannel {
  const chosen = prefs?.channels?.[kind];
  if (chosen) return chosen;
  if (kind === 'invitation') return 'email';
  const email = { ...DEFAULT_NOTIFICATION_PREFS.email, ...prefs?.email };
  if (!isSwitched(kind) || !email[kind]) return 'inApp';
  return email.digest ? 'digest' : 'email';
}

/** `PATCH /api/me`: any subset; `notificationPrefs.email` may name only the switches that change. */
export const patchMeSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    avatarUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .nullable(),
    timezone: timeZoneSchema,
    notificationPrefs: z
      .strictObject({
        email: emailPrefsSchema.partial(),
        channels: channelsSchema,
        /** `{ projectId: true }` mutes a project's emails, `false` unmutes. */
        mutedProjects: z
          .record(z.string().min(1).max(80), z.boolean())
          .refine((m) => Object.keys(m).length <= 50, {
            message: 'at most 50 projects at once',
          }),
      })
      .partial(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, { message: 'name at least one field to change' });

export type PatchMeInput = z.infer<typeof patchMeSchema>;

export interface UserProfile {
  id: string;
  email: string;
  name: string;
  avatarUrl: string | null;
  timezone: string;
  notificationPrefs: NotificationPrefs;
  createdAt: string;
  updatedAt: string;
  version: number;
}
