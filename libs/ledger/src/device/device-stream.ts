/**
 * The device stream's shell, the twin of transition/transition.ts for `device-<deviceId>`:
 * read, fold, decide, append at the revision decided on; on a stale append, read and decide
 * again. Presence and the queue both go through it, so every decision that must hold under
 * races (the epoch rule, a command's place in its queue) is a guarded append on this stream.
 */
import {
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  isStaleRevisionError,
} from '@ratchet/event-store';
import {
  type DeviceEvent,
  type DeviceState,
  type TransitionMetadata,
  deviceStreamOf,
  evolveDevice,
  isDeviceEventType,
  revisionEventId,
} from '@ratchet/lifecycle';
import { CorruptStreamError } from '../transition/command-stream.js';

export const toDeviceEvent = (e: RecordedEvent): DeviceEvent => {
  if (!isDeviceEventType(e.type))
    throw new CorruptStreamError(
      e.stream,
      `unknown event type ${e.type} at revision ${e.revision}`,
    );
  return { type: e.type, data: e.data } as unknown as DeviceEvent;
};

/** The device stream as it is now; `null` when the device never reported nor queued anything. */
export async function readDevice(store: EventStore, deviceId: string): Promise<DeviceState | null> {
  const stream = deviceStreamOf(deviceId);
  const events = await store.readStream(stream);
  const state = events.map(toDeviceEvent).reduce<DeviceState | null>(evolveDevice, null);
  const last = events.at(-1);
  if (state && last && state.revision !== last.revision)
    throw new CorruptStreamError(stream, `revision ${last.revision} but ${events.length} events`);
  return state;
}

/** What a device-stream decider answers: events to append, or why nothing changes. */
export type DeviceDecision<R extends string> =
  | { readonly outcome: 'append'; readonly events: readonly DeviceEvent[] }
  | { readonly outcome: 'unchanged'; readonly reason: R };

export type DeviceTransitionResult<R extends string> =
  | {
      readonly outcome: 'applied';
      readonly state: DeviceState;
      readonly events: readonly DeviceEvent[];
      readonly conflicts: number;
    }
  | {
      readonly outcome: 'unchanged';
      readonly reason: R;
      readonly state: DeviceState | null;
      readonly conflicts: number;
    };

export class DeviceContentionError extends Error {
  override readonly name = 'DeviceContentionError';
  constructor(
    readonly deviceId: string,
    readonly attempts: number,
  ) {
    super(`device ${deviceId}: still stale after ${attempts} decisions`);
  }
}

export const deviceEventsToAppend = (
  deviceId: string,
  state: DeviceState | null,
  events: readonly DeviceEvent[],
  metadata: TransitionMetadata,
): NewEvent[] => {
  const stream = deviceStreamOf(deviceId);
  const first = state ? state.revision + 1n : 0n;
  return events.map((e, i) => ({
    // Two instances deciding on one revision propose the same id: a re-sent append is known.
    id: revisionEventId(stream, first + BigInt(i)),
    type: e.type,
    data: e.data as unknown as Record<string, unknown>,
    metadata: metadata as unknown as Record<string, unknown>,
  }));
};

export const expectedOfDevice = (state: DeviceState | null) =>
  state ? state.revision : 'no_stream';

/**
 * decide on the stream as read → append at its revision → evolve; again on a lost race.
 * `first` is a state the caller already read (spares one read when it is still current).
 */
export async function deviceTransition<R extends string>(
  store: EventStore,
  deviceId: string,
  decide: (state: DeviceState | null) => DeviceDecision<R>,
  metadata: TransitionMetadata,
  options: { readonly maxAttempts?: number; readonly first?: DeviceState | null } = {},
): Promise<DeviceTransitionResult<R>> {
  const maxAttempts = options.maxAttempts ?? 10;
  let conflicts = 0;
  let state = options.first === undefined ? await readDevice(store, deviceId) : options.first;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) state = await readDevice(store, deviceId);
    const decision = decide(state);
    if (decision.outcome === 'unchanged') return { ...decision, state, conflicts };
    try {
      await store.append(
        deviceStreamOf(deviceId),
        deviceEventsToAppend(deviceId, state, decision.events, metadata),
        expectedOfDevice(state),
      );
    } catch (e) {
      if (!isStaleRevisionError(e)) throw e;
      conflicts += 1;
      await new Promise((r) => setTimeout(r, Math.random() * 2 * 2 ** attempt));
      continue;
    }
    const next = decision.events.reduce<DeviceState | null>(evolveDevice, state) as DeviceState;
    return { outcome: 'applied', state: next, events: decision.events, conflicts };
  }
  throw new DeviceContentionError(deviceId, maxAttempts);
}
