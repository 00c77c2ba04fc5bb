/**
 * What the sweeper needs to find work without scanning streams: an index of open deadlines,
 * of commands left `requested`, and of closed attempts due a retry. The read models provide it;
 * it may lag the store, which only delays a sweep (every decision is made on the stream).
 */
export interface DeadlineIndex {
  /** Open commands whose next deadline (expiry or timeout) is at or before `now`. */
  findDueCommands(now: Date, limit: number): Promise<readonly { readonly commandId: string }[]>;
  /** Commands still `requested` that were requested before `requestedBefore`. */
  findUndispatched(requestedBefore: Date, limit: number): Promise<readonly string[]>;
  /** Attempts closed in a status their policy retries, below `maxAttempts`, not yet retried. */
  findRetryDue(limit: number): Promise<readonly string[]>;
}

export const DEADLINE_INDEX = Symbol.for('ratchet.DeadlineIndex');

export interface SweepOptions {
  /** How often each instance sweeps. Default 1000 ms. */
  readonly intervalMs?: number;
  /** How long a command may stay `requested` before a sweep publishes it again. Default 5000 ms. */
  readonly redispatchAfterMs?: number;
  /** At most this many commands of each kind per sweep. Default 500. */
  readonly batchSize?: number;
}
