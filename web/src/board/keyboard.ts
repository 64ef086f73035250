import type { KeyboardCodes, KeyboardCoordinateGetter, UniqueIdentifier } from '@dnd-kit/core';

/**
 * Keyboard movement shared by the board, the sprint planning lists and the calendar: arrow keys move the focus
 * between cards (no drag active), and during a keyboard drag they jump the dragged card from one drop target to
 * the neighbouring one (a list, a calendar day) instead of dnd-kit's default 25 px steps.
 */

export type Direction = 'up' | 'down' | 'left' | 'right';

/** `KeyboardEvent.key` (or `.code`: the same names for arrows) to a direction. */
export const ARROW_DIRECTIONS: Readonly<Record<string, Direction>> = {
  ArrowUp: 'up',
  ArrowDown: 'down',
  ArrowLeft: 'left',
  ArrowRight: 'right',
};

/**
 * dnd-kit's keyboard codes without Enter as a start key: Space picks a card up, Enter opens it (the card's own
 * handler); Space or Enter drops, Escape cancels.
 */
export const KEYBOARD_CODES: KeyboardCodes = {
  start: ['Space'],
  cancel: ['Escape'],
  end: ['Space', 'Enter'],
};

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

const centre = (b: Box) => ({ x: b.left + b.width / 2, y: b.top + b.height / 2 });

/**
 * The candidate nearest to `from` in `direction`: its centre must lie that way, and the distance along the
 * direction counts half as much as the offset across it, so the neighbour in the same row (or column) of a grid
 * wins over a closer-looking one diagonally. Undefined when nothing lies that way.
 */
