import { useEffect, useRef, useState } from 'preact/hooks';
import { query } from '../api/client';
import type { Transition } from '../api/types';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'refused';

export interface LiveFilter {
  readonly deviceId?: string | null;
  readonly commandId?: string | null;
  readonly fleetCommandId?: string | null;
}

/**
 * `GET /events` through the browser's EventSource: it reconnects by itself and sends the last
 * id it saw (`Last-Event-ID`), so the ledger resumes the stream without a gap. The token goes
 * in the `ratchet_token` cookie (api/token.ts). When the ledger refuses the stream (a 401 ends
 * it for good), the state says so and the page's own requests ask for a token.
 */
export function useEvents(
  filter: LiveFilter,
  onTransition: (t: Transition) => void,
  epoch = 0,
): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const handler = useRef(onTransition);
  handler.current = onTransition;
  const url = `/events${query({ ...filter })}`;
  useEffect(() => {
    let source: EventSource | null = null;
    let retry: number | undefined;
    let closed = false;
    const connect = () => {
      source = new EventSource(url);
      source.onopen = () => setState('live');
      source.addEventListener('transition', (e) =>
        handler.current(JSON.parse((e as MessageEvent<string>).data)),
      );
      source.onerror = () => {
        if (source?.readyState !== EventSource.CLOSED) return setState('reconnecting');
        // Closed for good (a 401, a 400, or the ledger gone): try again a little later.
        setState('refused');
        source = null;
        if (!closed) retry = window.setTimeout(connect, 5_000);
      };
    };
    connect();
    return () => {
      closed = true;
      window.clearTimeout(retry);
      source?.close();
    };
  }, [url, epoch]);
  return state;
}
