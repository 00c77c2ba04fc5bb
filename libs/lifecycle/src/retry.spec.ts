/**
 * decideRetry (CONTRACT.md section 1, rule 7): a closed attempt whose status the policy lists,
 * below maxAttempts, yields the next attempt, whose id is derived from the root and n + 1.
 */
import { describe, it, expect } from '@jest/globals';
import {
  type CommandEvent,
  type CommandRequestedData,
  type CommandState,
  type RetryPolicy,
  fold,
} from './command.js';
import { attemptId } from './identity.js';
import { decideRetry, isRetryable, nextAttemptId } from './retry.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const iso = (ms: number): string => at(ms).toISOString();

const ROOT = '3f2c9a1e-7b4d-4e8a-9c61-2d1f0c7d2a11';
const BOTH: RetryPolicy = { maxAttempts: 3, on: ['timed_out', 'failed'] };

const first = (retry: RetryPolicy = BOTH): CommandRequestedData => ({
  commandId: ROOT,
  deviceId: 'pump-17',
  name: 'set-speed',
  payload: { rpm: 1200 },
  requestedAt: iso(0),
  ackTimeoutMs: 10_000,
  timeoutMs: 60_000,
  expiresInMs: 300_000,
  retry,
  attempt: 1,
  retryOf: null,
  rootCommandId: ROOT,
  fingerprint: 'fp',
});
const closings: Record<string, readonly CommandEvent[]> = {
  requested: [],
  sent: [{ type: 'CommandSent', data: { at: iso(1_000) } }],
  acknowledged: [
    { type: 'CommandSent', data: { at: iso(1_000) } },
    { type: 'CommandAcknowledged', data: { at: iso(2_000) } },
  ],
  executed: [{ type: 'CommandExecuted', data: { at: iso(3_000) } }],
  failed: [{ type: 'CommandFailed', data: { at: iso(3_000), error: 'jammed' } }],
  timed_out: [
    { type: 'CommandSent', data: { at: iso(1_000) } },
    { type: 'CommandTimedOut', data: { at: iso(11_000), stage: 'ack' } },
  ],
  cancelled: [{ type: 'CommandCancelled', data: { at: iso(500), reason: null } }],
  expired: [{ type: 'CommandExpired', data: { at: iso(300_000) } }],
};
const given = (data: CommandRequestedData, status: keyof typeof closings): CommandState =>
  fold([{ type: 'CommandRequested', data }, ...closings[status]!])!;

describe('decideRetry', () => {
  it.each([
    ['timed_out', BOTH, true],
    ['failed', BOTH, true],
    ['timed_out', { maxAttempts: 3, on: ['failed'] }, false],
    ['failed', { maxAttempts: 3, on: ['timed_out'] }, false],
    ['timed_out', { maxAttempts: 3, on: [] }, false],
    ['timed_out', { maxAttempts: 1, on: ['timed_out'] }, false],
    ['executed', BOTH, false],
    ['cancelled', BOTH, false],
    ['expired', BOTH, false],
    ['requested', BOTH, false],
    ['sent', BOTH, false],
    ['acknowledged', BOTH, false],
  ] as const)('given attempt 1 %s with policy %j: retried = %s', (status, retry, retried) => {
    const next = decideRetry(given(first(retry), status), at(20_000));
    if (retried) expect(next).not.toBeNull();
    else expect(next).toBeNull();
  });

  it('given a timed-out attempt 1, then attempt 2 carries the same request under a derived id', () => {
    expect(decideRetry(given(first(), 'timed_out'), at(20_000))).toEqual({
      ...first(),
      commandId: attemptId(ROOT, 2),
      requestedAt: iso(20_000),
      attempt: 2,
      retryOf: ROOT,
      delivery: 'when_online',
      queue: null,
    });
  });

  it('given attempt 2 failed, then attempt 3 is derived from the root and retries attempt 2', () => {
    const second = { ...first(), commandId: attemptId(ROOT, 2), attempt: 2, retryOf: ROOT };
    expect(decideRetry(given(second, 'failed'), at(90_000))).toMatchObject({
      commandId: attemptId(ROOT, 3),
      attempt: 3,
      retryOf: attemptId(ROOT, 2),
      rootCommandId: ROOT,
    });
  });

  it('given the last allowed attempt, then no retry', () => {
    const third = {
      ...first(),
      commandId: attemptId(ROOT, 3),
      attempt: 3,
      retryOf: attemptId(ROOT, 2),
    };
    expect(decideRetry(given(third, 'timed_out'), at(90_000))).toBeNull();
  });

  it('given two instances deciding at different times, then both name the same next command', () => {
    const closed = given(first(), 'failed');
    const a = decideRetry(closed, at(20_000))!;
    const b = decideRetry(closed, at(25_000))!;
    expect(a.commandId).toBe(b.commandId);
    expect(a.fingerprint).toBe(b.fingerprint); // so the second issue converges as a duplicate
  });
});

describe('nextAttemptId and isRetryable', () => {
  it('nextAttemptId is the id a retry would have', () => {
    const closed = given(first(), 'timed_out');
    expect(nextAttemptId(closed)).toBe(attemptId(ROOT, 2));
    expect(nextAttemptId(closed)).toBe(decideRetry(closed, at(20_000))!.commandId);
  });

  it('isRetryable holds for timed_out and failed only', () => {
    expect(['timed_out', 'failed'].every(isRetryable)).toBe(true);
    expect(
      ['requested', 'sent', 'acknowledged', 'executed', 'cancelled', 'expired', ''].some(
        isRetryable,
      ),
    ).toBe(false);
  });
});
