import type { LiveState } from '../live/use-events';

const LABEL: Record<LiveState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  refused: 'not live',
};

export function LiveDot({ state }: { state: LiveState }) {
  return (
    <span class={`live live-${state}`} title="updates from GET /events">
      <span class="dot" />
      {LABEL[state]}
    </span>
  );
}
