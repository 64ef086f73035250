import type { Member } from '../../../shared/schemas/workspaces.ts';

/**
 * Mentions in the web app, by the server's rule (functions/domain/comments.ts): `@` not glued to a word, then a
 * member's display name or the local part of their email, case-insensitively, ending as a word.
 */

export const handleOf = (member: Pick<Member, 'email'>) => member.email.split('@')[0] ?? '';

/** The `@query` being typed at `caret`, if any: where its `@` is and what follows it. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | undefined {
  const before = text.slice(0, caret);
  const match = /(^|[^\p{L}\p{N}_])@([\p{L}\p{N}_.-]{0,40})$/u.exec(before);
  if (!match) return undefined;
  return { start: caret - match[2]!.length - 1, query: match[2]! };
}

/** Members whose name or handle starts with the query (case-insensitive), at most `limit`. */
export function mentionMatches(members: Member[], query: string, limit = 6): Member[] {
  const q = query.toLowerCase();
  return members
    .filter((m) => handleOf(m).toLowerCase().startsWith(q) || m.name.toLowerCase().startsWith(q))
    .slice(0, limit);
}

/** The text with the `@query` at `start` replaced by the member's handle and a space; the caret after it. */
export function insertMention(
  text: string,
  start: number,
  caret: number,
  member: Pick<Member, 'email'>,
): { text: string; caret: number } {
  const inserted = `@${handleOf(member)} `;
  return { text: text.slice(0, start) + inserted + text.slice(caret), caret: start + inserted.length };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The markdown with each mention of these members (the comment's `mentions`) made a `#mention-<id>` link, which
 * the Markdown component shows highlighted; code (fenced or inline) is left alone.
 */
export function markMentions(markdown: string, members: Member[]): string {
  if (members.length === 0) return markdown;
  const handles = members
    .flatMap((m) => [m.name, handleOf(m)].filter(Boolean).map((h) => ({ h, id: m.userId })))
    .sort((a, b) => b.h.length - a.h.length);
  const pattern = new RegExp(
    `(^|[^\\p{L}\\p{N}_])@(${handles.map((x) => escapeRegExp(x.h)).join('|')})(?![\\p{L}\\p{N}_-])`,
    'giu',
  );
  const idOf = (h: string) => handles.find((x) => x.h.toLowerCase() === h.toLowerCase())!.id;
  // Split out code: fenced blocks and inline spans stay as they are.
  return markdown
    .split(/(```[\s\S]*?```|~~~[\s\S]*?~~~|`[^`\n]*`)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(pattern, (_, lead: string, h: string) => `${lead}[@${h}](#mention-${idOf(h)})`),
    )
    .join('');
}
