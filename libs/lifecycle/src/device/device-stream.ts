/**
 * The device stream, `device-<deviceId>` (DESIGN.md "Presence, waiting and queues"): the
 * device's presence and the order in which its commands were queued (CONTRACT.md rules 8
 * and 10, see queue.ts). Each part of the state is evolved by its own function, so a new kind
 * of event adds a member to `DeviceEvent`, a field to `DeviceState` and a case below.
 */
import {
  PRESENCE_RULES,
  UNKNOWN_PRESENCE,
  evolvePresence,
  type Presence,
  type PresenceEvent,
} from './presence.js';
import { QUEUE_EVENT_TYPES, type QueueEntry, type QueueEvent, evolveQueue } from './queue.js';

export const DEVICE_STREAM_PREFIX = 'device-';
export const deviceStreamOf = (deviceId: string): string => `${DEVICE_STREAM_PREFIX}${deviceId}`;
export const deviceIdOfStream = (stream: string): string | null =>
  stream.startsWith(DEVICE_STREAM_PREFIX) ? stream.slice(DEVICE_STREAM_PREFIX.length) : null;

/** Every event the device stream holds. */
export type DeviceEvent = PresenceEvent | QueueEvent;
export type DeviceEventType = DeviceEvent['type'];
export const DEVICE_EVENT_TYPES: readonly DeviceEventType[] = [
  ...(Object.keys(PRESENCE_RULES) as DeviceEventType[]),
  ...QUEUE_EVENT_TYPES,
];

export const isDeviceEventType = (type: string): type is DeviceEventType =>
  (DEVICE_EVENT_TYPES as readonly string[]).includes(type);

/** The folded device stream. `null` is "no stream yet": presence `unknown`. */
export interface DeviceState {
  /** Revision of the last event folded (0-based): the expected revision of the next append. */
  readonly revision: bigint;
  readonly presence: Presence;
  /** Open queue entries in acceptance order (queue.ts). */
  readonly queue: readonly QueueEntry[];
}

/** The presence of a device whose stream may not exist yet. */
export const presenceOf = (state: DeviceState | null): Presence =>
  state ? state.presence : UNKNOWN_PRESENCE;

/** Throws (`IllegalPresenceTransitionError`) on an event the rules forbid. */
export function evolveDevice(state: DeviceState | null, event: DeviceEvent): DeviceState {
  const revision = state ? state.revision + 1n : 0n;
  switch (event.type) {
    case 'DeviceCameOnline':
    case 'DeviceWentOffline':
      // Spread, so that parts of the state other events keep are carried along.
      return {
        queue: [],
        ...state,
        revision,
        presence: evolvePresence(presenceOf(state), event),
      };
    case 'CommandQueued':
    case 'QueueEntriesClosed':
      return {
        ...state,
        revision,
        presence: presenceOf(state),
        queue: evolveQueue(state?.queue ?? [], event),
      };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** Fold a whole device stream; `null` for an empty one. */
export const foldDevice = (events: readonly DeviceEvent[]): DeviceState | null =>
  events.reduce<DeviceState | null>(evolveDevice, null);
