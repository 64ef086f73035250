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
