import type { PatchMeInput, UserProfile } from '#shared/schemas/me';
import { defaultName, UserService, type UserRepository } from './users.ts';

/** An in-memory repository: enough to test the service's decisions, which are pure logic. */
class MemoryUsers implements UserRepository {
  readonly items = new Map<string, UserProfile>();
  async get(id: string) {
    return this.items.get(id);
  }
  async createIfAbsent(profile: UserProfile) {
    if (!this.items.has(profile.id)) this.items.set(profile.id, profile);
    return this.items.get(profile.id)!;
  }
  async update(id: string, patch: PatchMeInput, now: string) {
    const current = this.items.get(id);
    if (!current) return undefined;
    const next: UserProfile = {
      ...current,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.timezone !== undefined ? { timezone: patch.timezone } : {}),
      updatedAt: now,
      version: current.version + 1,
    };
    this.items.set(id, next);
    return next;
  }
}

const at = new Date('2026-11-22T10:00:00.000Z');

describe('UserService', () => {
  it('registers a profile with defaults and the name given at sign-up', async () => {
    const users = new MemoryUsers();
    const profile = await new UserService(users, () => at).register({
      id: 'u1',
      email: 'Ada@Example.com',
      name: ' Ada ',
    });
    expect(profile).toEqual({
      id: 'u1',
      email: 'ada@example.com',
      name: 'Ada',
      avatarUrl: null,
      timezone: 'UTC',
      notificationPrefs: { email: { assigned: true, mentioned: true, dueSoon: true, digest: false } },
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
      version: 1,
    });
  });

  it('never overwrites an existing profile when registering again', async () => {
    const users = new MemoryUsers();
    const service = new UserService(users, () => at);
    await service.register({ id: 'u1', email: 'a@example.com', name: 'First' });
    await service.updateMe({ id: 'u1', email: 'a@example.com' }, { name: 'Changed' });
    const again = await service.register({ id: 'u1', email: 'a@example.com', name: 'Second' });
    expect(again.name).toBe('Changed');
  });

  it('creates the profile on first `me` when the trigger has not run', async () => {
    const users = new MemoryUsers();
    const me = await new UserService(users, () => at).me({ id: 'u2', email: 'grace@example.com' });
    expect(me.name).toBe('grace');
    expect(users.items.has('u2')).toBe(true);
  });

  it('applies a change even before the profile exists', async () => {
    const users = new MemoryUsers();
    const updated = await new UserService(users, () => at).updateMe(
      { id: 'u3', email: 'x@example.com' },
      { timezone: 'Europe/Berlin' },
    );
    expect(updated).toMatchObject({ timezone: 'Europe/Berlin', version: 2 });
  });

  it('derives a display name from the email', () => {
    expect(defaultName('linus.t@example.com')).toBe('linus.t');
  });
});
