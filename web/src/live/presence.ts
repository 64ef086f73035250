import type { PresenceEntry } from '../../../shared/schemas/websocket.ts';

/**
 * Who is on a board (pure; presence.test.ts). The server speaks in sessions (one per connection, i.e. per tab);
 * people see people: a person with two tabs is one avatar, viewing or editing whatever either tab has open.
 *
 * The signed-in person is left out entirely, their other tabs included: an avatar of yourself tells you nothing
 * (and "you are editing this in another tab" is shown where it matters, in the task panel's change warning).
 */

/** Sessions on one board, by session id (this tab's own session is never in it). */
export type Sessions = ReadonlyMap<string, PresenceEntry>;

/** The `subscribed` frame's list: the board as it is now (it replaces what we had: we may have missed leaves). */
export function sessionsFrom(entries: PresenceEntry[], ownSession: string): Sessions {
  return new Map(entries.filter((e) => e.online && e.session !== ownSession).map((e) => [e.session, e]));
}

/** A PRESENCE event: a session came, moved (another task, a field) or left. Older news than ours is ignored. */
export function withPresence(
  sessions: Sessions,
  entry: PresenceEntry,
  ownSession: string | undefined,
): Sessions {
  if (entry.session === ownSession) return sessions;
  const known = sessions.get(entry.session);
  if (known && known.at > entry.at) return sessions;
  const next = new Map(sessions);
  if (entry.online) next.set(entry.session, entry);
  else next.delete(entry.session);
  return next;
}

export interface Person {
  userId: string;
  /** Tasks open in any of their tabs. */
  viewing: string[];
  /** Fields being edited, with their task. */
  editing: { taskId: string; field: string }[];
}

/** The people on the board besides `selfId`, one per user, in the order they came. */
export function peopleOf(sessions: Sessions, selfId: string | undefined): Person[] {
  const byUser = new Map<string, Person>();
  const ordered = [...sessions.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  for (const entry of ordered) {
    if (entry.userId === selfId) continue;
    const person = byUser.get(entry.userId) ?? { userId: entry.userId, viewing: [], editing: [] };
    byUser.set(entry.userId, person);
    if (entry.viewing && !person.viewing.includes(entry.viewing)) person.viewing.push(entry.viewing);
    if (entry.viewing && entry.editing) person.editing.push({ taskId: entry.viewing, field: entry.editing });
  }
  return [...byUser.values()];
}

/** Who has a task open, and the field each is editing in it (null: just looking). */
export function peopleOnTask(people: Person[], taskId: string): { userId: string; editing: string | null }[] {
  return people
    .filter((p) => p.viewing.includes(taskId))
    .map((p) => ({ userId: p.userId, editing: p.editing.find((e) => e.taskId === taskId)?.field ?? null }));
}
