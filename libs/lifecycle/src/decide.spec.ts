/**
 * The decider, cell by cell: given the events of each status, when each input, then the
 * events it appends, or why nothing changes, or the rejection.
 *
 * The expected outcome of every cell is written out below from CONTRACT.md section 1; none is
 * computed from TRANSITIONS or from decide. `Row = Record<Case, Then>` makes the compiler
 * refuse a status that leaves an input out.
 */
import { describe, it, expect } from '@jest/globals';
import {
  type CommandEvent,
  type CommandEventType,
  type CommandRequestedData,
  type CommandState,
  type CommandStatus,
  evolve,
  fold,
} from './command.js';
import { type CommandInput, type RejectionCode, type UnchangedReason, decide } from './decide.js';

// ---- fixture: one command, fixed times -------------------------------------------------------

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const iso = (ms: number): string => at(ms).toISOString();

const COMMAND_ID = '3f2c9a1e-7b4d-4e8a-9c61-2d1f0c7d2a11';
const DEVICE = 'pump-17';
const OTHER_DEVICE = 'pump-18';
const ACK_TIMEOUT_MS = 10_000;
const TIMEOUT_MS = 60_000;
const EXPIRES_IN_MS = 300_000;

const COMMAND: CommandRequestedData = {
  commandId: COMMAND_ID,
  deviceId: DEVICE,
  name: 'set-speed',
  payload: { rpm: 1200 },
  requestedAt: iso(0),
  ackTimeoutMs: ACK_TIMEOUT_MS,
  timeoutMs: TIMEOUT_MS,
  expiresInMs: EXPIRES_IN_MS,
  retry: { maxAttempts: 1, on: [] },
  attempt: 1,
  retryOf: null,
  rootCommandId: COMMAND_ID,
  fingerprint: 'fingerprint-of-the-original-body',
};
const OTHER_BODY: CommandRequestedData = {
  ...COMMAND,
  payload: { rpm: 900 },
  fingerprint: 'fingerprint-of-another-body',
};

// When each stage happened in the given histories.
const SENT_AT = 1_000;
const ACKED_AT = 2_000;
const CLOSED_AT = 3_000;
// The deadlines these imply (CONTRACT.md rule 9: ack and result both count from `sent`).
const ACK_DUE = SENT_AT + ACK_TIMEOUT_MS; // 11_000
const RESULT_DUE = SENT_AT + TIMEOUT_MS; // 61_000
const EXPIRES_AT = EXPIRES_IN_MS; // 300_000
// Inputs whose meaning does not depend on time are decided at this moment.
const LATER = 5_000;

const OUTPUT = { rpm: 1200, took: 'fast' };
const FAIL_OUTPUT = { code: 7 };
const FAIL_ERROR = 'jammed';

const ev = {
  requested: (): CommandEvent => ({ type: 'CommandRequested', data: COMMAND }),
  sent: (): CommandEvent => ({ type: 'CommandSent', data: { at: iso(SENT_AT) } }),
  acknowledged: (): CommandEvent => ({ type: 'CommandAcknowledged', data: { at: iso(ACKED_AT) } }),
  executed: (): CommandEvent => ({
    type: 'CommandExecuted',
    data: { at: iso(CLOSED_AT), output: { done: true } },
  }),
  failed: (): CommandEvent => ({
    type: 'CommandFailed',
    data: { at: iso(CLOSED_AT), error: 'overheat', output: null },
  }),
  timedOut: (): CommandEvent => ({
    type: 'CommandTimedOut',
    data: { at: iso(ACK_DUE), stage: 'ack' },
  }),
  cancelled: (): CommandEvent => ({
    type: 'CommandCancelled',
    data: { at: iso(SENT_AT), reason: 'operator' },
  }),
  expired: (): CommandEvent => ({ type: 'CommandExpired', data: { at: iso(EXPIRES_AT) } }),
  late: (status: 'executed' | 'failed'): CommandEvent => ({
    type: 'CommandLateResultObserved',
    data: { at: iso(EXPIRES_AT + 1_000), status, error: status === 'failed' ? 'overheat' : null },
  }),
};

/** The state a stream of real events folds to. */
const given = (...events: CommandEvent[]): CommandState | null => fold(events);

// ---- the inputs: every column of the table ---------------------------------------------------

