/**
 * checkStream, the ledger's fsck for one stream: healthy streams pass, and each kind of
 * violation is found in a hand-built broken stream.
 */
import { describe, it, expect } from '@jest/globals';
import type { CommandEvent, CommandRequestedData } from './command.js';
import { type StoredCommandEvent, type ViolationKind, checkStream } from './check-stream.js';
import { attemptId } from './identity.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const iso = (ms: number): string => new Date(T0.getTime() + ms).toISOString();

const ROOT = '3f2c9a1e-7b4d-4e8a-9c61-2d1f0c7d2a11';
const SECOND = attemptId(ROOT, 2);
const THIRD = attemptId(ROOT, 3);

const requestedData = (over: Partial<CommandRequestedData> = {}): CommandRequestedData => ({
  commandId: ROOT,
  deviceId: 'pump-17',
  name: 'set-speed',
  payload: { rpm: 1200 },
  requestedAt: iso(0),
  ackTimeoutMs: 10_000,
  timeoutMs: 60_000,
  expiresInMs: 300_000,
  retry: { maxAttempts: 3, on: ['timed_out', 'failed'] },
  attempt: 1,
  retryOf: null,
  rootCommandId: ROOT,
  fingerprint: 'fp',
  ...over,
});
const ev = {
  requested: (over: Partial<CommandRequestedData> = {}): CommandEvent => ({
    type: 'CommandRequested',
    data: requestedData(over),
  }),
  sent: (): CommandEvent => ({ type: 'CommandSent', data: { at: iso(1_000) } }),
  acknowledged: (): CommandEvent => ({ type: 'CommandAcknowledged', data: { at: iso(2_000) } }),
  executed: (): CommandEvent => ({ type: 'CommandExecuted', data: { at: iso(3_000), output: 1 } }),
  failed: (): CommandEvent => ({
    type: 'CommandFailed',
    data: { at: iso(3_000), error: 'jammed' },
  }),
  timedOut: (): CommandEvent => ({
    type: 'CommandTimedOut',
    data: { at: iso(11_000), stage: 'ack' },
  }),
  cancelled: (): CommandEvent => ({
    type: 'CommandCancelled',
    data: { at: iso(500), reason: null },
  }),
  expired: (): CommandEvent => ({ type: 'CommandExpired', data: { at: iso(300_000) } }),
  late: (): CommandEvent => ({
    type: 'CommandLateResultObserved',
    data: { at: iso(400_000), status: 'executed', error: null },
  }),
};

/** As the store returns them: revisions 0, 1, 2, … */
const stored = (...events: { type: string; data: unknown }[]): StoredCommandEvent[] =>
  events.map((e, i) => ({ revision: BigInt(i), type: e.type, data: e.data }));
const kinds = (commandId: string, events: StoredCommandEvent[]) =>
  checkStream(commandId, events).violations.map((v) => [v.kind, v.revision] as const);
const found = (kind: ViolationKind, revision: bigint) =>
  expect.objectContaining({
    commandId: expect.any(String),
    kind,
    revision,
    detail: expect.any(String),
  });

describe('checkStream on healthy streams', () => {
  const HEALTHY: ReadonlyArray<readonly [string, string, StoredCommandEvent[]]> = [
    ['just requested', ROOT, stored(ev.requested())],
    [
      'sent, acknowledged, executed',
      ROOT,
      stored(ev.requested(), ev.sent(), ev.acknowledged(), ev.executed()),
    ],
    ['a result that skipped send and ack', ROOT, stored(ev.requested(), ev.failed())],
    [
      'timed out, then a late result',
      ROOT,
      stored(ev.requested(), ev.sent(), ev.timedOut(), ev.late()),
    ],
    ['cancelled, then a late result', ROOT, stored(ev.requested(), ev.cancelled(), ev.late())],
    ['expired', ROOT, stored(ev.requested(), ev.expired())],
    [
      'a second attempt linked to the first',
      SECOND,
      stored(
        ev.requested({ commandId: SECOND, attempt: 2, retryOf: ROOT }),
        ev.sent(),
        ev.timedOut(),
      ),
    ],
    [
      'a third attempt linked to the second',
      THIRD,
      stored(ev.requested({ commandId: THIRD, attempt: 3, retryOf: SECOND })),
    ],
  ];

  it.each(HEALTHY)('finds nothing wrong: %s', (_name, commandId, events) => {
    const { violations, state } = checkStream(commandId, events);
    expect(violations).toEqual([]);
    expect(state?.revision).toBe(BigInt(events.length - 1));
  });

  it('finds nothing in an empty stream, and no state', () => {
    expect(checkStream(ROOT, [])).toEqual({ violations: [], state: null });
  });
});

