/**
 * `evolve` and `fold`: the state after each event, and the events the lifecycle forbids.
 * The legality table below is written from CONTRACT.md section 1, not read from TRANSITIONS.
 */
import { describe, it, expect } from '@jest/globals';
import {
  type CommandEvent,
  type CommandEventType,
  type CommandRequestedData,
  type CommandState,
  IllegalTransitionError,
  evolve,
  fold,
} from './command.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const iso = (ms: number): string => new Date(T0.getTime() + ms).toISOString();

const COMMAND_ID = '3f2c9a1e-7b4d-4e8a-9c61-2d1f0c7d2a11';
const COMMAND: CommandRequestedData = {
  commandId: COMMAND_ID,
  deviceId: 'pump-17',
  name: 'set-speed',
  payload: { rpm: 1200 },
  requestedAt: iso(0),
  ackTimeoutMs: 10_000,
  timeoutMs: 60_000,
  expiresInMs: 300_000,
  retry: { maxAttempts: 3, on: ['timed_out'] },
  attempt: 1,
  retryOf: null,
  rootCommandId: COMMAND_ID,
  fingerprint: 'fp',
};

const ev = {
  requested: (): CommandEvent => ({ type: 'CommandRequested', data: COMMAND }),
  sent: (): CommandEvent => ({ type: 'CommandSent', data: { at: iso(1_000) } }),
  acknowledged: (): CommandEvent => ({ type: 'CommandAcknowledged', data: { at: iso(2_000) } }),
  executed: (output?: unknown): CommandEvent => ({
    type: 'CommandExecuted',
    data: { at: iso(3_000), output },
  }),
  failed: (): CommandEvent => ({
    type: 'CommandFailed',
    data: { at: iso(3_000), error: 'jammed', output: { code: 7 } },
  }),
  timedOut: (stage: 'ack' | 'result' = 'ack'): CommandEvent => ({
    type: 'CommandTimedOut',
    data: { at: iso(11_000), stage },
  }),
  cancelled: (): CommandEvent => ({
    type: 'CommandCancelled',
    data: { at: iso(500), reason: 'operator' },
  }),
  expired: (): CommandEvent => ({ type: 'CommandExpired', data: { at: iso(300_000) } }),
  late: (): CommandEvent => ({
    type: 'CommandLateResultObserved',
    data: { at: iso(400_000), status: 'failed', output: { code: 9 }, error: 'too late' },
  }),
};
/** One event of each type, to try after every status. */
const ONE_OF_EACH: Record<CommandEventType, () => CommandEvent> = {
  CommandRequested: ev.requested,
  CommandSent: ev.sent,
  CommandAcknowledged: ev.acknowledged,
  CommandExecuted: () => ev.executed({ ok: true }),
  CommandFailed: ev.failed,
  CommandTimedOut: () => ev.timedOut('result'),
  CommandCancelled: ev.cancelled,
  CommandExpired: ev.expired,
  CommandLateResultObserved: ev.late,
};

const given = (...events: CommandEvent[]): CommandState => {
  const s = fold(events);
  if (s === null) throw new Error('fixture: empty history');
  return s;
};

