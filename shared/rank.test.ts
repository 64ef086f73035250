import { isValidRank, RANK_ALPHABET, rankAfter, rankBefore, rankBetween, ranksBetween } from './rank.ts';

/** mulberry32: a tiny seeded generator, so a failing property run can be replayed exactly. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The first rank that is invalid or not above its predecessor, or null: one expect() per list stays fast. */
function firstOutOfOrder(ranks: readonly string[]): string | null {
  for (let i = 0; i < ranks.length; i++) {
    const rank = ranks[i]!;
    if (!isValidRank(rank) || (i > 0 && !(ranks[i - 1]! < rank))) return `${i}: ${ranks[i - 1]} then ${rank}`;
  }
  return null;
}

describe('RANK_ALPHABET', () => {
  it('is 62 characters in ASCII order, so string order is digit order', () => {
    expect(RANK_ALPHABET).toHaveLength(62);
    expect([...RANK_ALPHABET].sort().join('')).toBe(RANK_ALPHABET);
    expect(new Set(RANK_ALPHABET).size).toBe(62);
  });
});

describe('isValidRank', () => {
  it('accepts alphabet strings not ending in 0', () => {
    for (const rank of ['1', 'V', 'z', '01', 'a0b', 'zzzz', 'Az09x']) expect(isValidRank(rank)).toBe(true);
  });

  it('rejects empty, a trailing 0 and characters outside the alphabet', () => {
    for (const rank of ['', '0', 'a0', 'V00', 'a-b', 'a b', 'é', 'a\n', '#', '~']) {
      expect(isValidRank(rank)).toBe(false);
    }
    expect(isValidRank(42 as unknown as string)).toBe(false);
  });
});

describe('rankBetween', () => {
  it('is strictly between two ranks', () => {
    const pairs: [string, string][] = [
      ['V', 'W'],
      ['1', 'z'],
      ['V', 'V1'],
      ['a', 'a01'],
      ['Vz', 'X1'],
      ['0001', '0002'],
      ['yzzzz', 'z'],
      ['A', 'b'],
      ['abc', 'abd'],
    ];
    for (const [before, after] of pairs) {
      const rank = rankBetween(before, after);
      expect(isValidRank(rank)).toBe(true);
      expect(before < rank && rank < after).toBe(true);
    }
  });

  it('extends by one digit only when the neighbours are adjacent', () => {
    expect(rankBetween('V', 'W')).toBe('VV');
    expect(rankBetween('V', 'V1')).toBe('V0V');
    expect(rankBetween('1', 'z')).toBe('V');
  });

  it('lands near the middle of the gap, so both sides keep room', () => {
    expect(rankBetween('V', 'X')).toBe('W');
    // The shortest rank in ('Vz', 'X1') is 'W', one unit of 62^-2 above 'Vz' and 63 below 'X1'; 'WV' is
    // the middle.
    expect(rankBetween('Vz', 'X1')).toBe('WV');
  });

  it('handles open ends', () => {
    expect(rankBetween()).toBe('V');
    expect(rankBetween(null, null)).toBe('V');
    expect(rankBetween(undefined, undefined)).toBe('V');
    for (const rank of ['1', 'V', 'z', 'zzz', '01', 'a5xq', 'V0000001']) {
      const above = rankBetween(rank, null);
      const below = rankBetween(null, rank);
      expect(isValidRank(above) && isValidRank(below)).toBe(true);
      expect(rank < above).toBe(true);
      expect(below < rank).toBe(true);
    }
  });

  it('throws RangeError for invalid input', () => {
    const bad: [string | null, string | null][] = [
      ['V', 'V'],
      ['W', 'V'],
      ['V1', 'V'],
      ['a0', null],
      [null, 'a0'],
      ['0', null],
      ['', null],
      [null, ''],
      ['', 'V'],
      ['a-b', null],
      [null, 'a b'],
      ['V', 'é'],
    ];
    for (const [before, after] of bad) expect(() => rankBetween(before, after)).toThrow(RangeError);
  });
});

describe('rankAfter / rankBefore', () => {
  it('are rankBetween with one open end', () => {
    for (const rank of [null, 'V', 'z', '0z', 'Qa7']) {
      expect(rankAfter(rank)).toBe(rankBetween(rank, null));
      expect(rankBefore(rank)).toBe(rankBetween(null, rank));
    }
    expect(rankAfter()).toBe('V');
    expect(rankBefore()).toBe('V');
  });

  it('follow a long rank with a short one', () => {
    expect(rankAfter('V5abcdef')).toBe('V6');
    expect(rankBefore('V5abcdef')).toBe('V5');
  });

  it('throw RangeError for an invalid rank', () => {
    expect(() => rankAfter('a0')).toThrow(RangeError);
    expect(() => rankBefore('')).toThrow(RangeError);
  });
});

describe('growth', () => {
  it('10,000 appends (and prepends) stay within 4 characters', () => {
    const appended: string[] = [];
    const prepended: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      appended.push(rankAfter(appended.at(-1)));
      prepended.unshift(rankBefore(prepended[0]));
    }
    expect(firstOutOfOrder(appended)).toBeNull();
    expect(firstOutOfOrder(prepended)).toBeNull();
    // Measured: 4 both ways (1,861 ranks up to 'z' in 2 characters, then steps of 62^-4).
    expect(Math.max(...appended.map((r) => r.length), ...prepended.map((r) => r.length))).toBe(4);
  });

  it('1,000 inserts at the same spot grow about one character per log2(62) ≈ 6', () => {
    // The worst case: always between a fixed neighbour and the rank just made, so the gap halves each time.
    // Measured: 168 characters either way; 1000 / log2(62) ≈ 168.
    const downwards = ['W'];
    const upwards = ['V'];
    for (let i = 0; i < 1000; i++) {
      downwards.unshift(rankBetween('V', downwards[0]));
      upwards.push(rankBetween(upwards.at(-1), 'W'));
    }
    expect(firstOutOfOrder(['V', ...downwards])).toBeNull();
    expect(firstOutOfOrder([...upwards, 'W'])).toBeNull();
    for (const rank of [downwards[0]!, upwards.at(-1)!]) {
      expect(rank.length).toBeGreaterThan(1000 / Math.log2(62) - 10);
      expect(rank.length).toBeLessThanOrEqual(175);
    }
  });
});