export function nearestInDirection<T extends { rect: Box }>(
  from: Box,
  candidates: readonly T[],
  direction: Direction,
): T | undefined {
  const a = centre(from);
  let best: T | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    const b = centre(candidate.rect);
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const along = direction === 'left' ? -dx : direction === 'right' ? dx : direction === 'up' ? -dy : dy;
    const across = direction === 'left' || direction === 'right' ? Math.abs(dy) : Math.abs(dx);
    if (along < 1) continue;
    const score = along + 2 * across;
    if (score < bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  return best;
}

/**
 * A dnd-kit keyboard coordinate getter: an arrow moves the dragged item onto the centre of the nearest enabled
 * drop target that way (counted from the target it is over, else from itself). With a centre-based collision
 * detection for the keyboard, the item is then over that target.
 */
export const jumpToDroppable: KeyboardCoordinateGetter = (event, { context }) => {
  const direction = ARROW_DIRECTIONS[event.code];
  if (!direction) return undefined;
  event.preventDefault();
  const { collisionRect, droppableRects, droppableContainers, over } = context;
  if (!collisionRect) return undefined;
  const from = (over && droppableRects.get(over.id)) || collisionRect;
  const candidates: { id: UniqueIdentifier; rect: Box }[] = [];
  for (const container of droppableContainers.getEnabled()) {
    const rect = droppableRects.get(container.id);
    if (rect && container.id !== over?.id) candidates.push({ id: container.id, rect });
  }
  const target = nearestInDirection(from, candidates, direction);
  if (!target) return undefined;
  const to = centre(target.rect);
  return { x: to.x - collisionRect.width / 2, y: to.y - collisionRect.height / 2 };
};

/**
 * Wraps dnd-kit's sortable keyboard coordinates for the board: for left and right it offers only drop targets
 * whose left edge lies more than half the dragged card's width that way. dnd-kit's own test (any target whose
 * left edge is right of the dragged card's) lets the cards of the card's own column in by a fraction of a pixel
 * (the overlay's rect is not exactly the card's), and ArrowRight then moved the card within its column.
 */
export function acrossColumns(getter: KeyboardCoordinateGetter): KeyboardCoordinateGetter {
  return (event, args) => {
    const direction = ARROW_DIRECTIONS[event.code];
    const { collisionRect, droppableContainers, droppableRects } = args.context;
    if (!collisionRect || (direction !== 'left' && direction !== 'right')) return getter(event, args);
    const half = collisionRect.width / 2;
    const enabled = droppableContainers.getEnabled().filter((container) => {
      const rect = droppableRects.get(container.id);
      if (!rect) return false;
      return direction === 'right'
        ? rect.left > collisionRect.left + half
        : rect.left < collisionRect.left - half;
    });
    const containers = {
      getEnabled: () => enabled,
      get: (id: UniqueIdentifier) => droppableContainers.get(id),
    } as unknown as typeof droppableContainers;
    return getter(event, { ...args, context: { ...args.context, droppableContainers: containers } });
  };
}

/** A card on screen, as the board's focus movement sees it. */
export interface CardSpot {
  id: string;
  /** The column's place on the board (0 = the first column). */
  column: number;
  /** The card's place in its column. */
  index: number;
  top: number;
  bottom: number;
}

/**
 * The card an arrow key moves the focus to: up and down the previous or next card of the same column; left and
 * right the card of the nearest column that way that has cards, the one whose middle is nearest to the current
 * card's middle on screen. Undefined when there is none (the focus stays).
 */
export function nextCard(
  cards: readonly CardSpot[],
  currentId: string,
  direction: Direction,
): string | undefined {
  const current = cards.find((c) => c.id === currentId);
  if (!current) return undefined;
  if (direction === 'up' || direction === 'down') {
    const index = current.index + (direction === 'down' ? 1 : -1);
    return cards.find((c) => c.column === current.column && c.index === index)?.id;
  }
  const step = direction === 'right' ? 1 : -1;
  const columns = [...new Set(cards.map((c) => c.column))]
    .filter((column) => (column - current.column) * step > 0)
    .sort((a, b) => (a - b) * step);
  const column = columns[0];
  if (column === undefined) return undefined;
  const middle = (c: CardSpot) => (c.top + c.bottom) / 2;
  let best: CardSpot | undefined;
  for (const card of cards) {
    if (card.column !== column) continue;
    const distance = Math.abs(middle(card) - middle(current));
    if (!best || distance < Math.abs(middle(best) - middle(current))) best = card;
  }
  return best?.id;
}

/**
 * `nextCard` for the calendar, whose cards' `column` is their day's place in the month grid (seven a week): left
 * and right go to the nearest earlier or later day that has tasks (across the ends of weeks); up and down move
 * within the day, then on to the nearest week above or below that has tasks, to the task on the weekday nearest
 * the current one (that day's last task going up, its first going down).
 */
export function nextCalendarTask(
  cards: readonly CardSpot[],
  currentId: string,
  direction: Direction,
): string | undefined {
  const inDay = nextCard(cards, currentId, direction);
  const current = cards.find((c) => c.id === currentId);
  if (inDay !== undefined || !current || direction === 'left' || direction === 'right') return inDay;
  const step = direction === 'down' ? 1 : -1;
  const week = (c: CardSpot) => Math.floor(c.column / 7);
  const weeks = [...new Set(cards.map(week))]
    .filter((w) => (w - week(current)) * step > 0)
    .sort((a, b) => (a - b) * step);
  const target = weeks[0];
  if (target === undefined) return undefined;
  const score = (c: CardSpot) => Math.abs((c.column % 7) - (current.column % 7)) * 1e6 + step * c.index;
  let best: CardSpot | undefined;
  for (const card of cards) {
    if (week(card) === target && (!best || score(card) < score(best))) best = card;
  }
  return best?.id;
}

/**
 * Moves the focus from a card of `container` to the next one that way (cards carry `data-card-id`,
 * `data-column` and `data-index`), the one `next` picks (the board's rule by default). Returns whether it moved.
 */
export function focusNextCard(
  container: Element,
  from: HTMLElement,
  direction: Direction,
  next: typeof nextCard = nextCard,
): boolean {
  const nodes = [...container.querySelectorAll<HTMLElement>('[data-card-id]')];
  const spots = nodes.map((node) => {
    const rect = node.getBoundingClientRect();
    return {
      id: node.dataset.cardId ?? '',
      column: Number(node.dataset.column),
      index: Number(node.dataset.index),
      top: rect.top,
      bottom: rect.bottom,
    };
  });
  const id = next(spots, from.dataset.cardId ?? '', direction);
  const target = id === undefined ? undefined : nodes.find((n) => n.dataset.cardId === id);
  if (!target) return false;
  target.focus();
  target.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  return true;
}
