/**
 * The presence decider, cell by cell: given a device stream in each presence, when each
 * presence message, then the event it appends or why nothing changes (CONTRACT.md section 5).
 * The expected outcome of every cell is written out here, not computed from PRESENCE_RULES;
 * `Row = Record<Case, Then>` makes the compiler refuse a status that leaves a message out.
 */
import { describe, expect, it } from '@jest/globals';
import { type PresenceInput, decidePresence, presenceInput } from './decide-presence.js';
import {
  type DeviceEvent,
  type DeviceState,
  deviceIdOfStream,
  deviceStreamOf,
  evolveDevice,
  foldDevice,
  presenceOf,
} from './device-stream.js';
import { IllegalPresenceTransitionError, type PresenceStatus } from './presence.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const iso = (ms: number): string => new Date(T0.getTime() + ms).toISOString();
const NOW = new Date(T0.getTime() + 60_000);

/** The epoch every given history was last at. */
const E = 5;
const online = (epoch: number, at = 1_000): DeviceEvent => ({
  type: 'DeviceCameOnline',
  data: { epoch, at: iso(at) },
});
const offline = (epoch: number, at = 2_000): DeviceEvent => ({
  type: 'DeviceWentOffline',
  data: { epoch, at: iso(at) },
});

const WHEN = {
  'online at a lower epoch (a replayed birth)': { kind: 'came_online', epoch: E - 1 },
  'online at the same epoch (a repeated birth)': { kind: 'came_online', epoch: E },
  'online at a higher epoch (a new session)': { kind: 'came_online', epoch: E + 1 },
  'online at a much higher epoch (a clock epoch)': {
    kind: 'came_online',
    epoch: 1_767_225_600_000,
  },
  'offline at a lower epoch (an old will, late)': { kind: 'went_offline', epoch: E - 1 },
  'offline at the same epoch (the will, or a clean stop)': { kind: 'went_offline', epoch: E },
  'offline at a higher epoch (a will of a birth never seen)': {
    kind: 'went_offline',
    epoch: E + 1,
  },
  'online at epoch 0': { kind: 'came_online', epoch: 0 },
  'online at a fractional epoch': { kind: 'came_online', epoch: E + 0.5 },
  'online at an epoch beyond 2^53': { kind: 'came_online', epoch: 2 ** 53 },
  'offline at a negative epoch': { kind: 'went_offline', epoch: -E },
} as const satisfies Record<string, PresenceInput>;
type Case = keyof typeof WHEN;

type Then =
  | {
      readonly appends: DeviceEvent['type'];
      readonly thenStatus: PresenceStatus;
      /** `since` after the event: the decision's time, or the time the status last changed. */
      readonly since: 'now' | 'kept';
    }
  | { readonly unchanged: 'stale' | 'invalid_epoch' };
type Row = Readonly<Record<Case, Then>>;

const STALE: Then = { unchanged: 'stale' };
const INVALID: Then = { unchanged: 'invalid_epoch' };
const ONLINE_NOW: Then = { appends: 'DeviceCameOnline', thenStatus: 'online', since: 'now' };
const ONLINE_KEPT: Then = { appends: 'DeviceCameOnline', thenStatus: 'online', since: 'kept' };
const OFFLINE_NOW: Then = { appends: 'DeviceWentOffline', thenStatus: 'offline', since: 'now' };
const INVALID_CELLS = {
  'online at epoch 0': INVALID,
  'online at a fractional epoch': INVALID,
  'online at an epoch beyond 2^53': INVALID,
  'offline at a negative epoch': INVALID,
} as const;

/** Given: no stream (presence unknown). Any valid birth is the first; no will applies. */
const UNKNOWN_ROW: Row = {
  'online at a lower epoch (a replayed birth)': ONLINE_NOW,
  'online at the same epoch (a repeated birth)': ONLINE_NOW,
  'online at a higher epoch (a new session)': ONLINE_NOW,
  'online at a much higher epoch (a clock epoch)': ONLINE_NOW,
  'offline at a lower epoch (an old will, late)': STALE,
  'offline at the same epoch (the will, or a clean stop)': STALE,
  'offline at a higher epoch (a will of a birth never seen)': STALE,
  ...INVALID_CELLS,
};