describe('ranksBetween', () => {
  const gaps: [string | null, string | null][] = [
    ['V', 'W'],
    ['V', 'V1'],
    ['1', 'z'],
    ['abc', 'abd'],
    [null, null],
    ['V', null],
    [null, 'V'],
    ['zz', null],
    [null, '01'],
  ];

  it.each([1, 10, 1000])('returns %i strictly increasing valid ranks inside the gap', (n) => {
    for (const [before, after] of gaps) {
      const ranks = ranksBetween(before, after, n);
      expect(ranks).toHaveLength(n);
      expect(firstOutOfOrder(ranks)).toBeNull();
      if (before !== null) expect(before < ranks[0]!).toBe(true);
      if (after !== null) expect(ranks[n - 1]! < after).toBe(true);
    }
  });

  it('spreads the ranks evenly over a closed gap', () => {
    // 'V'..'W' is 62 units of 62^-2: ten ranks every 62/11 ≈ 5.6 units, none off by more than a quarter of
    // that.
    const offsets = ranksBetween('V', 'W', 10).map((rank) => {
      expect(rank.length).toBeLessThanOrEqual(2);
      return rank.length === 1 ? 0 : RANK_ALPHABET.indexOf(rank.charAt(1));
    });
    offsets.forEach((offset, i) =>
      expect(Math.abs(offset - ((i + 1) * 62) / 11)).toBeLessThanOrEqual(62 / 44),
    );
  });

  it('gives one rank where rankBetween would, and n appends at an open end', () => {
    expect(ranksBetween('V', 'X', 1)).toEqual([rankBetween('V', 'X')]);
    const appended: string[] = [];
    let last: string | null = 'V';
    for (let i = 0; i < 5; i++) appended.push((last = rankAfter(last)));
    expect(ranksBetween('V', null, 5)).toEqual(appended);
    expect(ranksBetween(null, 'V', 2)).toEqual([rankBefore(rankBefore('V')), rankBefore('V')]);
  });

  it('returns nothing for n = 0 and throws RangeError for a bad count or gap', () => {
    expect(ranksBetween('V', 'W', 0)).toEqual([]);
    for (const n of [-1, 1.5, Number.NaN, Infinity])
      expect(() => ranksBetween('V', 'W', n)).toThrow(RangeError);
    expect(() => ranksBetween('W', 'V', 3)).toThrow(RangeError);
    expect(() => ranksBetween('V', 'V', 0)).toThrow(RangeError);
    expect(() => ranksBetween('a0', null, 1)).toThrow(RangeError);
  });
});

describe('random moves (property)', () => {
  it('keeps 2,000 tasks in their intended order over 5,000 moves, with unique valid ranks', () => {
    const random = mulberry32(0x7ea3f10);
    const randomInt = (limit: number): number => Math.floor(random() * limit);
    // The intended order is the array order; each task only ever gets a new rank when it is moved.
    const tasks = ranksBetween(null, null, 2000).map((rank, id) => ({ id, rank }));
    let hotSpot: (typeof tasks)[number] | undefined;
    let longest = 0;
    for (let step = 0; step < 5000; step++) {
      const [task] = tasks.splice(randomInt(tasks.length), 1);
      if (task === undefined) throw new Error('unreachable: the list is never empty');
      // Mostly uniform drops, plus the top, the bottom and right after the task last dropped there, so open
      // ends and the repeated same-spot inserts that make ranks long are exercised too.
      const kind = random();
      let at: number;
      if (kind < 0.7) at = randomInt(tasks.length + 1);
      else if (kind < 0.8) at = 0;
      else if (kind < 0.9) at = tasks.length;
      else {
        // indexOf gives -1, so the top, when the hot-spot task is the one just picked up.
        at = hotSpot === undefined ? 0 : tasks.indexOf(hotSpot) + 1;
        hotSpot = task;
      }
      task.rank = rankBetween(tasks[at - 1]?.rank, tasks[at]?.rank);
      tasks.splice(at, 0, task);
      longest = Math.max(longest, task.rank.length);

      // Valid and strictly increasing in list order is the same as "sorted by rank is the intended order, no
      // duplicates", in O(n) per move instead of a sort.
      const broken = firstOutOfOrder(tasks.map((t) => t.rank));
      if (broken !== null) throw new Error(`after move ${step}, at ${broken}`);
    }
    // And literally: sorting by rank (string comparison, as DynamoDB does) gives the intended order.
    const sorted = [...tasks].sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
    expect(sorted.map((t) => t.id)).toEqual(tasks.map((t) => t.id));
    expect(new Set(tasks.map((t) => t.rank)).size).toBe(2000);
    expect(tasks.every((t) => isValidRank(t.rank))).toBe(true);
    // The hot spot did make long ranks (about 500 inserts there, interleaved with the rest).
    expect(longest).toBeGreaterThan(20);
  });
});
