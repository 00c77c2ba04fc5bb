/**
 * A fleet command as data: the `fleet-<id>` stream's events, statuses, the transition table,
 * the state and `evolveFleet`. Pure. CONTRACT.md section 6.
 *
 * The stream holds decisions and progress marks only, never the children nor (for a group
 * target) the members: its state is of constant size whatever the fleet's, apart from a
 * `deviceIds` target (at most 10,000) recorded in the request.
 */
import type { FleetRequest } from './fleet-request.js';
import type { OutcomeCounts } from './progress.js';
import { type RateState, afterCreated } from './rate.js';

export const FLEET_STATUSES = [
  'rolling_out',
  'paused',
  'completed',
  'aborted',
  'cancelled',
] as const;
export type FleetStatus = (typeof FLEET_STATUSES)[number];
export const FLEET_TERMINAL_STATUSES = ['completed', 'aborted', 'cancelled'] as const;
export type FleetTerminalStatus = (typeof FLEET_TERMINAL_STATUSES)[number];
export const isFleetTerminal = (s: FleetStatus): s is FleetTerminalStatus =>
  (FLEET_TERMINAL_STATUSES as readonly string[]).includes(s);

export const FLEET_STREAM_PREFIX = 'fleet-';
export const fleetStreamOf = (fleetCommandId: string): string =>
  `${FLEET_STREAM_PREFIX}${fleetCommandId}`;
export const fleetIdOfStream = (stream: string): string | null =>
  stream.startsWith(FLEET_STREAM_PREFIX) ? stream.slice(FLEET_STREAM_PREFIX.length) : null;

export interface FleetRequestedData {
  readonly fleetCommandId: string;
  readonly request: FleetRequest;
  /** Of the request after defaults: a re-issue with another body is an id conflict. */
  readonly fingerprint: string;
  readonly requestedAt: string;
  /** The credential that issued it (`metadata.issuedBy` of the request). */
  readonly issuedBy: string;
  /** Targets at creation: the `deviceIds`, or the group's members at `groupRevision`. */
  readonly targets: number;
  /** A group target: the group stream's revision whose members are the snapshot. */
  readonly groupRevision: number | null;
}

/**
 * The last target a progress mark covered, in rollout order: the keyset cursor from which the
 * next page of targets is read (a group's members by id at `groupRevision`; for a continuous
 * fleet, members added later are ordered by the revision that added them, then by id).
 */
export interface TargetRef {
  readonly deviceId: string;
  readonly groupRevision: number | null;
}

export type FleetEvent =
  | { readonly type: 'FleetCommandRequested'; readonly data: FleetRequestedData }
  /** Progress mark: the children of targets [fromIndex, fromIndex + count) were created at `at`. */
  | {
      readonly type: 'FleetChildrenCreated';
      readonly data: {
        readonly fromIndex: number;
        readonly count: number;
        readonly through: TargetRef;
        readonly at: string;
      };
    }
  | {
      readonly type: 'FleetCommandPaused';
      readonly data: { readonly at: string; readonly by: string };
    }
  | {
      readonly type: 'FleetCommandResumed';
      readonly data: { readonly at: string; readonly by: string };
    }
  | {
      readonly type: 'FleetCommandCancelled';
      readonly data: { readonly at: string; readonly by: string };
    }
  /** The abort threshold was crossed with these counts (the tally's `crossed`). */
  | {
      readonly type: 'FleetCommandAborted';
      readonly data: { readonly at: string; readonly terminal: number; readonly failures: number };
    }
  | {
      readonly type: 'FleetCommandCompleted';
      readonly data: { readonly at: string; readonly outcomes: OutcomeCounts };
    };
export type FleetEventType = FleetEvent['type'];

/** Which statuses each event may follow (`null`: no stream yet) and where it leads (`null`: stays). */
export const FLEET_TRANSITIONS: Readonly<
  Record<
    FleetEventType,
    { readonly from: readonly (FleetStatus | null)[]; readonly to: FleetStatus | null }
  >
