import type { LedgerOutage } from '@ratchet/lifecycle';

/**
 * What the sweeper needs to find work without scanning streams: an index of open deadlines,
 * of commands left `requested`, and of closed attempts due a retry. The read models provide it;
 * it may lag the store, which only delays a sweep (every decision is made on the stream).
 */
export interface DeadlineIndex {
  /** Open commands whose next deadline (expiry or timeout) is at or before `now`. */
  findDueCommands(
    now: Date,
    limit: number,
  ): Promise<readonly { readonly commandId: string; readonly nextDeadline?: Date }[]>;
  /** Commands still `requested` that were requested before `requestedBefore`. */
  findUndispatched(requestedBefore: Date, limit: number): Promise<readonly string[]>;
  /** Attempts closed in a status their policy retries, below `maxAttempts`, not yet retried. */
  findRetryDue(limit: number): Promise<readonly string[]>;
  /**
   * Shared sign of life (optional: without it, no recovery grace). `recordStart`: this
   * instance starts; returns the outage (no instance beat for `staleAfterMs`) it ends, or the
   * last one recorded. `beat`: a running sweeper is alive.
   */
  recordStart?(now: Date, staleAfterMs: number): Promise<LedgerOutage | null>;
  beat?(now: Date): Promise<void>;
}

export const DEADLINE_INDEX = Symbol.for('ratchet.DeadlineIndex');

export interface SweepOptions {
  /** How often each instance sweeps. Default 1000 ms. */
  readonly intervalMs?: number;
  /** How long a command may stay `requested` before a sweep publishes it again. Default 5000 ms. */
  readonly redispatchAfterMs?: number;
  /** At most this many commands of each kind per sweep. Default 500. */
  readonly batchSize?: number;
  /**
   * Deadlines that fell due while no instance ran are enforced this long after the first
   * instance came back (LEDGER_RECOVERY_GRACE_MS), so that answers devices kept for the ledger
   * arrive first. Default 5000 ms; 0 turns it off.
   */
  readonly recoveryGraceMs?: number;
}
