import * as z from 'zod';

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

export const notificationPrefsSchema = z.strictObject({ email: emailPrefsSchema });

export type NotificationPrefs = z.infer<typeof notificationPrefsSchema>;

export const DEFAULT_NOTIFICATION_PREFS: NotificationPrefs = {
  email: { assigned: true, mentioned: true, dueSoon: true, digest: false },
};

/** `PATCH /api/me`: any subset; `notificationPrefs.email` may name only the switches that change. */
export const patchMeSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    avatarUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .nullable(),
    timezone: timeZoneSchema,
    notificationPrefs: z.strictObject({ email: emailPrefsSchema.partial() }),
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
