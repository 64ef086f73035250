/**
 * Fractional ranks for board order (docs/data-model.md, "Ordering: fractional ranks"). Tasks in a column
 * sort by `rank` ascending with plain string comparison, so a move writes only the moved task: it takes a
 * rank strictly between its new neighbours and nobody else is renumbered.
 *
 * A rank is read as a base-62 fraction 0.d1d2d3…, e.g. "V" = 31/62 and "V1" = 31/62 + 1/62². Because no
 * valid rank ends in '0', two different ranks are two different numbers, and string order (`<`, which is
 * what DynamoDB's sort key order gives for ASCII) is numeric order: a prefix sorts first and is the smaller
 * number, since its missing digits are zeros while the longer rank ends in a non-zero digit. It also means
 * every rank has room below it ("a" and "a0" would be equal numbers with nothing between them). Arithmetic
 * is exact (BigInt), so a gap can be split however long ranks get, and deterministic, so tests and
 * concurrent servers agree.
 *
 * Growth:
 * - Between two ranks we take the shortest rank within a quarter of the spacing of the exact target (the
 *   midpoint, for one rank), so both sides keep room. Inserting again and again at the same spot (always
 *   between the same neighbour and the rank just made, the worst case) halves the gap each time: about one
 *   character per log2(62) ≈ 6 insertions (1,000 such insertions end at 168 characters). The background
 *   rebalance in the data model shortens such ranks again.
 * - At an open end (append / prepend) we step by a fixed small unit instead of halving what is left up to
 *   the end of the space, which would grow like the worst case above. See `stepUp`: 10,000 appends to an
 *   empty column stay within 4 characters.
 */

/** The alphabet: digits 0-9, A-Z, a-z (base 62, ASCII order = numeric order). */
export const RANK_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const BASE = BigInt(RANK_ALPHABET.length);
const LOWEST = '0';
const HIGHEST = 'z';
/** Non-empty, alphabet only, and not ending in the lowest digit. */
const VALID_RANK = /^[0-9A-Za-z]*[1-9A-Za-z]$/;
/** The first rank of an empty column: the middle of the space, as much room above as below. */
const FIRST_RANK = 'V';

export function isValidRank(rank: string): boolean {
  // Callers include the web app and request bodies, so a non-string must answer false rather than throw.
  return typeof rank === 'string' && VALID_RANK.test(rank);
}

/**
 * A rank strictly between `before` and `after`; either may be null/undefined (= open end). Throws RangeError
 * when before >= after or a rank is not valid.
 */
export function rankBetween(before?: string | null, after?: string | null): string {
  checkBounds(before, after);
  if (before == null) return after == null ? FIRST_RANK : stepDown(after);
  if (after == null) return stepUp(before);
  const { lo, gap, scale, shortest } = gapOf(before, after, 1);
  return fromInt(pick(lo, gap, 1n, 2n, scale, shortest), scale);
}

/** A rank after `last` (append at the bottom of a column); rankBetween(last, null). */
export function rankAfter(last?: string | null): string {
  return rankBetween(last, null);
}

/** A rank before `first` (put at the top of a column); rankBetween(null, first). */
export function rankBefore(first?: string | null): string {
  return rankBetween(null, first);
}

/**
 * n evenly spread ranks between before and after (for bulk inserts, e.g. accepting 10 AI subtasks), each
 * strictly increasing. With both neighbours given, rank i sits near before + i/(n+1) of the gap. At an open
 * end the ranks are what n single appends (or prepends) would give, so a bulk insert at the bottom keeps
 * ranks as short as adding the tasks one by one, instead of spreading them over all the space to the end.
 */
export function ranksBetween(
  before: string | null | undefined,
  after: string | null | undefined,
  n: number,
): string[] {
  checkBounds(before, after);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`rank count must be a whole number >= 0, got ${n}`);
  const ranks: string[] = [];
  if (before != null && after != null) {
    const { lo, gap, scale, shortest } = gapOf(before, after, n);
    const parts = BigInt(n + 1);
    for (let i = 1n; i <= BigInt(n); i++)
      ranks.push(fromInt(pick(lo, gap, i, parts, scale, shortest), scale));
  } else if (after == null) {
    let last = before;
    for (let i = 0; i < n; i++) ranks.push((last = rankBetween(last, null)));
  } else {
    let first: string = after;
    for (let i = 0; i < n; i++) ranks.push((first = rankBetween(null, first)));
    ranks.reverse();
  }
  return ranks;
}

function checkBounds(before: string | null | undefined, after: string | null | undefined): void {
  for (const rank of [before, after]) {
    if (rank != null && !isValidRank(rank)) {
      throw new RangeError(
        `invalid rank ${JSON.stringify(rank)}: expected one or more of 0-9A-Za-z, not ending in '0'`,
      );
    }
  }
  if (before != null && after != null && !(before < after)) {
    throw new RangeError(
      `no rank between ${JSON.stringify(before)} and ${JSON.stringify(after)}: not in order`,
    );
  }
}

