/**
 * Deadlines (CONTRACT.md section 2, rule 9): `ackTimeoutMs` and `timeoutMs` count from `sent`
 * (`timeoutMs` counted from `requested` in version 1), `expiresInMs` from `requested` until
 * which it may be sent.
 */
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import {
  type CommandEvent,
  type CommandRequestedData,
  type CommandState,
  fold,
} from './command.js';
import { deadlinesOf, dueTimeout, nextDeadline } from './deadlines.js';
import { decide } from './decide.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const t0 = T0.getTime();
const iso = (ms: number): string => new Date(t0 + ms).toISOString();

const COMMAND_ID = '3f2c9a1e-7b4d-4e8a-9c61-2d1f0c7d2a11';
const command = (over: Partial<CommandRequestedData> = {}): CommandRequestedData => ({
  commandId: COMMAND_ID,
  deviceId: 'pump-17',
  name: 'set-speed',
  payload: {},
  requestedAt: iso(0),
  ackTimeoutMs: 10_000,
  timeoutMs: 60_000,
  expiresInMs: 300_000,
  retry: { maxAttempts: 1, on: [] },
  attempt: 1,
  retryOf: null,
  rootCommandId: COMMAND_ID,
  fingerprint: 'fp',
  ...over,
});
const requested = (over: Partial<CommandRequestedData> = {}): CommandEvent => ({
  type: 'CommandRequested',
  data: command(over),
});
const sentAt = (ms: number): CommandEvent => ({ type: 'CommandSent', data: { at: iso(ms) } });
const ackedAt = (ms: number): CommandEvent => ({
  type: 'CommandAcknowledged',
  data: { at: iso(ms) },
});
const given = (...events: CommandEvent[]): CommandState => {
  const s = fold(events);
  if (s === null) throw new Error('fixture: empty history');
  return s;
};

describe('deadlinesOf', () => {
  it('given requested: expiry from requestedAt, no ack or result deadline yet (it may wait)', () => {
    expect(deadlinesOf(given(requested()))).toEqual({
      expiresAt: t0 + 300_000,
      ackDueAt: null,
      resultDueAt: null,
    });
  });

  it('given sent: the ack and result deadlines count from sentAt', () => {
    expect(deadlinesOf(given(requested(), sentAt(4_000)))).toEqual({
      expiresAt: t0 + 300_000,
      ackDueAt: t0 + 14_000,
      resultDueAt: t0 + 64_000,
    });
  });

  it('given acknowledged: the deadlines do not move', () => {
    expect(deadlinesOf(given(requested(), sentAt(4_000), ackedAt(5_000)))).toEqual({
      expiresAt: t0 + 300_000,
      ackDueAt: t0 + 14_000,
      resultDueAt: t0 + 64_000,
    });
  });

  it('given acknowledged without a recorded send: the result deadline counts from the ack', () => {
    expect(deadlinesOf(given(requested(), ackedAt(5_000))).resultDueAt).toBe(t0 + 65_000);
  });

  it('given a command sent long after it was requested (it waited), the result deadline is whole', () => {
    const waited = given(requested({ requestedAt: iso(1_000_000) }), sentAt(1_200_000));
    expect(deadlinesOf(waited).resultDueAt).toBe(t0 + 1_260_000);
    expect(deadlinesOf(waited).expiresAt).toBe(t0 + 1_300_000);
  });
});

describe('nextDeadline', () => {
  it('given requested: expiresAt', () => {
    expect(nextDeadline(given(requested()))).toBe(t0 + 300_000);
  });

  it('given sent: the ack deadline when it comes first', () => {
    expect(nextDeadline(given(requested(), sentAt(4_000)))).toBe(t0 + 14_000);
  });

  it('given sent: the result deadline when it comes first', () => {
    expect(nextDeadline(given(requested({ timeoutMs: 5_000 }), sentAt(55_000)))).toBe(t0 + 60_000);
    expect(nextDeadline(given(requested({ ackTimeoutMs: 90_000 }), sentAt(0)))).toBe(t0 + 60_000);
  });

  it('given acknowledged: the result deadline only', () => {
    expect(nextDeadline(given(requested(), sentAt(4_000), ackedAt(5_000)))).toBe(t0 + 64_000);
    expect(nextDeadline(given(requested(), ackedAt(5_000)))).toBe(t0 + 65_000);
  });

  it.each([
    ['executed', [requested(), { type: 'CommandExecuted', data: { at: iso(1) } }]],
    ['failed', [requested(), { type: 'CommandFailed', data: { at: iso(1), error: null } }]],
    [
      'timed_out',
      [
        requested(),
        sentAt(1),
        { type: 'CommandTimedOut', data: { at: iso(11_001), stage: 'ack' } },
      ],
    ],
    ['cancelled', [requested(), { type: 'CommandCancelled', data: { at: iso(1), reason: null } }]],
    ['expired', [requested(), { type: 'CommandExpired', data: { at: iso(300_000) } }]],
  ] as [string, CommandEvent[]][])('given %s: none', (_status, events) => {
    expect(nextDeadline(given(...events))).toBeNull();
  });
});

