/** The API's text limits the forms show (shared/schemas/tasks.ts; not imported, which would bring zod in). */
export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 50_000;

const count = (n: number) => n.toLocaleString('en-US');

/**
 * What to say under a text field of at most `max` characters: nothing well under it, a counter from 90% of it,
 * and over it how many characters too many (the text is kept: it is not saved until it fits).
 */
export function limitMessage(
  length: number,
  max: number,
  noun: string,
): { text: string; over: boolean } | null {
  if (length > max) {
    const over = length - max;
    return {
      text: `${noun} is ${count(over)} ${over === 1 ? 'character' : 'characters'} over the ${count(max)}-character limit: shorten it to save.`,
      over: true,
    };
  }
  if (length >= max * 0.9) return { text: `${count(length)}/${count(max)}`, over: false };
  return null;
}
