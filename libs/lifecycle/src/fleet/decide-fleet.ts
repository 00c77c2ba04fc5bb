/**
 * `decideFleet(input, state, now)`: what an input means for a fleet command: events to append
 * at the state's revision (with, for a rollout step, the children to create in the same
 * `appendMany`, each at `no_stream`), an explicit "unchanged" with its reason (and, when time
 * alone ends the wait, `nextAt`), or a typed rejection the HTTP layer answers with 409 and
 * the current state. Pure: time is an argument; FLEET_TRANSITIONS is the final guard.
 */
import { type FleetChildCommand, childCommandOf, targetRefs } from './children.js';
import {
  type FleetEvent,
  type FleetEventType,
  type FleetRequestedData,
  type FleetStatus,
  type FleetState,
  type TargetRef,
  canApplyFleet,
} from './fleet.js';
import { type RolloutProgress, type RolloutWait, planRollout } from './rollout.js';

export type FleetInput =
  | { readonly kind: 'issue'; readonly fleet: FleetRequestedData }
  | { readonly kind: 'pause'; readonly by: string }
  | { readonly kind: 'resume'; readonly by: string }
  | { readonly kind: 'cancel'; readonly by: string }
  | {
      readonly kind: 'roll_out';
      readonly progress: RolloutProgress;
      /**
       * A group target: the next targets after `state.through`, in rollout order (at least
       * `maxBatch` when there are so many). Ignored for a `deviceIds` target.
       */
      readonly next: readonly TargetRef[];
      /** The most children one append may create. */
      readonly maxBatch: number;
    };
export type FleetInputKind = FleetInput['kind'];

export type FleetUnchangedReason =
  /** The same decision is already recorded (a re-issue, a second pause, …). */
  | 'duplicate'
  | 'not_found'
  /** A group target whose next targets were not read (the read model is behind). */
  | 'targets_unread'
  /** The table refuses what was decided: decide again on a fresh read. */
  | 'stale'
  | RolloutWait;

export type FleetRejectionCode =
  'id_conflict' | 'not_pausable' | 'not_resumable' | 'not_cancellable';

export type FleetDecision =
  | {
      readonly outcome: 'append';
      readonly events: readonly FleetEvent[];
      readonly children: readonly FleetChildCommand[];
    }
  | {
      readonly outcome: 'unchanged';
      readonly reason: FleetUnchangedReason;
      /** When time alone may change the answer (epoch ms); `null`: another event must. */
      readonly nextAt: number | null;
    }
  | {
      readonly outcome: 'rejected';
      readonly code: FleetRejectionCode;
      readonly message: string;
    };

const append = (events: FleetEvent[], children: FleetChildCommand[] = []): FleetDecision => ({
  outcome: 'append',
  events,
  children,
});
const unchanged = (reason: FleetUnchangedReason, nextAt: number | null = null): FleetDecision => ({
  outcome: 'unchanged',
  reason,
  nextAt,
});
const rejected = (code: FleetRejectionCode, s: FleetState, what: string): FleetDecision => ({
  outcome: 'rejected',
  code,
  message: `fleet command ${s.fleetCommandId} is ${s.status}: ${what}`,
});

export function decideFleet(input: FleetInput, state: FleetState | null, now: Date): FleetDecision {
  if (input.kind === 'issue') {
    if (!state) return append([{ type: 'FleetCommandRequested', data: input.fleet }]);
    return state.fingerprint === input.fleet.fingerprint
      ? unchanged('duplicate')
      : {
          outcome: 'rejected',
          code: 'id_conflict',
          message: `fleet command ${state.fleetCommandId} was already issued with a different body`,
        };
  }
  if (!state) return unchanged('not_found');
  const decision = decideOn(input, state, now);
  if (decision.outcome === 'append' && !decision.events.every((e) => canApplyFleet(state, e))) {
    return unchanged('stale');
  }
  return decision;
}

/** The controls as data: the event each appends, the status that makes it a duplicate, the rejection. */
const CONTROLS = {
  pause: {
    event: 'FleetCommandPaused',
    already: 'paused',
    code: 'not_pausable',
    rule: 'only a rolling-out fleet command can be paused',
  },
  resume: {
    event: 'FleetCommandResumed',
    already: 'rolling_out',
    code: 'not_resumable',
    rule: 'only a paused fleet command can be resumed',
  },
  cancel: {
    event: 'FleetCommandCancelled',
    already: 'cancelled',
    code: 'not_cancellable',
    rule: 'a completed or aborted fleet command cannot be cancelled',
  },
} as const satisfies Record<
  'pause' | 'resume' | 'cancel',
  {
    event: FleetEventType;
    already: FleetStatus;
    code: FleetRejectionCode;
    rule: string;
  }
>;

function decideOn(
  input: Exclude<FleetInput, { kind: 'issue' }>,
  s: FleetState,
  now: Date,
): FleetDecision {
  switch (input.kind) {
    case 'pause':
    case 'resume':
    case 'cancel': {
      const c = CONTROLS[input.kind];
      const event = { type: c.event, data: { at: now.toISOString(), by: input.by } } as FleetEvent;
      // FLEET_TRANSITIONS says from which statuses the control applies.
      if (canApplyFleet(s, event)) return append([event]);
      if (s.status === c.already) return unchanged('duplicate');
      return rejected(c.code, s, c.rule);
    }
    case 'roll_out':
      return rollOut(input, s, now);
    default: {
      const _exhaustive: never = input;
      return _exhaustive;
    }
  }
}

function rollOut(
  input: Extract<FleetInput, { kind: 'roll_out' }>,
  s: FleetState,
  now: Date,
): FleetDecision {
  const at = now.toISOString();
  const plan = planRollout(s, input.progress, now.getTime(), input.maxBatch);
  switch (plan.kind) {
    case 'abort':
      return append([
        {
          type: 'FleetCommandAborted',
          data: { at, terminal: plan.terminal, failures: plan.failures },
        },
      ]);
    case 'complete':
      return append([{ type: 'FleetCommandCompleted', data: { at, outcomes: plan.outcomes } }]);
    case 'wait':
      return unchanged(plan.reason, plan.nextAt);
    case 'create': {
      const refs = targetRefs(s, plan.fromIndex, plan.count, input.next);
      const through = refs.at(-1);
      if (!through) return unchanged('targets_unread');
      return append(
        [
          {
            type: 'FleetChildrenCreated',
            data: { fromIndex: plan.fromIndex, count: refs.length, through, at },
          },
        ],
        refs.map((r) => childCommandOf(s, r.deviceId, at)),
      );
    }
    default: {
      const _exhaustive: never = plan;
      return _exhaustive;
    }
  }
}