describe('evolve: the state after each event', () => {
  it('CommandRequested starts the state at revision 0, rank 0, with nothing yet recorded', () => {
    expect(evolve(null, ev.requested())).toEqual({
      ...COMMAND,
      status: 'requested',
      revision: 0n,
      rank: 0,
      sentAt: null,
      acknowledgedAt: null,
      completedAt: null,
      result: null,
      error: null,
      timedOutStage: null,
      lateResult: null,
      // A version-1 request (no delivery, no queue) reads as the version-2 defaults.
      delivery: 'when_online',
      queue: null,
      supersededBy: null,
    });
  });

  it('CommandRequested keeps the delivery and the queue of a version-2 request', () => {
    const queued = {
      ...COMMAND,
      delivery: 'immediate' as const,
      queue: { key: 'motor', supersede: true },
    };
    expect(evolve(null, { type: 'CommandRequested', data: queued })).toMatchObject({
      delivery: 'immediate',
      queue: { key: 'motor', supersede: true },
    });
  });

  it('CommandCancelled as superseded records by which command', () => {
    const before = given(ev.requested());
    const by = '9a1e3f2c-7b4d-4e8a-9c61-2d1f0c7d2a11';
    expect(
      evolve(before, {
        type: 'CommandCancelled',
        data: { at: iso(500), reason: 'superseded', supersededBy: by },
      }),
    ).toMatchObject({ status: 'cancelled', supersededBy: by });
  });

  it('CommandSent records sentAt', () => {
    const before = given(ev.requested());
    expect(evolve(before, ev.sent())).toEqual({
      ...before,
      status: 'sent',
      revision: 1n,
      rank: 1,
      sentAt: iso(1_000),
    });
  });

  it('CommandAcknowledged records acknowledgedAt', () => {
    const before = given(ev.requested(), ev.sent());
    expect(evolve(before, ev.acknowledged())).toEqual({
      ...before,
      status: 'acknowledged',
      revision: 2n,
      rank: 2,
      acknowledgedAt: iso(2_000),
    });
  });

  it('CommandAcknowledged straight after CommandRequested leaves sentAt null', () => {
    const before = given(ev.requested());
    expect(evolve(before, ev.acknowledged())).toEqual({
      ...before,
      status: 'acknowledged',
      revision: 1n,
      rank: 2,
      sentAt: null,
      acknowledgedAt: iso(2_000),
    });
  });

  it('CommandExecuted records completedAt and the output as result', () => {
    const before = given(ev.requested(), ev.sent(), ev.acknowledged());
    expect(evolve(before, ev.executed({ rpm: 1200 }))).toEqual({
      ...before,
      status: 'executed',
      revision: 3n,
      rank: 3,
      completedAt: iso(3_000),
      result: { rpm: 1200 },
      error: null,
    });
  });

  it('CommandExecuted without output records result null', () => {
    const after = evolve(given(ev.requested(), ev.sent()), ev.executed());
    expect(after.result).toBeNull();
    expect(after.completedAt).toBe(iso(3_000));
  });

  it('CommandFailed records completedAt, the error and the output', () => {
    const before = given(ev.requested(), ev.sent());
    expect(evolve(before, ev.failed())).toEqual({
      ...before,
      status: 'failed',
      revision: 2n,
      rank: 3,
      completedAt: iso(3_000),
      result: { code: 7 },
      error: 'jammed',
    });
  });

  it.each(['ack', 'result'] as const)(
    'CommandTimedOut (stage %s) records completedAt and the stage',
    (stage) => {
      const before = given(ev.requested(), ev.sent());
      expect(evolve(before, ev.timedOut(stage))).toEqual({
        ...before,
        status: 'timed_out',
        revision: 2n,
        rank: 3,
        completedAt: iso(11_000),
        timedOutStage: stage,
      });
    },
  );

  it('CommandCancelled records completedAt', () => {
    const before = given(ev.requested());
    expect(evolve(before, ev.cancelled())).toEqual({
      ...before,
      status: 'cancelled',
      revision: 1n,
      rank: 3,
      completedAt: iso(500),
    });
  });

  it('CommandExpired records completedAt', () => {
    const before = given(ev.requested());
    expect(evolve(before, ev.expired())).toEqual({
      ...before,
      status: 'expired',
      revision: 1n,
      rank: 3,
      completedAt: iso(300_000),
    });
  });

  it('CommandLateResultObserved keeps the status and completedAt, records lateResult, and raises the rank', () => {
    const before = given(ev.requested(), ev.sent(), ev.timedOut());
    expect(evolve(before, ev.late())).toEqual({
      ...before,
      status: 'timed_out',
      revision: 3n,
      rank: 4,
      completedAt: iso(11_000),
      result: null,
      error: null,
      lateResult: { at: iso(400_000), status: 'failed', output: { code: 9 }, error: 'too late' },
    });
  });

  it('never edits the state it is given', () => {
    const before = given(ev.requested(), ev.sent());
    const copy = structuredClone(before);
    evolve(before, ev.acknowledged());
    expect(before).toEqual(copy);
  });
});

/**
 * Which events may follow each status (CONTRACT.md section 1: ranks rise strictly, rules 2, 3
 * and 6). Everything not listed must throw.
 */
const LEGAL_AFTER: ReadonlyArray<
  readonly [string, readonly CommandEvent[], readonly CommandEventType[]]
