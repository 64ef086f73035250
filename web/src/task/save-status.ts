import type { OutboxEntry } from '../offline/outbox-logic.ts';
import { FIELD_TITLES } from './conflict.ts';

const REASONS: Record<NonNullable<OutboxEntry['lastError']>, string> = {
  rate: 'too many requests',
  server: 'TeamFlow did not answer',
  network: 'no connection',
  session: 'your session ended',
};

const list = (names: string[]) =>
  names.length <= 1 ? (names[0] ?? 'Your change') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;

/**
 * What the task panel says about this task's changes (`mine`) while the outbox waits after a failed send: the
 * queue goes in order, so it is its first change (`head`, maybe another task's) that says why and when the
 * next try is (the server's Retry-After for a 429: the limit is the person's, not the task's). Null when
 * nothing of this task waits after a failure.
 */
export function waitingMessage(
  head: OutboxEntry | undefined,
  mine: readonly OutboxEntry[],
  now: number,
): string | null {
  if (!head?.lastError || mine.length === 0) return null;
  const fields = [
    ...new Set(mine.flatMap((e) => (e.kind === 'move' ? ['status'] : Object.keys(e.body)))),
  ].map((f) => FIELD_TITLES[f] ?? f);
  const what = `${list(fields)} not saved yet: ${REASONS[head.lastError]}.`;
  if (head.lastError === 'network') return `${what} It is saved once you are back online.`;
  if (head.lastError === 'session') return `${what} Sign in again to save it.`;
  const seconds = Math.max(1, Math.ceil((head.notBefore - now) / 1000));
  return `${what} TeamFlow will try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`;
}
