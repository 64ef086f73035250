import { useSyncExternalStore } from 'react';

/**
 * The app's one narrow-screen breakpoint (the phone layout in styles.css): below it the board's filter selects
 * move into a sheet and the calendar's month becomes an agenda.
 */
export const NARROW = '(max-width: 639.98px)';

const subscribe = (onChange: () => void) => {
  const query = window.matchMedia(NARROW);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
};

/** Whether the window is below the narrow breakpoint; follows it as the window is resized or turned. */
export const useNarrow = () =>
  useSyncExternalStore(
    subscribe,
    () => window.matchMedia(NARROW).matches,
    () => false,
  );