interface When {
  readonly input: CommandInput;
  readonly now: Date;
}
const result = (deviceId: string, status: 'executed' | 'failed'): CommandInput =>
  status === 'executed'
    ? { kind: 'record_result', deviceId, status, output: OUTPUT }
    : { kind: 'record_result', deviceId, status, output: FAIL_OUTPUT, error: FAIL_ERROR };

const WHEN = {
  'issue with the same body': { input: { kind: 'issue', command: COMMAND }, now: at(LATER) },
  'issue with a different body': { input: { kind: 'issue', command: OTHER_BODY }, now: at(LATER) },
  mark_sent: { input: { kind: 'mark_sent' }, now: at(LATER) },
  'ack from its device': { input: { kind: 'acknowledge', deviceId: DEVICE }, now: at(LATER) },
  'ack from another device': {
    input: { kind: 'acknowledge', deviceId: OTHER_DEVICE },
    now: at(LATER),
  },
  'executed from its device': { input: result(DEVICE, 'executed'), now: at(LATER) },
  'failed from its device': { input: result(DEVICE, 'failed'), now: at(LATER) },
  'executed from another device': { input: result(OTHER_DEVICE, 'executed'), now: at(LATER) },
  'failed from another device': { input: result(OTHER_DEVICE, 'failed'), now: at(LATER) },
  'time_out 1 ms before the ack deadline': { input: { kind: 'time_out' }, now: at(ACK_DUE - 1) },
  'time_out at the ack deadline': { input: { kind: 'time_out' }, now: at(ACK_DUE) },
  'time_out between the ack and result deadlines': { input: { kind: 'time_out' }, now: at(30_000) },
  'time_out 1 ms before the result deadline': {
    input: { kind: 'time_out' },
    now: at(RESULT_DUE - 1),
  },
  'time_out at the result deadline': { input: { kind: 'time_out' }, now: at(RESULT_DUE) },
  'time_out after the result deadline': {
    input: { kind: 'time_out' },
    now: at(RESULT_DUE + 60_000),
  },
  'expire 1 ms before expiresAt': { input: { kind: 'expire' }, now: at(EXPIRES_AT - 1) },
  'expire at expiresAt': { input: { kind: 'expire' }, now: at(EXPIRES_AT) },
  'expire after expiresAt': { input: { kind: 'expire' }, now: at(EXPIRES_AT + 100_000) },
  cancel: { input: { kind: 'cancel', reason: 'operator' }, now: at(LATER) },
} as const satisfies Record<string, When>;
type Case = keyof typeof WHEN;

// ---- the outcomes: every value a cell may hold -----------------------------------------------

type Then =
  | {
      readonly appends: CommandEventType;
      /** The event's data, given the decision's `now` as ISO text. */
      readonly data: (at: string) => unknown;
      /** The status after the event is folded in (CONTRACT.md section 1 table). */
      readonly thenStatus: CommandStatus;
    }
  | { readonly unchanged: UnchangedReason }
  | { readonly rejected: RejectionCode };
type Row = Readonly<Record<Case, Then>>;

const appends = (type: CommandEventType, extra: object, thenStatus: CommandStatus): Then => ({
  appends: type,
  data: (now) => ({ at: now, ...extra }),
  thenStatus,
});
const REQUESTED_AS_ISSUED: Then = {
  appends: 'CommandRequested',
  data: () => COMMAND,
  thenStatus: 'requested',
};
const REQUESTED_WITH_OTHER_BODY: Then = {
  appends: 'CommandRequested',
  data: () => OTHER_BODY,
  thenStatus: 'requested',
};
const SENT = appends('CommandSent', {}, 'sent');
const ACKNOWLEDGED = appends('CommandAcknowledged', {}, 'acknowledged');
const EXECUTED = appends('CommandExecuted', { output: OUTPUT }, 'executed');
const FAILED = appends('CommandFailed', { error: FAIL_ERROR, output: FAIL_OUTPUT }, 'failed');
const TIMED_OUT_ACK = appends('CommandTimedOut', { stage: 'ack' }, 'timed_out');
const TIMED_OUT_RESULT = appends('CommandTimedOut', { stage: 'result' }, 'timed_out');
const EXPIRED = appends('CommandExpired', {}, 'expired');
const CANCELLED = appends('CommandCancelled', { reason: 'operator' }, 'cancelled');
const lateExecuted = (stays: CommandStatus) =>
  appends('CommandLateResultObserved', { status: 'executed', output: OUTPUT, error: null }, stays);
