import type { DroppableContainer, KeyboardCoordinateGetter } from '@dnd-kit/core';
import {
  acrossColumns,
  jumpToDroppable,
  nearestInDirection,
  nextCalendarTask,
  nextCard,
  type Box,
  type CardSpot,
} from './keyboard.ts';

const box = (left: number, top: number, width = 100, height = 80): Box => ({ left, top, width, height });

describe('nearestInDirection', () => {
  // A calendar-like grid: 3 columns x 2 rows of 100 x 80 cells.
  const cells = [0, 1].flatMap((row) =>
    [0, 1, 2].map((col) => ({ id: `r${row}c${col}`, rect: box(col * 100, row * 80) })),
  );
  const from = cells[1]!.rect; // r0c1

  it('moves to the neighbour in the same row or column', () => {
    expect(nearestInDirection(from, cells, 'right')?.id).toBe('r0c2');
    expect(nearestInDirection(from, cells, 'left')?.id).toBe('r0c0');
    expect(nearestInDirection(from, cells, 'down')?.id).toBe('r1c1');
  });
  it('finds nothing past the edge (the item stays where it is)', () => {
    expect(nearestInDirection(from, cells, 'up')).toBeUndefined();
    expect(nearestInDirection(cells[2]!.rect, cells, 'right')).toBeUndefined();
  });
  it('prefers the straight neighbour over a nearer-looking diagonal one', () => {
    const candidates = [
      { id: 'diagonal', rect: box(60, 70) },
      { id: 'straight', rect: box(150, 0) },
    ];
    expect(nearestInDirection(box(0, 0), candidates, 'right')?.id).toBe('straight');
  });
  it('jumps between two lists of different sizes side by side', () => {
    const lists = [
      { id: 'backlog', rect: box(0, 0, 300, 600) },
      { id: 'sprint', rect: box(320, 0, 300, 200) },
    ];
    expect(nearestInDirection(lists[0]!.rect, lists, 'right')?.id).toBe('sprint');
    expect(nearestInDirection(lists[1]!.rect, lists, 'left')?.id).toBe('backlog');
  });
});

describe('jumpToDroppable (dnd-kit keyboard coordinates)', () => {
  const rects = new Map([
    ['day:1', box(0, 0)],
    ['day:2', box(100, 0)],
    ['day:3', box(200, 0)],
  ]);
  const containers = [...rects.keys()].map(
    (id) => ({ id, disabled: false }) as unknown as DroppableContainer,
  );
  const run = (code: string, overId: string | null) => {
    const event = { code, preventDefault: jest.fn() } as unknown as KeyboardEvent;
    const result = jumpToDroppable(event, {
      active: 'task',
      currentCoordinates: { x: 10, y: 10 },
      context: {
        collisionRect: { ...box(30, 10, 60, 20), right: 90, bottom: 30 },
        droppableRects: rects,
        droppableContainers: { getEnabled: () => containers },
        over: overId ? { id: overId } : null,
      } as unknown as Parameters<KeyboardCoordinateGetter>[1]['context'],
    });
    return { result, event };
  };

  it('centres the dragged item on the next drop target that way, counted from the one it is over', () => {
    const { result, event } = run('ArrowRight', 'day:2');
    // day:3's centre is (250, 40); the item is 60 x 20.
    expect(result).toEqual({ x: 220, y: 30 });
    expect(event.preventDefault).toHaveBeenCalled();
  });
  it('counts from the item itself when it is over nothing', () => {
    expect(run('ArrowRight', null).result).toEqual({ x: 120, y: 30 });
  });
  it('leaves other keys and dead ends to dnd-kit (no move)', () => {
    expect(run('KeyA', 'day:1').result).toBeUndefined();
    expect(run('ArrowLeft', 'day:1').result).toBeUndefined();
  });
});

describe('nextCard (arrow keys on the board)', () => {
  const spot = (id: string, column: number, index: number, top: number): CardSpot => ({
    id,
    column,
    index,
    top,
    bottom: top + 90,
  });
  // Column 0: a, b, c; column 1 empty (not on screen); column 2: x (beside b), y; column 3: z.
  const cards = [
    spot('a', 0, 0, 100),
    spot('b', 0, 1, 200),
    spot('c', 0, 2, 300),
    spot('x', 2, 0, 190),
    spot('y', 2, 1, 290),
    spot('z', 3, 0, 100),
  ];

  it('moves up and down within the column', () => {
    expect(nextCard(cards, 'b', 'down')).toBe('c');
    expect(nextCard(cards, 'b', 'up')).toBe('a');
  });
  it('stays at the ends of a column', () => {
    expect(nextCard(cards, 'a', 'up')).toBeUndefined();
    expect(nextCard(cards, 'c', 'down')).toBeUndefined();
  });
  it('moves right to the nearest card of the next column with cards, skipping an empty one', () => {
    expect(nextCard(cards, 'b', 'right')).toBe('x');
    expect(nextCard(cards, 'c', 'right')).toBe('y');
    expect(nextCard(cards, 'x', 'right')).toBe('z');
  });
  it('moves left to the nearest card of the previous column', () => {
    expect(nextCard(cards, 'y', 'left')).toBe('c');
    expect(nextCard(cards, 'z', 'left')).toBe('x');
  });
  it('stays at the board edges and for an unknown card', () => {
    expect(nextCard(cards, 'a', 'left')).toBeUndefined();
    expect(nextCard(cards, 'z', 'right')).toBeUndefined();
    expect(nextCard(cards, 'nope', 'down')).toBeUndefined();
  });
});

