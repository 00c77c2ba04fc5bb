import type { LiveTransition } from './live-transition.js';

/** What a client of `GET /events` asked for; an absent field does not narrow the stream. */
export interface LiveEventsFilter {
  readonly deviceId?: string;
  readonly commandId?: string;
  readonly fleetCommandId?: string;
}

export const matchesFilter = (filter: LiveEventsFilter, t: LiveTransition): boolean =>
  (filter.deviceId === undefined || filter.deviceId === t.deviceId) &&
  (filter.commandId === undefined || filter.commandId === t.commandId) &&
  (filter.fleetCommandId === undefined || filter.fleetCommandId === t.fleetCommandId);