/** Given: online at E. */
const ONLINE_ROW: Row = {
  'online at a lower epoch (a replayed birth)': STALE,
  'online at the same epoch (a repeated birth)': STALE,
  'online at a higher epoch (a new session)': ONLINE_KEPT,
  'online at a much higher epoch (a clock epoch)': ONLINE_KEPT,
  'offline at a lower epoch (an old will, late)': STALE,
  'offline at the same epoch (the will, or a clean stop)': OFFLINE_NOW,
  'offline at a higher epoch (a will of a birth never seen)': STALE,
  ...INVALID_CELLS,
};

/** Given: offline at E (online at E, then its will). */
const OFFLINE_ROW: Row = {
  'online at a lower epoch (a replayed birth)': STALE,
  'online at the same epoch (a repeated birth)': STALE,
  'online at a higher epoch (a new session)': ONLINE_NOW,
  'online at a much higher epoch (a clock epoch)': ONLINE_NOW,
  'offline at a lower epoch (an old will, late)': STALE,
  'offline at the same epoch (the will, or a clean stop)': STALE,
  'offline at a higher epoch (a will of a birth never seen)': STALE,
  ...INVALID_CELLS,
};

const GIVEN: readonly {
  readonly status: PresenceStatus;
  readonly history: readonly DeviceEvent[];
  readonly row: Row;
}[] = [
  { status: 'unknown', history: [], row: UNKNOWN_ROW },
  { status: 'online', history: [online(2), offline(2), online(E, 3_000)], row: ONLINE_ROW },
  { status: 'offline', history: [online(E), offline(E, 4_000)], row: OFFLINE_ROW },
];

describe.each(GIVEN)('given a device $status', ({ history, row }) => {
  const state: DeviceState | null = foldDevice(history);
  it.each(Object.entries(row) as [Case, Then][])('when %s, then %j', (when, then) => {
    const input = WHEN[when];
    const decision = decidePresence(input, state, NOW);
    if ('unchanged' in then) {
      expect(decision).toEqual({ outcome: 'unchanged', reason: then.unchanged });
      return;
    }
    expect(decision).toEqual({
      outcome: 'append',
      events: [{ type: then.appends, data: { epoch: input.epoch, at: NOW.toISOString() } }],
    });
    if (decision.outcome !== 'append') return;
    const next = evolveDevice(state, decision.events[0]!);
    expect(next.revision).toBe(BigInt(history.length));
    expect(next.presence).toEqual({
      status: then.thenStatus,
      epoch: input.epoch,
      since: then.since === 'now' ? NOW.toISOString() : presenceOf(state).since,
    });
  });
});

describe('the device stream', () => {
  it('is named device-<deviceId>, and the name gives the id back', () => {
    expect(deviceStreamOf('pump-17')).toBe('device-pump-17');
    expect(deviceIdOfStream('device-pump-17')).toBe('pump-17');
    expect(deviceIdOfStream('command-3f2c9a1e')).toBeNull();
  });

  it('folds to null when empty, and unknown presence for null', () => {
    expect(foldDevice([])).toBeNull();
    expect(presenceOf(null)).toEqual({ status: 'unknown', epoch: null, since: null });
  });

  it('counts revisions from 0 and records when the status changed', () => {
    const s = foldDevice([online(1, 10), offline(1, 20), online(2, 30), online(3, 40)]);
    expect(s).toEqual({
      revision: 3n,
      presence: { status: 'online', epoch: 3, since: iso(30) },
      queue: [],
    });
  });

  it('refuses to fold an event the epoch rule forbids', () => {
    expect(() => foldDevice([online(3), online(2)])).toThrow(IllegalPresenceTransitionError);
    expect(() => foldDevice([online(3), offline(2)])).toThrow(
      'illegal presence transition: DeviceWentOffline at epoch 2 while online at epoch 3',
    );
    expect(() => foldDevice([offline(1)])).toThrow(IllegalPresenceTransitionError);
    expect(() => foldDevice([online(1), offline(1), offline(1)])).toThrow(
      IllegalPresenceTransitionError,
    );
  });

  it('keeps parts of the state that presence does not own', () => {
    const withMore = { ...foldDevice([online(1)])!, queues: { motor: ['c1'] } } as DeviceState;
    expect(evolveDevice(withMore, offline(1))).toMatchObject({ queues: { motor: ['c1'] } });
  });
});

describe('presenceInput', () => {
  it('reads the MQTT payload', () => {
    expect(presenceInput({ online: true, epoch: 7 })).toEqual({ kind: 'came_online', epoch: 7 });
    expect(presenceInput({ online: false, epoch: 7 })).toEqual({ kind: 'went_offline', epoch: 7 });
  });
});