describe('checkStream on broken streams', () => {
  it('finds first_event_not_requested', () => {
    const { violations, state } = checkStream(ROOT, stored(ev.sent(), ev.acknowledged()));
    expect(violations).toContainEqual(found('first_event_not_requested', 0n));
    expect(state).toBeNull();
  });

  it('finds a revision_gap', () => {
    const events = stored(ev.requested(), ev.sent(), ev.acknowledged());
    const gapped = [events[0]!, events[1]!, { ...events[2]!, revision: 3n }];
    expect(kinds(ROOT, gapped)).toEqual([['revision_gap', 3n]]);
  });

  it('finds a revision_gap when the stream does not start at 0', () => {
    const events = stored(ev.requested()).map((e) => ({ ...e, revision: 1n }));
    expect(kinds(ROOT, events)).toEqual([['revision_gap', 1n]]);
  });

  it('finds an illegal_transition and keeps the state of the legal prefix', () => {
    const { violations, state } = checkStream(
      ROOT,
      stored(ev.requested(), ev.acknowledged(), ev.sent()),
    );
    expect(violations).toEqual([found('illegal_transition', 2n)]);
    expect(state).toMatchObject({ status: 'acknowledged', revision: 1n });
  });

  it('finds a second CommandRequested as an illegal_transition', () => {
    expect(kinds(ROOT, stored(ev.requested(), ev.requested()))).toEqual([
      ['illegal_transition', 1n],
    ]);
  });

  it('finds a second_terminal', () => {
    const { violations, state } = checkStream(
      ROOT,
      stored(ev.requested(), ev.sent(), ev.executed(), ev.failed()),
    );
    expect(violations).toContainEqual(found('second_terminal', 3n));
    expect(state).toMatchObject({ status: 'executed' });
  });

  it('finds a second_terminal even when a timeout follows a cancel', () => {
    expect(kinds(ROOT, stored(ev.requested(), ev.cancelled(), ev.timedOut()))).toContainEqual([
      'second_terminal',
      2n,
    ]);
  });

  it('finds a second_late_observation', () => {
    const { violations } = checkStream(
      ROOT,
      stored(ev.requested(), ev.sent(), ev.timedOut(), ev.late(), ev.late()),
    );
    expect(violations).toContainEqual(found('second_late_observation', 4n));
  });

  it('finds a late observation after a result as an illegal_transition', () => {
    expect(kinds(ROOT, stored(ev.requested(), ev.executed(), ev.late()))).toEqual([
      ['illegal_transition', 2n],
    ]);
  });

  it('finds an unknown_event_type and goes on with the rest of the stream', () => {
    const { violations, state } = checkStream(
      ROOT,
      stored(ev.requested(), { type: 'CommandTeleported', data: {} }, ev.executed()),
    );
    expect(violations).toEqual([found('unknown_event_type', 1n)]);
    expect(state).toMatchObject({ status: 'executed', revision: 1n });
  });

  it.each([
    ['an attempt 1 that names a previous attempt', ROOT, ev.requested({ retryOf: SECOND })],
    [
      'an attempt 2 whose id is not derived from its root',
      '0b5e6c1a-3f0e-4a8e-9c61-2d1f0c7d2a11',
      ev.requested({
        commandId: '0b5e6c1a-3f0e-4a8e-9c61-2d1f0c7d2a11',
        attempt: 2,
        retryOf: ROOT,
      }),
    ],
    [
      'an attempt 2 whose retryOf is not attempt 1',
      SECOND,
      ev.requested({ commandId: SECOND, attempt: 2, retryOf: THIRD }),
    ],
    [
      'an attempt 2 with no retryOf',
      SECOND,
      ev.requested({ commandId: SECOND, attempt: 2, retryOf: null }),
    ],
    [
      'an attempt 3 that skips attempt 2',
      THIRD,
      ev.requested({ commandId: THIRD, attempt: 3, retryOf: ROOT }),
    ],
    [
      'an attempt 0',
      attemptId(ROOT, 0),
      ev.requested({ commandId: attemptId(ROOT, 0), attempt: 0, retryOf: null }),
    ],
    ['a stream that holds another command', SECOND, ev.requested()],
  ] as const)('finds a bad_retry_link: %s', (_name, streamCommandId, first) => {
    expect(kinds(streamCommandId, stored(first, ev.sent()))).toEqual([['bad_retry_link', 0n]]);
  });

  it('reports the commandId it was given in every violation', () => {
    const { violations } = checkStream(SECOND, stored(ev.sent()));
    expect(violations.length).toBeGreaterThan(0);
    for (const v of violations) expect(v.commandId).toBe(SECOND);
  });
});

describe('checkStream on stored types that are not events', () => {
  // Object.prototype's members are `in` every object; a stored type string must not be
  // mistaken for a known event type because of that (a verifier must report, not crash).
  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])(
    'finds an unknown_event_type for %s',
    (type) => {
      const run = () => checkStream(ROOT, stored(ev.requested(), { type, data: {} }));
      expect(run).not.toThrow();
      expect(run().violations).toEqual([found('unknown_event_type', 1n)]);
    },
  );
});
