import { type CommandState, isTerminal } from './command.js';

/** Absolute deadlines (epoch ms) derived from the stream; nothing about time is stored elsewhere. */
export interface Deadlines {
  /** Until then it may still be sent; at it, a `requested` command expires. */
  readonly expiresAt: number;
  /** `sent` + ackTimeoutMs, once sent. */
  readonly ackDueAt: number | null;
  /** `requested` + timeoutMs: a result is due by then. */
  readonly resultDueAt: number;
}

export function deadlinesOf(s: CommandState): Deadlines {
  const requested = Date.parse(s.requestedAt);
  return {
    expiresAt: requested + s.expiresInMs,
    ackDueAt: s.sentAt === null ? null : Date.parse(s.sentAt) + s.ackTimeoutMs,
    resultDueAt: requested + s.timeoutMs,
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
      return Math.min(d.ackDueAt ?? d.resultDueAt, d.resultDueAt);
    case 'acknowledged':
      return d.resultDueAt;
  }
}

/** Which timeout applies at `now`, if any: the ack deadline only while not yet acknowledged. */
export function dueTimeout(s: CommandState, now: number): 'ack' | 'result' | null {
  if (s.status !== 'sent' && s.status !== 'acknowledged') return null;
  const d = deadlinesOf(s);
  if (now >= d.resultDueAt) return 'result';
  if (s.status === 'sent' && d.ackDueAt !== null && now >= d.ackDueAt) return 'ack';
  return null;
}
