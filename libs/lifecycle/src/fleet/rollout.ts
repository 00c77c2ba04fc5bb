/**
 * The rollout step as a pure function: given the fleet (folded from its stream), its progress
 * (the `fleet_progress` read model's tally) and `now`, what happens next: abort, complete,
 * create children [fromIndex, fromIndex + count), or wait (and until when, if time alone ends
 * the wait).
 *
 * Why no instance overshoots `maxInFlight`, however many roll out at once and however far the
 * read model lags: `created` comes from the fleet stream, whose marks are guarded appends (one
 * writer per revision), and the terminal count from a read model that only counts children that
 * really are final and only moves forward. So open = created − terminal is never below the
 * truth, and a step that keeps open + count ≤ maxInFlight keeps the true number there too. A lag
 * only makes the rollout wait longer.
 */
import { isContinuous } from './fleet-request.js';
import { type FleetState, isFleetTerminal } from './fleet.js';
import {
  type FleetTally,
  type OutcomeCounts,
  failuresOf,
  terminalOf,
  thresholdExceeded,
} from './progress.js';
import { nextRateSlot, rateAllowance } from './rate.js';

export interface RolloutProgress {
  /** Children final so far, in log order (`fleet_progress`). May lag the log; never leads it. */
  readonly tally: FleetTally;
  /** A continuous fleet: the snapshot plus the members added since, as far as read. Else ignored. */
  readonly knownTargets?: number;
}

export type RolloutWait =
  /** The fleet is completed, aborted or cancelled. */
  | 'ended'
  | 'paused'
  /** Every known target has a child; the rest is up to the children (or new members). */
  | 'all_created'
  /** `maxInFlight` children are open: wait for one to end. */
  | 'in_flight_full'
  /** `perMinute`: wait until `nextAt`. */
  | 'rate_limited';

export type RolloutPlan =
  | { readonly kind: 'abort'; readonly terminal: number; readonly failures: number }
  | { readonly kind: 'complete'; readonly outcomes: OutcomeCounts }
  | { readonly kind: 'create'; readonly fromIndex: number; readonly count: number }
  | { readonly kind: 'wait'; readonly reason: RolloutWait; readonly nextAt: number | null };

const wait = (reason: RolloutWait, nextAt: number | null = null): RolloutPlan => ({
  kind: 'wait',
  reason,
  nextAt,
});

/** `maxBatch`: the most children one append may create (the ledger's configuration). */
export function planRollout(
  fleet: FleetState,
  progress: RolloutProgress,
  nowMs: number,
  maxBatch: number,
): RolloutPlan {
  if (isFleetTerminal(fleet.status)) return wait('ended');
  const { outcomes, crossed } = progress.tally;
  const terminal = terminalOf(outcomes);
  const failures = failuresOf(outcomes);
  const abort = fleet.request.abort;
  if (abort) {
    // The first crossing in log order, else the counts now (a tally that does not keep it).
    if (crossed) return { kind: 'abort', ...crossed };
    if (thresholdExceeded(abort, terminal, failures)) return { kind: 'abort', terminal, failures };
  }
  const continuous = isContinuous(fleet.request.target);
  if (!continuous && fleet.created >= fleet.targets && terminal >= fleet.targets) {
    return { kind: 'complete', outcomes };
  }
  if (fleet.status === 'paused') return wait('paused');
  const targets = continuous ? Math.max(fleet.targets, progress.knownTargets ?? 0) : fleet.targets;
  const remaining = targets - fleet.created;
  if (remaining <= 0) return wait('all_created');
  const { perMinute, maxInFlight } = fleet.request.rollout;
  const open = Math.max(0, fleet.created - terminal);
  const room = maxInFlight === null ? remaining : maxInFlight - open;
  if (room <= 0) return wait('in_flight_full');
  const allowed = perMinute === null ? remaining : rateAllowance(perMinute, fleet.rate, nowMs);
  if (perMinute !== null && allowed <= 0) {
    return wait('rate_limited', nextRateSlot(perMinute, fleet.rate, nowMs));
  }
  const count = Math.min(remaining, room, allowed, Math.max(1, Math.floor(maxBatch)));
  return { kind: 'create', fromIndex: fleet.created, count };
}