/**
 * Both neighbours as whole numbers of units of 62^-scale, with `scale` deep enough that the gap holds at
 * least 2(n+1) units: then the nearest unit to each of the n targets is within a quarter of their spacing,
 * so `pick` always finds a rank.
 */
function gapOf(
  before: string,
  after: string,
  n: number,
): { lo: bigint; gap: bigint; scale: number; shortest: number } {
  let scale = Math.max(before.length, after.length); // both exact here, so the gap is at least one unit
  for (let room = 1; room < 2 * (n + 1); room *= RANK_ALPHABET.length) scale++;
  const lo = toInt(before, scale);
  // Anything between the two shares the digits they have in common (missing digits being zeros) and has one
  // more, so no shorter rank can fit; starting there keeps deep inserts linear in the rank length.
  const digitAt = (rank: string, i: number): string => rank.charAt(i) || LOWEST;
  let shortest = 1;
  while (digitAt(before, shortest - 1) === digitAt(after, shortest - 1)) shortest++;
  return { lo, gap: toInt(after, scale) - lo, scale, shortest };
}

/**
 * The i-th of parts-1 targets, lo + i·gap/parts, rounded to the shortest rank within a quarter of the
 * spacing (gap/parts) of it: short ranks, yet neighbours stay at least half a spacing apart and the outer
 * ones keep room towards both ends. For one rank (parts = 2) that is the middle quarter of the gap.
 */
function pick(lo: bigint, gap: bigint, i: bigint, parts: bigint, scale: number, shortest: number): bigint {
  const target = lo * parts + i * gap; // the target times parts, to stay in whole numbers
  for (let unit = BASE ** BigInt(scale - shortest); ; unit /= BASE) {
    // The nearest multiple of unit, ties to even: always rounding ties one way makes repeated inserts just
    // above one neighbour grow faster than those just below the other (measured 183 against 168 characters
    // per 1,000).
    const step = parts * unit;
    let multiple = target / step;
    const twiceRest = 2n * (target - multiple * step);
    if (twiceRest > step || (twiceRest === step && multiple % 2n === 1n)) multiple++;
    const candidate = multiple * unit;
    const off = candidate * parts - target;
    // |candidate - target/parts| <= gap / (4·parts); always true by unit = 1, see gapOf.
    if (4n * (off < 0n ? -off : off) <= gap) return candidate;
  }
}

/**
 * The rank after `last`: truncate to p digits and add one unit of 62^-p. With k leading 'z's, p = 2k + 2:
 * below "z" that is steps of 1/62² ("V", "V1", …, "Vz", "W", …: 1,860 appends from "V" to "z" within 2
 * characters), in ["z", "zz") steps of 1/62⁴ (234,484 appends within 4 characters), and so on. Length so
 * grows with the logarithm of the number of appends, where incrementing the last digit and extending at 'z'
 * would add a character every few dozen appends. Truncating first also lets a long rank (left by inserts) be
 * followed by a short one.
 */
function stepUp(last: string): string {
  const p = 2 * leading(last, HIGHEST) + 2;
  // Cannot reach 1: the first p digits are not all 'z' (a non-'z' digit or a padding zero is among them).
  return fromInt(toInt(last, p) + 1n, p);
}

/** The mirror image of `stepUp`, counting leading '0's: the largest multiple of 62^-p below `first`. */
function stepDown(first: string): string {
  const p = 2 * leading(first, LOWEST) + 2;
  const truncated = toInt(first, p);
  // A valid rank longer than p lost a non-zero digit, so its truncation already is below it. The result is
  // never zero: the first non-'0' digit of `first` is within p.
  return fromInt(first.length > p ? truncated : truncated - 1n, p);
}

function leading(rank: string, digit: string): number {
  let count = 0;
  while (rank.charAt(count) === digit) count++;
  return count;
}

/** The rank's first `scale` digits (zero-padded) as a whole number of units of 62^-scale. */
function toInt(rank: string, scale: number): bigint {
  let value = 0n;
  for (let i = 0; i < scale; i++) {
    value = value * BASE + BigInt(i < rank.length ? RANK_ALPHABET.indexOf(rank.charAt(i)) : 0);
  }
  return value;
}

/** The inverse of `toInt`, without trailing '0's: the same number, in the form whose order is numeric. */
function fromInt(value: bigint, scale: number): string {
  const digits: string[] = [];
  for (let i = 0; i < scale; i++) {
    digits.push(RANK_ALPHABET.charAt(Number(value % BASE)));
    value /= BASE;
  }
  return digits.reverse().join('').replace(/0+$/, '');
}