const lateFailed = (stays: CommandStatus) =>
  appends(
    'CommandLateResultObserved',
    { status: 'failed', output: FAIL_OUTPUT, error: FAIL_ERROR },
    stays,
  );

const DUPLICATE: Then = { unchanged: 'duplicate' };
const STALE: Then = { unchanged: 'stale' };
const LATE: Then = { unchanged: 'late' };
const DEVICE_MISMATCH: Then = { unchanged: 'device_mismatch' };
const NOT_FOUND: Then = { unchanged: 'not_found' };
const NOT_DUE: Then = { unchanged: 'not_due' };
const NOT_APPLICABLE: Then = { unchanged: 'not_applicable' };
const NOT_CANCELLABLE: Then = { rejected: 'not_cancellable' };
const ID_CONFLICT: Then = { rejected: 'id_conflict' };

const label = (t: Then): string =>
  'appends' in t
    ? `appends ${t.appends} (→ ${t.thenStatus})`
    : 'unchanged' in t
      ? `unchanged: ${t.unchanged}`
      : `rejected: ${t.rejected}`;

/** One `it` per cell: when WHEN[case], then row[case]. */
function cells(history: readonly CommandEvent[], row: Row): void {
  for (const name of Object.keys(WHEN) as Case[]) {
    const { input, now } = WHEN[name];
    const then = row[name];
    it(`when ${name}, then ${label(then)}`, () => {
      const state = given(...history);
      const before = structuredClone(state);

      const decision = decide(input, state, now);

      expect(state).toEqual(before); // decide is pure: it never edits the state it reads
      if ('appends' in then) {
        const event = { type: then.appends, data: then.data(now.toISOString()) };
        expect(decision).toEqual({ outcome: 'append', events: [event] });
        const after = evolve(state, event as CommandEvent);
        expect(after.status).toBe(then.thenStatus);
        expect(after.revision).toBe(state === null ? 0n : state.revision + 1n);
      } else if ('unchanged' in then) {
        expect(decision).toEqual({ outcome: 'unchanged', reason: then.unchanged });
      } else {
        expect(decision).toEqual({
          outcome: 'rejected',
          code: then.rejected,
          message: expect.any(String),
        });
        expect(decision.outcome === 'rejected' && decision.message).toContain(COMMAND_ID);
      }
    });
  }
}

/** Inputs that do not depend on the status, for rows that only differ elsewhere. */
const ISSUE_ON_A_STREAM = {
  'issue with the same body': DUPLICATE,
  'issue with a different body': ID_CONFLICT,
} as const;
const NOT_FROM_THIS_DEVICE = {
  'ack from another device': DEVICE_MISMATCH,
  'executed from another device': DEVICE_MISMATCH,
  'failed from another device': DEVICE_MISMATCH,
} as const;
const TIME_OUT_IS = (then: Then) =>
  ({
    'time_out 1 ms before the ack deadline': then,
    'time_out at the ack deadline': then,
    'time_out between the ack and result deadlines': then,
    'time_out 1 ms before the result deadline': then,
    'time_out at the result deadline': then,
    'time_out after the result deadline': then,
  }) as const;
const EXPIRE_IS = (then: Then) =>
  ({
    'expire 1 ms before expiresAt': then,
    'expire at expiresAt': then,
    'expire after expiresAt': then,
  }) as const;

// ---- the table, one describe per status ------------------------------------------------------

describe('given no stream', () => {
  cells([], {
    'issue with the same body': REQUESTED_AS_ISSUED,
    'issue with a different body': REQUESTED_WITH_OTHER_BODY,
    mark_sent: NOT_FOUND,
    'ack from its device': NOT_FOUND,
    'ack from another device': NOT_FOUND,
    'executed from its device': NOT_FOUND,
    'failed from its device': NOT_FOUND,
    'executed from another device': NOT_FOUND,
    'failed from another device': NOT_FOUND,
    ...TIME_OUT_IS(NOT_FOUND),
    ...EXPIRE_IS(NOT_FOUND),
    cancel: NOT_FOUND,
  });
});

describe('given requested', () => {
  cells([ev.requested()], {
    ...ISSUE_ON_A_STREAM,
    mark_sent: SENT,
    'ack from its device': ACKNOWLEDGED, // rule 2: evidence may skip a stage
    'executed from its device': EXECUTED,
    'failed from its device': FAILED,
    ...NOT_FROM_THIS_DEVICE,
    ...TIME_OUT_IS(NOT_APPLICABLE), // rule 3: timed_out only from sent or acknowledged
    'expire 1 ms before expiresAt': NOT_DUE,
    'expire at expiresAt': EXPIRED,
    'expire after expiresAt': EXPIRED,
    cancel: CANCELLED,
  });
});

