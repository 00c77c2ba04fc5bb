import type { CommandRequestedData, CommandState, RetryableStatus } from './command.js';
import { attemptId } from './identity.js';

/**
 * The retry decision: a closed attempt whose status the policy lists, below `maxAttempts`,
 * yields the next attempt's `CommandRequested`, to be appended at `no_stream` on its derived
 * id. Two instances deciding at once create one command: the second append is stale.
 */
export function decideRetry(s: CommandState, now: Date): CommandRequestedData | null {
  if (!willRetry(s)) return null;
  const attempt = s.attempt + 1;
  return {
    commandId: attemptId(s.rootCommandId, attempt),
    deviceId: s.deviceId,
    name: s.name,
    payload: s.payload,
    requestedAt: now.toISOString(),
    ackTimeoutMs: s.ackTimeoutMs,
    timeoutMs: s.timeoutMs,
    expiresInMs: s.expiresInMs,
    retry: s.retry,
    attempt,
    retryOf: s.commandId,
    rootCommandId: s.rootCommandId,
    fingerprint: s.fingerprint,
    // A retry keeps the way it is delivered, and joins the end of its queue (the device stream
    // gives it its place when it is dispatched).
    delivery: s.delivery,
    queue: s.queue,
    // A fleet's child stays its fleet's through its retries (CONTRACT.md section 6).
    ...fleetOf(s),
  };
}

const fleetOf = (s: CommandState): { fleetCommandId?: string } => {
  const id = (s as { fleetCommandId?: unknown }).fleetCommandId;
  return typeof id === 'string' ? { fleetCommandId: id } : {};
};

/** Does this attempt's end lead to another attempt (a status its policy lists, attempts left)? */
export const willRetry = (s: CommandState): boolean =>
  (s.retry.on as readonly string[]).includes(s.status) && s.attempt < s.retry.maxAttempts;

/** The id the next attempt has or would have: `retriedBy` when that stream exists. */
export const nextAttemptId = (s: CommandState): string => attemptId(s.rootCommandId, s.attempt + 1);

export const isRetryable = (status: string): status is RetryableStatus =>
  status === 'timed_out' || status === 'failed';
