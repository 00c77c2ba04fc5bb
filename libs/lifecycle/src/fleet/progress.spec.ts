/** The tally of final outcomes and the abort rule (CONTRACT.md section 6). */
import { describe, it, expect } from '@jest/globals';
import type { CommandState, CommandStatus } from '../command.js';
import {
  type ChildOutcome,
  EMPTY_TALLY,
  type FleetTally,
  finalOutcome,
  tallyChild,
  thresholdExceeded,
} from './progress.js';

const attempt = (status: CommandStatus, n: number, maxAttempts: number): CommandState =>
  ({ status, attempt: n, retry: { maxAttempts, on: ['timed_out'] } }) as unknown as CommandState;

describe('finalOutcome', () => {
  it('open while not terminal', () => {
    expect(finalOutcome(attempt('sent', 1, 1))).toBeNull();
  });
  it('open while a retry follows (timed_out, attempts left)', () => {
    expect(finalOutcome(attempt('timed_out', 1, 2))).toBeNull();
  });
  it('final when the last attempt ends, or the status is not retried', () => {
    expect(finalOutcome(attempt('timed_out', 2, 2))).toBe('timed_out');
    expect(finalOutcome(attempt('failed', 1, 2))).toBe('failed');
    expect(finalOutcome(attempt('executed', 1, 2))).toBe('executed');
    expect(finalOutcome(attempt('cancelled', 1, 2))).toBe('cancelled');
  });
});

describe('thresholdExceeded', () => {
  const abort = { afterCompleted: 4, maxFailureRatio: 0.25 };
  it('not before afterCompleted children are terminal', () => {
    expect(thresholdExceeded(abort, 3, 3)).toBe(false);
  });
  it('a share equal to the ratio does not exceed it', () => {
    expect(thresholdExceeded(abort, 4, 1)).toBe(false);
    expect(thresholdExceeded(abort, 4, 2)).toBe(true);
  });
  it('afterCompleted 0 with nothing terminal: no share, no abort', () => {
    expect(thresholdExceeded({ afterCompleted: 0, maxFailureRatio: 0 }, 0, 0)).toBe(false);
  });
});

describe('tallyChild', () => {
  const abort = { afterCompleted: 3, maxFailureRatio: 0.5 };
  const run = (outcomes: ChildOutcome[]): FleetTally =>
    outcomes.reduce((t, o) => tallyChild(t, o, abort), EMPTY_TALLY);
  it('counts by outcome; expired and cancelled count as terminal, not as failures', () => {
    expect(run(['executed', 'expired', 'cancelled', 'failed']).outcomes).toEqual({
      executed: 1,
      failed: 1,
      timed_out: 0,
      cancelled: 1,
      expired: 1,
    });
    expect(run(['executed', 'expired', 'cancelled', 'failed']).crossed).toBeNull();
  });
  it('keeps the first crossing even when later successes bring the share down', () => {
    const t = run(['failed', 'timed_out', 'executed', 'executed', 'executed']);
    expect(t.crossed).toEqual({ terminal: 3, failures: 2 });
  });
  it('no abort policy: never crossed', () => {
    const t = ['failed', 'failed', 'failed'].reduce<FleetTally>(
      (x, o) => tallyChild(x, o as ChildOutcome, null),
      EMPTY_TALLY,
    );
    expect(t.crossed).toBeNull();
  });
});
