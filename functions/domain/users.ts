import { DEFAULT_NOTIFICATION_PREFS, type PatchMeInput, type UserProfile } from '#shared/schemas/me';
import { NotFoundError } from '#functions/lib/errors';

export interface NewUser {
  id: string;
  email: string;
  name?: string;
}

/** Persistence of user profiles; the DynamoDB implementation lives in functions/store. */
export interface UserRepository {
  get(userId: string): Promise<UserProfile | undefined>;
  /** Stores the profile unless one exists; returns the stored one either way. */
  createIfAbsent(profile: UserProfile): Promise<UserProfile>;
  /** Applies the patch atomically and returns the new profile; undefined when there is no profile. */
  update(userId: string, patch: PatchMeInput, now: string): Promise<UserProfile | undefined>;
}

/** A display name for a person who gave none: the part of the email before the @. */
export function defaultName(email: string): string {
  const local = email.split('@')[0] ?? email;
  return local.slice(0, 100) || email;
}

export function newProfile(user: NewUser, now: string): UserProfile {
  return {
    id: user.id,
    email: user.email.toLowerCase(),
    name: user.name?.trim() || defaultName(user.email),
    avatarUrl: null,
    timezone: 'UTC',
    notificationPrefs: structuredClone(DEFAULT_NOTIFICATION_PREFS),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Called by the post-confirmation trigger, and as a fallback on the first `GET /api/me`. */
  async register(user: NewUser): Promise<UserProfile> {
    return this.users.createIfAbsent(newProfile(user, this.clock().toISOString()));
  }

  async me(identity: NewUser): Promise<UserProfile> {
    return (await this.users.get(identity.id)) ?? this.register(identity);
  }

  async updateMe(identity: NewUser, patch: PatchMeInput): Promise<UserProfile> {
    const now = this.clock().toISOString();
    const updated = await this.users.update(identity.id, patch, now);
    if (updated) return updated;
    // No profile yet (trigger not run): create it, then apply the change.
    await this.register(identity);
    const retried = await this.users.update(identity.id, patch, now);
    if (!retried) throw new NotFoundError('No profile for this user');
    return retried;
  }
}
