import { monthGrid, nextAgendaTask, weekdayNames } from './CalendarView.tsx';
import type { CardSpot } from './keyboard.ts';

describe('the calendar', () => {
  it('heads its columns Monday first, like the grid of days', () => {
    const names = weekdayNames();
    expect(names).toHaveLength(7);
    // The grid's first day is a Monday whatever the month.
    expect(new Date(`${monthGrid(2026, 2)[0]}T00:00:00Z`).getUTCDay()).toBe(1);
    expect(names[0]).toBe(
      new Date(Date.UTC(2026, 2, 2)).toLocaleDateString(undefined, { weekday: 'short', timeZone: 'UTC' }),
    );
  });
});

describe('nextAgendaTask (arrow keys in the phone agenda)', () => {
  const spot = (id: string, day: number, index: number): CardSpot => ({
    id,
    column: day,
    index,
    top: day * 100 + index * 30,
    bottom: day * 100 + index * 30 + 25,
  });
  // Given out of order, as the DOM may: day 2 has a0 and a1, day 9 has b, day 23 has c.
  const cards = [spot('b', 9, 0), spot('a1', 2, 1), spot('c', 23, 0), spot('a0', 2, 0)];

  it('goes down and up through every task in date order, across days', () => {
    expect(nextAgendaTask(cards, 'a0', 'down')).toBe('a1');
    expect(nextAgendaTask(cards, 'a1', 'down')).toBe('b');
    expect(nextAgendaTask(cards, 'c', 'up')).toBe('b');
    expect(nextAgendaTask(cards, 'b', 'up')).toBe('a1');
  });

  it('stops at the ends, and left and right go nowhere', () => {
    expect(nextAgendaTask(cards, 'c', 'down')).toBeUndefined();
    expect(nextAgendaTask(cards, 'a0', 'up')).toBeUndefined();
    expect(nextAgendaTask(cards, 'b', 'left')).toBeUndefined();
    expect(nextAgendaTask(cards, 'b', 'right')).toBeUndefined();
  });
});