> = [
  ['no stream', [], ['CommandRequested']],
  [
    'requested',
    [ev.requested()],
    [
      'CommandSent',
      'CommandAcknowledged',
      'CommandExecuted',
      'CommandFailed',
      'CommandCancelled',
      'CommandExpired',
    ],
  ],
  [
    'sent',
    [ev.requested(), ev.sent()],
    ['CommandAcknowledged', 'CommandExecuted', 'CommandFailed', 'CommandTimedOut'],
  ],
  [
    'acknowledged',
    [ev.requested(), ev.sent(), ev.acknowledged()],
    ['CommandExecuted', 'CommandFailed', 'CommandTimedOut'],
  ],
  [
    'acknowledged (never sent)',
    [ev.requested(), ev.acknowledged()],
    ['CommandExecuted', 'CommandFailed', 'CommandTimedOut'],
  ],
  ['executed', [ev.requested(), ev.executed()], []],
  ['failed', [ev.requested(), ev.sent(), ev.failed()], []],
  ['timed_out', [ev.requested(), ev.sent(), ev.timedOut()], ['CommandLateResultObserved']],
  ['cancelled', [ev.requested(), ev.cancelled()], ['CommandLateResultObserved']],
  ['expired', [ev.requested(), ev.expired()], ['CommandLateResultObserved']],
  ['timed_out with a late result', [ev.requested(), ev.sent(), ev.timedOut(), ev.late()], []],
  ['cancelled with a late result', [ev.requested(), ev.cancelled(), ev.late()], []],
  ['expired with a late result', [ev.requested(), ev.expired(), ev.late()], []],
];

describe('evolve: the transition table', () => {
  describe.each(LEGAL_AFTER)('after %s', (_name, history, legal) => {
    const state = history.length === 0 ? null : given(...history);
    const types = Object.keys(ONE_OF_EACH) as CommandEventType[];

    // it.each refuses an empty table: a terminal status accepts nothing.
    if (legal.length > 0) {
      it.each(types.filter((t) => legal.includes(t)))('%s is accepted', (type) => {
        const after = evolve(state, ONE_OF_EACH[type]());
        expect(after.revision).toBe(state === null ? 0n : state.revision + 1n);
        expect(after.rank).toBeGreaterThan(state?.rank ?? -1);
      });
    }

    const illegal = types.filter((t) => !legal.includes(t));
    if (illegal.length > 0) {
      it.each(illegal)('%s throws IllegalTransitionError', (type) => {
        expect.assertions(4);
        try {
          evolve(state, ONE_OF_EACH[type]());
        } catch (e) {
          expect(e).toBeInstanceOf(IllegalTransitionError);
          const err = e as IllegalTransitionError;
          expect(err.eventType).toBe(type);
          expect(err.from).toBe(state?.status ?? null);
          expect(err.message).toBe(
            `illegal transition: ${type} after ${state?.status ?? 'no stream'}`,
          );
        }
      });
    }
  });

  it('rejects CommandSent after CommandAcknowledged (progress never goes back)', () => {
    expect(() => evolve(given(ev.requested(), ev.acknowledged()), ev.sent())).toThrow(
      IllegalTransitionError,
    );
  });

  it('rejects CommandRequested twice (it is only ever revision 0)', () => {
    expect(() => evolve(given(ev.requested()), ev.requested())).toThrow(IllegalTransitionError);
  });

  it('rejects CommandLateResultObserved after executed (the result was not late)', () => {
    expect(() => evolve(given(ev.requested(), ev.executed()), ev.late())).toThrow(
      IllegalTransitionError,
    );
  });

  it('rejects a second terminal event', () => {
    expect(() => evolve(given(ev.requested(), ev.sent(), ev.timedOut()), ev.executed())).toThrow(
      IllegalTransitionError,
    );
    expect(() => evolve(given(ev.requested(), ev.sent(), ev.executed()), ev.failed())).toThrow(
      IllegalTransitionError,
    );
  });
});

describe('fold', () => {
  it('gives null for an empty stream', () => {
    expect(fold([])).toBeNull();
  });

  it('is evolve applied event by event', () => {
    const events = [ev.requested(), ev.sent(), ev.timedOut(), ev.late()];
    let state: CommandState | null = null;
    for (const e of events) state = evolve(state, e);
    expect(fold(events)).toEqual(state);
    expect(fold(events)).toMatchObject({ status: 'timed_out', revision: 3n, rank: 4 });
  });

  it('throws on an illegal sequence', () => {
    expect(() => fold([ev.requested(), ev.executed(), ev.failed()])).toThrow(
      IllegalTransitionError,
    );
    expect(() => fold([ev.sent()])).toThrow(IllegalTransitionError);
  });
});
