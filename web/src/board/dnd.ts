import type { KeyboardEvent, KeyboardEventHandler } from 'react';
import {
  KeyboardSensor,
  MouseSensor,
  TouchSensor,
  useSensor,
  useSensors,
  type KeyboardCoordinateGetter,
} from '@dnd-kit/core';
import { ARROW_DIRECTIONS, focusNextCard, KEYBOARD_CODES, type nextCard } from './keyboard.ts';

/**
 * The drag sensors of every task surface (board, sprint planning, calendar): the mouse after 5 px, touch after a
 * 250 ms press (so a swipe still scrolls the columns), and the keyboard (Space picks up, arrows move by
 * `coordinateGetter`, Space/Enter drops, Escape cancels).
 */
export function useTaskSensors(coordinateGetter: KeyboardCoordinateGetter) {
  return useSensors(
    useSensor(MouseSensor, { activationConstraint: { distance: 5 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 250, tolerance: 8 } }),
    useSensor(KeyboardSensor, { coordinateGetter, keyboardCodes: KEYBOARD_CODES }),
  );
}

/**
 * A draggable card's keydown: while no drag is active, Enter opens the card and (when `container` names the
 * surrounding element) arrows move the focus to the next card; every other key, and every key during a keyboard
 * drag, goes to dnd-kit's own handler, which moves the dragged card with the arrows.
 */
export function cardKeyDown(options: {
  dragging: boolean;
  open: () => void;
  container?: string;
  /** Which card an arrow moves the focus to (the board's `nextCard` by default). */
  next?: typeof nextCard;
  dragKeyDown?: unknown;
}): KeyboardEventHandler<HTMLElement> {
  return (event: KeyboardEvent<HTMLElement>) => {
    const own = event.target === event.currentTarget;
    const plain = !event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey;
    if (!options.dragging && own && plain) {
      const direction = ARROW_DIRECTIONS[event.key];
      const container = options.container ? event.currentTarget.closest(options.container) : null;
      if (direction && container) {
        event.preventDefault();
        focusNextCard(container, event.currentTarget, direction, options.next);
        return;
      }
      if (event.key === 'Enter') {
        event.preventDefault();
        options.open();
        return;
      }
    }
    (options.dragKeyDown as KeyboardEventHandler<HTMLElement> | undefined)?.(event);
  };
}

/**
 * After a keyboard drop: the moved card is drawn anew in its new place (another column's list), so the focus,
 * left on its old element, would fall to the page. This puts it back on the card wherever it now is, until the
 * move has settled (the server's answer may redraw it once more); a focus the person has moved elsewhere is left
 * alone. The drop's announcement (dnd-kit's live region) is not touched.
 */
export function keepFocusOnCard(id: string, settled: Promise<unknown>, timeoutMs = 5000): void {
  let done = false;
  void settled.finally(() => {
    done = true;
  });
  const started = performance.now();
  const step = () => {
    const active = document.activeElement;
    const lost = !active || active === document.body || !active.isConnected;
    const node = document.querySelector<HTMLElement>(`[data-card-id="${CSS.escape(id)}"]`);
    if (lost && node) {
      node.focus({ preventScroll: true });
      node.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
    }
    if ((done && node && document.activeElement === node) || performance.now() - started > timeoutMs) return;
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}