describe('given sent', () => {
  cells([ev.requested(), ev.sent()], {
    ...ISSUE_ON_A_STREAM,
    mark_sent: DUPLICATE,
    'ack from its device': ACKNOWLEDGED,
    'executed from its device': EXECUTED,
    'failed from its device': FAILED,
    ...NOT_FROM_THIS_DEVICE,
    'time_out 1 ms before the ack deadline': NOT_DUE,
    'time_out at the ack deadline': TIMED_OUT_ACK,
    'time_out between the ack and result deadlines': TIMED_OUT_ACK,
    'time_out 1 ms before the result deadline': TIMED_OUT_ACK,
    'time_out at the result deadline': TIMED_OUT_RESULT, // both due: the result deadline names it
    'time_out after the result deadline': TIMED_OUT_RESULT,
    ...EXPIRE_IS(STALE), // rule 3: expired only from requested
    cancel: NOT_CANCELLABLE, // rule 3: cancelled only from requested
  });
});

describe('given acknowledged', () => {
  cells([ev.requested(), ev.sent(), ev.acknowledged()], {
    ...ISSUE_ON_A_STREAM,
    mark_sent: STALE,
    'ack from its device': DUPLICATE,
    'executed from its device': EXECUTED,
    'failed from its device': FAILED,
    ...NOT_FROM_THIS_DEVICE,
    // The ack deadline no longer applies once acknowledged; only the result deadline does.
    'time_out 1 ms before the ack deadline': NOT_DUE,
    'time_out at the ack deadline': NOT_DUE,
    'time_out between the ack and result deadlines': NOT_DUE,
    'time_out 1 ms before the result deadline': NOT_DUE,
    'time_out at the result deadline': TIMED_OUT_RESULT,
    'time_out after the result deadline': TIMED_OUT_RESULT,
    ...EXPIRE_IS(STALE),
    cancel: NOT_CANCELLABLE,
  });

  describe('and acknowledged without ever being marked sent', () => {
    // Rule 2: an ack while requested. No sentAt, so only the result deadline exists, and it
    // counts from the ack (the first sign the device had it): 1 s after RESULT_DUE.
    cells([ev.requested(), ev.acknowledged()], {
      ...ISSUE_ON_A_STREAM,
      mark_sent: STALE,
      'ack from its device': DUPLICATE,
      'executed from its device': EXECUTED,
      'failed from its device': FAILED,
      ...NOT_FROM_THIS_DEVICE,
      'time_out 1 ms before the ack deadline': NOT_DUE,
      'time_out at the ack deadline': NOT_DUE,
      'time_out between the ack and result deadlines': NOT_DUE,
      'time_out 1 ms before the result deadline': NOT_DUE,
      'time_out at the result deadline': NOT_DUE,
      'time_out after the result deadline': TIMED_OUT_RESULT,
      ...EXPIRE_IS(STALE),
      cancel: NOT_CANCELLABLE,
    });
  });
});

// In the terminal rows time no longer matters; the time_out and expire columns show that at
// every moment (some of which precede the terminal event itself).

describe('given executed', () => {
  cells([ev.requested(), ev.sent(), ev.acknowledged(), ev.executed()], {
    ...ISSUE_ON_A_STREAM,
    mark_sent: STALE,
    'ack from its device': STALE, // rule 5: an ack after a result
    'executed from its device': DUPLICATE,
    'failed from its device': STALE,
    ...NOT_FROM_THIS_DEVICE,
    ...TIME_OUT_IS(STALE),
    ...EXPIRE_IS(STALE),
    cancel: NOT_CANCELLABLE,
  });
});

describe('given failed', () => {
  cells([ev.requested(), ev.sent(), ev.acknowledged(), ev.failed()], {
    ...ISSUE_ON_A_STREAM,
    mark_sent: STALE,
    'ack from its device': STALE,
    'executed from its device': STALE,
    'failed from its device': DUPLICATE,
    ...NOT_FROM_THIS_DEVICE,
    ...TIME_OUT_IS(STALE),
    ...EXPIRE_IS(STALE),
    cancel: NOT_CANCELLABLE,
  });
});