describe('dueTimeout', () => {
  const sent = given(requested({ timeoutMs: 56_000 }), sentAt(4_000)); // ack due at 14 000, result at 60 000
  const acknowledged = given(requested({ timeoutMs: 56_000 }), sentAt(4_000), ackedAt(5_000));

  it.each([
    { status: 'sent', state: sent, ms: 13_999, due: null },
    { status: 'sent', state: sent, ms: 14_000, due: 'ack' },
    { status: 'sent', state: sent, ms: 59_999, due: 'ack' },
    { status: 'sent', state: sent, ms: 60_000, due: 'result' },
    { status: 'sent', state: sent, ms: 1_000_000, due: 'result' },
    { status: 'acknowledged', state: acknowledged, ms: 14_000, due: null },
    { status: 'acknowledged', state: acknowledged, ms: 59_999, due: null },
    { status: 'acknowledged', state: acknowledged, ms: 60_000, due: 'result' },
    { status: 'requested', state: given(requested()), ms: 1_000_000, due: null },
  ] as const)('given $status, at +$ms ms: $due', ({ state, ms, due }) => {
    expect(dueTimeout(state, t0 + ms)).toBe(due);
  });

  it('given a terminal status: none, whatever the time', () => {
    const executed = given(requested(), sentAt(1), {
      type: 'CommandExecuted',
      data: { at: iso(2) },
    });
    expect(dueTimeout(executed, t0 + 10_000_000)).toBeNull();
  });
});

describe('deadlines and decisions agree (property)', () => {
  // A non-terminal command with random timeouts, sent and acknowledged or not, at random times.
  const scenario = fc.record({
    ackTimeoutMs: fc.integer({ min: 1, max: 100_000 }),
    timeoutMs: fc.integer({ min: 1, max: 100_000 }),
    expiresInMs: fc.integer({ min: 1, max: 100_000 }),
    stage: fc.constantFrom('requested', 'sent', 'acknowledged', 'acknowledged without send'),
    sentAfter: fc.integer({ min: 0, max: 100_000 }),
    ackAfter: fc.integer({ min: 0, max: 100_000 }),
  });
  type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;
  const stateOf = (s: Scenario): CommandState => {
    const first = requested({
      ackTimeoutMs: s.ackTimeoutMs,
      timeoutMs: s.timeoutMs,
      expiresInMs: s.expiresInMs,
    });
    switch (s.stage) {
      case 'requested':
        return given(first);
      case 'sent':
        return given(first, sentAt(s.sentAfter));
      case 'acknowledged':
        return given(first, sentAt(s.sentAfter), ackedAt(s.sentAfter + s.ackAfter));
      case 'acknowledged without send':
        return given(first, ackedAt(s.ackAfter));
    }
  };

  it('time alone changes the command exactly from nextDeadline on', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const state = stateOf(s);
        const deadline = nextDeadline(state);
        expect(deadline).not.toBeNull();
        const input =
          state.status === 'requested'
            ? ({ kind: 'expire' } as const)
            : ({ kind: 'time_out' } as const);
        const before = decide(input, state, new Date(deadline! - 1));
        const atDeadline = decide(input, state, new Date(deadline!));
        expect(before).toEqual({ outcome: 'unchanged', reason: 'not_due' });
        expect(atDeadline.outcome).toBe('append');
        if (state.status !== 'requested') expect(dueTimeout(state, deadline!)).not.toBeNull();
        expect(dueTimeout(state, deadline! - 1)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });
});
