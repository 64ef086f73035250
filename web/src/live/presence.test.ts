import type { PresenceEntry } from '../../../shared/schemas/websocket.ts';
import { peopleOf, peopleOnTask, sessionsFrom, withPresence } from './presence.ts';

const entry = (over: Partial<PresenceEntry>): PresenceEntry => ({
  userId: 'alex',
  session: 's-alex',
  online: true,
  viewing: null,
  editing: null,
  at: '2026-03-02T10:00:00.000Z',
  ...over,
});

describe('presence', () => {
  it("the subscribed list is the board now, without this tab's own session", () => {
    const sessions = sessionsFrom(
      [entry({}), entry({ userId: 'me', session: 'mine' }), entry({ userId: 'sam', session: 's-sam' })],
      'mine',
    );
    expect([...sessions.keys()]).toEqual(['s-alex', 's-sam']);
  });

  it('a person with two tabs is one person, with what either tab has open', () => {
    const sessions = sessionsFrom(
      [
        entry({ session: 'tab1', viewing: 'T1' }),
        entry({ session: 'tab2', viewing: 'T2', editing: 'title', at: '2026-03-02T10:00:01.000Z' }),
      ],
      'mine',
    );
    expect(peopleOf(sessions, 'me')).toEqual([
      { userId: 'alex', viewing: ['T1', 'T2'], editing: [{ taskId: 'T2', field: 'title' }] },
    ]);
  });

  it('leaves out the signed-in person, their other tabs too', () => {
    const sessions = sessionsFrom([entry({ userId: 'me', session: 'other-tab' }), entry({})], 'mine');
    expect(peopleOf(sessions, 'me').map((p) => p.userId)).toEqual(['alex']);
  });

  it('a PRESENCE event moves, adds and removes a session; older news is ignored', () => {
    let sessions = sessionsFrom([entry({})], 'mine');
    sessions = withPresence(sessions, entry({ viewing: 'T1', at: '2026-03-02T10:00:05.000Z' }), 'mine');
    expect(peopleOnTask(peopleOf(sessions, 'me'), 'T1')).toEqual([{ userId: 'alex', editing: null }]);
    const stale = withPresence(sessions, entry({ viewing: null, at: '2026-03-02T10:00:01.000Z' }), 'mine');
    expect(stale).toBe(sessions);
    sessions = withPresence(sessions, entry({ online: false, at: '2026-03-02T10:00:09.000Z' }), 'mine');
    expect(peopleOf(sessions, 'me')).toEqual([]);
  });

  it("ignores events about this tab's own session", () => {
    const sessions = sessionsFrom([], 'mine');
    expect(withPresence(sessions, entry({ session: 'mine' }), 'mine')).toBe(sessions);
  });

  it('people on a task, and the field each is editing', () => {
    const sessions = sessionsFrom(
      [
        entry({ viewing: 'T1', editing: 'description' }),
        entry({ userId: 'sam', session: 's-sam', viewing: 'T1' }),
        entry({ userId: 'kim', session: 's-kim', viewing: 'T2' }),
      ],
      'mine',
    );
    expect(peopleOnTask(peopleOf(sessions, 'me'), 'T1')).toEqual([
      { userId: 'alex', editing: 'description' },
      { userId: 'sam', editing: null },
    ]);
  });
});