describe('nextCalendarTask (arrow keys on the calendar)', () => {
  // A month grid, seven days a week; a task's column is its day's place in the grid, its index its place in the day.
  const spot = (id: string, day: number, index: number): CardSpot => {
    const top = Math.floor(day / 7) * 100 + 20 + index * 30;
    return { id, column: day, index, top, bottom: top + 25 };
  };
  // Week 0: Wednesday (day 2) a0, a1; Sunday (day 6) s. Week 1: nothing. Week 2: Monday (day 14) m; Thursday
  // (day 17) t0, t1. Week 3: Wednesday (day 23) w.
  const cards = [
    spot('a0', 2, 0),
    spot('a1', 2, 1),
    spot('s', 6, 0),
    spot('m', 14, 0),
    spot('t0', 17, 0),
    spot('t1', 17, 1),
    spot('w', 23, 0),
  ];

  it('moves up and down within a day first', () => {
    expect(nextCalendarTask(cards, 'a0', 'down')).toBe('a1');
    expect(nextCalendarTask(cards, 't1', 'up')).toBe('t0');
  });
  it('then on to the nearest week with tasks, to the nearest weekday: its first task down, its last up', () => {
    expect(nextCalendarTask(cards, 'a1', 'down')).toBe('t0'); // week 1 is empty; Thursday is nearest Wednesday
    expect(nextCalendarTask(cards, 't0', 'up')).toBe('a1');
    expect(nextCalendarTask(cards, 'm', 'up')).toBe('a1');
    expect(nextCalendarTask(cards, 't1', 'down')).toBe('w');
    expect(nextCalendarTask(cards, 'w', 'up')).toBe('t1');
  });
  it('moves left and right to the previous or next day with tasks, across the end of a week', () => {
    expect(nextCalendarTask(cards, 'a1', 'right')).toBe('s');
    expect(nextCalendarTask(cards, 's', 'right')).toBe('m');
    expect(nextCalendarTask(cards, 'm', 'left')).toBe('s');
    expect(nextCalendarTask(cards, 't1', 'left')).toBe('m');
    expect(nextCalendarTask(cards, 's', 'left')).toBe('a0');
  });
  it('stays at the ends of the grid and for an unknown task', () => {
    expect(nextCalendarTask(cards, 'a0', 'up')).toBeUndefined();
    expect(nextCalendarTask(cards, 'w', 'down')).toBeUndefined();
    expect(nextCalendarTask(cards, 'w', 'right')).toBeUndefined();
    expect(nextCalendarTask(cards, 'a0', 'left')).toBeUndefined();
    expect(nextCalendarTask(cards, 'nope', 'down')).toBeUndefined();
  });
});

describe('acrossColumns (board keyboard drag)', () => {
  const rects = new Map([
    ['same-column-card', box(100.4, 200, 260, 80)],
    ['column:in_progress', box(390, 0, 280, 600)],
    ['column:todo', box(90, 0, 280, 600)],
  ]);
  const containers = [...rects.keys()].map(
    (id) => ({ id, disabled: false }) as unknown as DroppableContainer,
  );
  const seen = (code: string) => {
    let offered: unknown[] = [];
    const inner: KeyboardCoordinateGetter = (_event, args) => {
      offered = args.context.droppableContainers.getEnabled().map((c) => c.id);
      return undefined;
    };
    acrossColumns(inner)({ code } as KeyboardEvent, {
      active: 'task',
      currentCoordinates: { x: 100, y: 100 },
      context: {
        collisionRect: { ...box(100, 100, 260, 80), right: 360, bottom: 180 },
        droppableRects: rects,
        droppableContainers: { getEnabled: () => containers, get: () => undefined },
      } as unknown as Parameters<KeyboardCoordinateGetter>[1]['context'],
    });
    return offered;
  };
  it('offers only targets of another column for left and right', () => {
    expect(seen('ArrowRight')).toEqual(['column:in_progress']);
    expect(seen('ArrowLeft')).toEqual([]);
  });
  it('leaves up and down to dnd-kit as they are', () => {
    expect(seen('ArrowDown')).toEqual(['same-column-card', 'column:in_progress', 'column:todo']);
  });
});