// Rule 6: after a close without a result, the first result is kept once as an observation.
const CLOSED_WITHOUT_RESULT = {
  'issue with the same body': DUPLICATE,
  'issue with a different body': ID_CONFLICT,
  mark_sent: STALE,
  'ack from its device': LATE,
  ...NOT_FROM_THIS_DEVICE,
} as const;
const AFTER_LATE_EXECUTED = {
  'executed from its device': DUPLICATE,
  'failed from its device': STALE,
} as const;
const AFTER_LATE_FAILED = {
  'executed from its device': STALE,
  'failed from its device': DUPLICATE,
} as const;

describe('given timed_out', () => {
  const history = [ev.requested(), ev.sent(), ev.timedOut()];
  const row = {
    ...CLOSED_WITHOUT_RESULT,
    'executed from its device': lateExecuted('timed_out'),
    'failed from its device': lateFailed('timed_out'),
    ...TIME_OUT_IS(DUPLICATE),
    ...EXPIRE_IS(STALE),
    cancel: NOT_CANCELLABLE,
  } as const;
  cells(history, row);

  describe('and a late executed result already observed', () => {
    cells([...history, ev.late('executed')], { ...row, ...AFTER_LATE_EXECUTED });
  });
  describe('and a late failed result already observed', () => {
    cells([...history, ev.late('failed')], { ...row, ...AFTER_LATE_FAILED });
  });
});

describe('given cancelled', () => {
  const history = [ev.requested(), ev.cancelled()];
  const row = {
    ...CLOSED_WITHOUT_RESULT,
    'executed from its device': lateExecuted('cancelled'),
    'failed from its device': lateFailed('cancelled'),
    ...TIME_OUT_IS(STALE),
    ...EXPIRE_IS(STALE),
    cancel: DUPLICATE, // rule 5: a second cancel converges
  } as const;
  cells(history, row);

  describe('and a late executed result already observed', () => {
    cells([...history, ev.late('executed')], { ...row, ...AFTER_LATE_EXECUTED });
  });
  describe('and a late failed result already observed', () => {
    cells([...history, ev.late('failed')], { ...row, ...AFTER_LATE_FAILED });
  });
});

describe('given expired', () => {
  const history = [ev.requested(), ev.expired()];
  const row = {
    ...CLOSED_WITHOUT_RESULT,
    'executed from its device': lateExecuted('expired'),
    'failed from its device': lateFailed('expired'),
    ...TIME_OUT_IS(STALE),
    ...EXPIRE_IS(DUPLICATE),
    cancel: NOT_CANCELLABLE,
  } as const;
  cells(history, row);

  describe('and a late executed result already observed', () => {
    cells([...history, ev.late('executed')], { ...row, ...AFTER_LATE_EXECUTED });
  });
  describe('and a late failed result already observed', () => {
    cells([...history, ev.late('failed')], { ...row, ...AFTER_LATE_FAILED });
  });
});

// ---- details the table does not show ---------------------------------------------------------

describe('result payloads', () => {
  const acknowledged = () => given(ev.requested(), ev.sent(), ev.acknowledged());
  const timedOut = () => given(ev.requested(), ev.sent(), ev.timedOut());

  it('given acknowledged, when a failed result comes without an error text, then error is null', () => {
    const decision = decide(
      { kind: 'record_result', deviceId: DEVICE, status: 'failed' },
      acknowledged(),
      at(LATER),
    );
    expect(decision).toEqual({
      outcome: 'append',
      events: [{ type: 'CommandFailed', data: { at: iso(LATER), error: null } }],
    });
  });

  it('given timed_out, when an executed result carries an error text, then the observation keeps error null', () => {
    const decision = decide(
      { kind: 'record_result', deviceId: DEVICE, status: 'executed', error: 'ignored', output: 1 },
      timedOut(),
      at(LATER),
    );
    expect(decision).toEqual({
      outcome: 'append',
      events: [
        {
          type: 'CommandLateResultObserved',
          data: { at: iso(LATER), status: 'executed', output: 1, error: null },
        },
      ],
    });
  });

  it('given cancelled, when cancel comes without a reason, then nothing changes and no reason is needed', () => {
    expect(decide({ kind: 'cancel' }, given(ev.requested(), ev.cancelled()), at(LATER))).toEqual({
      outcome: 'unchanged',
      reason: 'duplicate',
    });
  });

  it('given requested, when cancel comes without a reason, then the reason is recorded as null', () => {
    expect(decide({ kind: 'cancel' }, given(ev.requested()), at(LATER))).toEqual({
      outcome: 'append',
      events: [{ type: 'CommandCancelled', data: { at: iso(LATER), reason: null } }],
    });
  });

  it('given acknowledged, when a device id differs only in case, then it is another device', () => {
    expect(decide({ kind: 'acknowledge', deviceId: 'PUMP-17' }, acknowledged(), at(LATER))).toEqual(
      {
        outcome: 'unchanged',
        reason: 'device_mismatch',
      },
    );
  });
});

