import { useEffect, useRef } from 'preact/hooks';
import type { LiveState } from './use-events';

/** Loads again when the live stream comes back after an interruption (events may be missed). */
export function useReloadOnReconnect(state: LiveState, reload: () => void): void {
  const previous = useRef<LiveState>(state);
  useEffect(() => {
    if (state === 'live' && (previous.current === 'reconnecting' || previous.current === 'refused'))
      reload();
    previous.current = state;
  }, [state]);
}
