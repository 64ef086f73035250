import type { Member } from '../../../shared/schemas/workspaces.ts';
import { insertMention, markMentions, mentionAt, mentionMatches } from './mentions.ts';

const member = (userId: string, name: string, email: string): Member => ({
  userId,
  name,
  email,
  role: 'member',
  joinedAt: '2026-01-01T00:00:00.000Z',
});
const ada = member('u1', 'Ada Lovelace', 'ada.l@example.com');
const bob = member('u2', 'Bob', 'bob@example.com');

describe('mentions in the comment box', () => {
  it('finds the @query being typed, not an email address', () => {
    expect(mentionAt('hi @ad', 6)).toEqual({ start: 3, query: 'ad' });
    expect(mentionAt('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionAt('mail bob@exa', 12)).toBeUndefined();
    expect(mentionAt('hi @ad and', 10)).toBeUndefined();
  });

  it('matches names and handles and inserts the handle', () => {
    expect(mentionMatches([ada, bob], 'ad')).toEqual([ada]);
    expect(mentionMatches([ada, bob], 'B')).toEqual([bob]);
    expect(mentionMatches([ada, bob], '')).toEqual([ada, bob]);
    expect(insertMention('hi @ad!', 3, 6, ada)).toEqual({ text: 'hi @ada.l !', caret: 10 });
  });

  it('marks mentions of the mentioned members outside code', () => {
    expect(markMentions('@Ada Lovelace and @bob, not `@bob` or x@bob', [ada, bob])).toBe(
      '[@Ada Lovelace](#mention-u1) and [@bob](#mention-u2), not `@bob` or x@bob',
    );
    expect(markMentions('@bobby', [bob])).toBe('@bobby');
  });
});