> = {
  FleetCommandRequested: { from: [null], to: 'rolling_out' },
  FleetChildrenCreated: { from: ['rolling_out'], to: null },
  FleetCommandPaused: { from: ['rolling_out'], to: 'paused' },
  FleetCommandResumed: { from: ['paused'], to: 'rolling_out' },
  FleetCommandCancelled: { from: ['rolling_out', 'paused'], to: 'cancelled' },
  // Children already out may cross the threshold or all end while paused.
  FleetCommandAborted: { from: ['rolling_out', 'paused'], to: 'aborted' },
  FleetCommandCompleted: { from: ['rolling_out', 'paused'], to: 'completed' },
};
export const FLEET_EVENT_TYPES = Object.keys(FLEET_TRANSITIONS) as FleetEventType[];

export interface LastMark {
  readonly fromIndex: number;
  readonly count: number;
  readonly after: TargetRef | null;
  readonly at: string;
}

export interface FleetState extends FleetRequestedData {
  readonly status: FleetStatus;
  /** Revision of the last event folded: the expected revision of the next append. */
  readonly revision: bigint;
  /** Children created so far: targets [0, created) have one. */
  readonly created: number;
  readonly through: TargetRef | null;
  /** The last mark, with the cursor it started after: what a repair re-creates. */
  readonly lastMark: LastMark | null;
  /** `rollout.perMinute`'s state, from the marks; `null` before the first mark. */
  readonly rate: RateState | null;
  readonly pausedAt: string | null;
  /** When it became completed, aborted or cancelled. */
  readonly endedAt: string | null;
  readonly endedBy: string | null;
}

/** The table, and a mark must continue exactly where the last one ended. */
export const canApplyFleet = (state: FleetState | null, event: FleetEvent): boolean =>
  FLEET_TRANSITIONS[event.type].from.includes(state ? state.status : null) &&
  (event.type !== 'FleetChildrenCreated' ||
    (event.data.count > 0 && event.data.fromIndex === state?.created));

export class IllegalFleetTransitionError extends Error {
  override readonly name = 'IllegalFleetTransitionError';
  constructor(
    readonly from: FleetStatus | null,
    readonly eventType: FleetEventType,
  ) {
    super(`illegal fleet transition: ${eventType} after ${from ?? 'no stream'}`);
  }
}

export function evolveFleet(state: FleetState | null, event: FleetEvent): FleetState {
  if (!canApplyFleet(state, event)) {
    throw new IllegalFleetTransitionError(state?.status ?? null, event.type);
  }
  if (event.type === 'FleetCommandRequested') {
    return {
      ...event.data,
      status: 'rolling_out',
      revision: 0n,
      created: 0,
      through: null,
      lastMark: null,
      rate: null,
      pausedAt: null,
      endedAt: null,
      endedBy: null,
    };
  }
  const s = state as FleetState;
  const next: FleetState = {
    ...s,
    revision: s.revision + 1n,
    status: FLEET_TRANSITIONS[event.type].to ?? s.status,
  };
  switch (event.type) {
    case 'FleetChildrenCreated': {
      const { fromIndex, count, through, at } = event.data;
      const perMinute = s.request.rollout.perMinute;
      return {
        ...next,
        created: s.created + count,
        through,
        lastMark: { fromIndex, count, after: s.through, at },
        rate: perMinute === null ? null : afterCreated(perMinute, s.rate, Date.parse(at), count),
      };
    }
    case 'FleetCommandPaused':
      return { ...next, pausedAt: event.data.at };
    case 'FleetCommandResumed':
      return { ...next, pausedAt: null };
    case 'FleetCommandCancelled':
      return { ...next, endedAt: event.data.at, endedBy: event.data.by };
    case 'FleetCommandAborted':
    case 'FleetCommandCompleted':
      return { ...next, endedAt: event.data.at, endedBy: 'system' };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** Fold a whole stream; `null` for an empty one. Throws on an illegal sequence. */
export const foldFleet = (events: readonly FleetEvent[]): FleetState | null =>
  events.reduce<FleetState | null>(evolveFleet, null);
