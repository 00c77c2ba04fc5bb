/**
 * `decidePresence(input, state, now)`: what a device's presence message means for its stream —
 * an event to append at the state's revision, or "unchanged" with its reason. A stale message
 * (an old will delivered late, a replayed birth, a repeat) changes nothing; the caller counts it
 * (`ratchet_presence_stale_total`). Pure: time is an argument; the rules table is the last word.
 */
import { type DeviceState, presenceOf } from './device-stream.js';
import { type PresenceEvent, canApplyPresence, isValidEpoch } from './presence.js';

/** A presence message as the device published it (`{ online, epoch }`), by kind. */
export type PresenceInput =
  | { readonly kind: 'came_online'; readonly epoch: number }
  | { readonly kind: 'went_offline'; readonly epoch: number };
export type PresenceInputKind = PresenceInput['kind'];

export type PresenceUnchangedReason =
  /** Not above every recorded epoch (online), or not the current online epoch (offline). */
  | 'stale'
  /**
   * Not a safe integer ≥ 1. `decodePresence` refuses such messages first; this keeps a caller
   * that skipped it from recording an epoch no later session could ever rise above.
   */
  | 'invalid_epoch';

export type PresenceDecision =
  | { readonly outcome: 'append'; readonly events: readonly PresenceEvent[] }
  | { readonly outcome: 'unchanged'; readonly reason: PresenceUnchangedReason };

const unchanged = (reason: PresenceUnchangedReason): PresenceDecision => ({
  outcome: 'unchanged',
  reason,
});

/** The input's own event, before the rules say whether it applies. */
function eventOf(input: PresenceInput, at: string): PresenceEvent {
  switch (input.kind) {
    case 'came_online':
      return { type: 'DeviceCameOnline', data: { epoch: input.epoch, at } };
    case 'went_offline':
      return { type: 'DeviceWentOffline', data: { epoch: input.epoch, at } };
    default: {
      const _exhaustive: never = input;
      return _exhaustive;
    }
  }
}

export function decidePresence(
  input: PresenceInput,
  state: DeviceState | null,
  now: Date,
): PresenceDecision {
  if (!isValidEpoch(input.epoch)) return unchanged('invalid_epoch');
  const event = eventOf(input, now.toISOString());
  return canApplyPresence(presenceOf(state), event)
    ? { outcome: 'append', events: [event] }
    : unchanged('stale');
}

/** `{ online, epoch }` (the MQTT payload) → the decider's input. */
export const presenceInput = (message: {
  readonly online: boolean;
  readonly epoch: number;
}): PresenceInput =>
  message.online
    ? { kind: 'came_online', epoch: message.epoch }
    : { kind: 'went_offline', epoch: message.epoch };