describe('deadlines follow the command, not constants', () => {
  it('given sent with an ack timeout longer than the result timeout, when both are due, then the stage is result', () => {
    const command = { ...COMMAND, ackTimeoutMs: 90_000, timeoutMs: 30_000 };
    const state = given({ type: 'CommandRequested', data: command }, ev.sent());
    const due = SENT_AT + 30_000;
    expect(decide({ kind: 'time_out' }, state, at(due - 1))).toEqual({
      outcome: 'unchanged',
      reason: 'not_due',
    });
    expect(decide({ kind: 'time_out' }, state, at(due))).toEqual({
      outcome: 'append',
      events: [{ type: 'CommandTimedOut', data: { at: iso(due), stage: 'result' } }],
    });
  });

  it('given a command that waited long before it was sent, then its result deadline counts from sentAt (rule 9)', () => {
    // Sent at +250 s, far past requestedAt + timeoutMs: a waiting command keeps its whole deadline.
    const state = given(ev.requested(), { type: 'CommandSent', data: { at: iso(250_000) } });
    expect(decide({ kind: 'time_out' }, state, at(250_000 + TIMEOUT_MS - 1))).toMatchObject({
      outcome: 'append',
      events: [{ type: 'CommandTimedOut', data: { stage: 'ack' } }],
    });
    const acked = given(
      ev.requested(),
      { type: 'CommandSent', data: { at: iso(250_000) } },
      { type: 'CommandAcknowledged', data: { at: iso(251_000) } },
    );
    expect(decide({ kind: 'time_out' }, acked, at(250_000 + TIMEOUT_MS - 1))).toEqual({
      outcome: 'unchanged',
      reason: 'not_due',
    });
    expect(decide({ kind: 'time_out' }, acked, at(250_000 + TIMEOUT_MS))).toMatchObject({
      outcome: 'append',
      events: [{ type: 'CommandTimedOut', data: { stage: 'result' } }],
    });
  });

  it('given sent late, when time_out comes, then the ack deadline counts from sentAt, not requestedAt', () => {
    const state = given(ev.requested(), { type: 'CommandSent', data: { at: iso(20_000) } });
    expect(decide({ kind: 'time_out' }, state, at(20_000 + ACK_TIMEOUT_MS - 1))).toEqual({
      outcome: 'unchanged',
      reason: 'not_due',
    });
    expect(decide({ kind: 'time_out' }, state, at(20_000 + ACK_TIMEOUT_MS))).toMatchObject({
      outcome: 'append',
      events: [{ type: 'CommandTimedOut', data: { stage: 'ack' } }],
    });
  });

  it('given requested with a short expiry, when expire comes, then expiresAt counts from requestedAt', () => {
    const state = given({ type: 'CommandRequested', data: { ...COMMAND, expiresInMs: 1_000 } });
    expect(decide({ kind: 'expire' }, state, at(999))).toEqual({
      outcome: 'unchanged',
      reason: 'not_due',
    });
    expect(decide({ kind: 'expire' }, state, at(1_000))).toMatchObject({
      outcome: 'append',
      events: [{ type: 'CommandExpired' }],
    });
  });
});

describe('given requested, when mark_sent at or after expiresAt', () => {
  // CONTRACT.md: expiresInMs is the time until which a command may still be sent.
  it.each([EXPIRES_AT, EXPIRES_AT + 1])(
    'then it expires instead of being recorded as sent (t+%d ms)',
    (t) => {
      const decision = decide({ kind: 'mark_sent' }, given(ev.requested()), at(t));
      expect(decision).toEqual({
        outcome: 'append',
        events: [{ type: 'CommandExpired', data: { at: at(t).toISOString() } }],
      });
    },
  );
  it('and 1 ms before expiresAt it is recorded as sent', () => {
    const decision = decide({ kind: 'mark_sent' }, given(ev.requested()), at(EXPIRES_AT - 1));
    expect(decision).toMatchObject({ outcome: 'append', events: [{ type: 'CommandSent' }] });
  });
});
