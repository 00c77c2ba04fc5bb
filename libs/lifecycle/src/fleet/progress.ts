/**
 * A fleet's progress as the rollout needs it: its children's final outcomes, tallied in the
 * global log's order, and the abort rule (CONTRACT.md section 6) over that tally.
 *
 * A child is final when its last attempt is terminal and no retry follows: a `failed` attempt
 * that its policy retries is still open (its next attempt is on the way). The
 * `fleet_progress` read model folds `tallyChild` over the children's terminal events in log
 * order; that order is the same for every reader and every replay, so the moment the abort
 * threshold was first crossed (`crossed`) is a fact of the log, not of when someone looked.
 */
import {
  type CommandState,
  type TerminalStatus,
  TERMINAL_STATUSES,
  isTerminal,
} from '../command.js';
import { willRetry } from '../retry.js';
import type { AbortPolicy } from './fleet-request.js';

export type ChildOutcome = TerminalStatus;
export const CHILD_OUTCOMES = TERMINAL_STATUSES;

export type OutcomeCounts = Readonly<Record<ChildOutcome, number>>;

export interface FleetTally {
  readonly outcomes: OutcomeCounts;
  /** The counts when the abort threshold was first crossed; once set, never unset. */
  readonly crossed: { readonly terminal: number; readonly failures: number } | null;
}

export const EMPTY_TALLY: FleetTally = {
  outcomes: { executed: 0, failed: 0, timed_out: 0, cancelled: 0, expired: 0 },
  crossed: null,
};

/** The child's final outcome, or `null` while it is open (not terminal, or a retry follows). */
export const finalOutcome = (attempt: CommandState): ChildOutcome | null =>
  isTerminal(attempt.status) && !willRetry(attempt) ? attempt.status : null;

export const terminalOf = (o: OutcomeCounts): number =>
  CHILD_OUTCOMES.reduce((n, s) => n + o[s], 0);
/** `failed` and `timed_out` (after their retries) are what the abort rule counts. */
export const failuresOf = (o: OutcomeCounts): number => o.failed + o.timed_out;

/** Section 6: at least `afterCompleted` terminal, and the failed share strictly above the ratio. */
export const thresholdExceeded = (
  abort: AbortPolicy,
  terminal: number,
  failures: number,
): boolean =>
  terminal > 0 && terminal >= abort.afterCompleted && failures / terminal > abort.maxFailureRatio;

/** One more child final, in log order. */
export function tallyChild(
  tally: FleetTally,
  outcome: ChildOutcome,
  abort: AbortPolicy | null,
): FleetTally {
  const outcomes = { ...tally.outcomes, [outcome]: tally.outcomes[outcome] + 1 };
  const terminal = terminalOf(outcomes);
  const failures = failuresOf(outcomes);
  const crossed =
    tally.crossed ??
    (abort && thresholdExceeded(abort, terminal, failures) ? { terminal, failures } : null);
  return { outcomes, crossed };
}
