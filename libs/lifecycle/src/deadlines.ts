import { type CommandState, isTerminal } from './command.js';

/** Absolute deadlines (epoch ms) derived from the stream; nothing about time is stored elsewhere. */
export interface Deadlines {
  /** Until then it may still be sent; at it, a `requested` command expires. */
  readonly expiresAt: number;
  /** `sent` + ackTimeoutMs, once sent. */
  readonly ackDueAt: number | null;
  /**
   * `sent` + timeoutMs: a result is due by then (CONTRACT.md rule 9, a v2 change: it counted
   * from `requested`). A command acknowledged without a recorded send counts from the ack, the
   * first sign that the device had it. `null` while neither happened: a command that waits for
   * its device is given its whole result deadline once sent.
   */
  readonly resultDueAt: number | null;
}

export function deadlinesOf(s: CommandState): Deadlines {
  const requested = Date.parse(s.requestedAt);
  const delivered = s.sentAt ?? s.acknowledgedAt;
  return {
    expiresAt: requested + s.expiresInMs,
    ackDueAt: s.sentAt === null ? null : Date.parse(s.sentAt) + s.ackTimeoutMs,
    resultDueAt: delivered === null ? null : Date.parse(delivered) + s.timeoutMs,
  };
}

/**
 * The next moment at which time alone changes this command (expiry or timeout), or `null`
 * when no deadline is pending. A sweeper indexes commands by this value.
 */
export function nextDeadline(s: CommandState): number | null {
  if (isTerminal(s.status)) return null;
  const d = deadlinesOf(s);
  switch (s.status) {
    case 'requested':
      return d.expiresAt;
    case 'sent':
    case 'acknowledged': {
      const ack = s.status === 'sent' ? d.ackDueAt : null;
      const due = [ack, d.resultDueAt].filter((x): x is number => x !== null);
      return due.length === 0 ? null : Math.min(...due);
    }
  }
}

/** Which timeout applies at `now`, if any: the ack deadline only while not yet acknowledged. */
export function dueTimeout(s: CommandState, now: number): 'ack' | 'result' | null {
  if (s.status !== 'sent' && s.status !== 'acknowledged') return null;
  const d = deadlinesOf(s);
  if (d.resultDueAt !== null && now >= d.resultDueAt) return 'result';
  if (s.status === 'sent' && d.ackDueAt !== null && now >= d.ackDueAt) return 'ack';
  return null;
}
