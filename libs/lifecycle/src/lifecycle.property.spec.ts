/**
 * Properties of the whole lifecycle (CONTRACT.md section 1), over random inputs, devices,
 * result statuses and times, fed through decide → evolve as the ledger does.
 *
 * The ranks, the terminal set and what each input may produce are written here from the
 * contract, not read from TRANSITIONS.
 */
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import {
  type CommandEvent,
  type CommandEventType,
  type CommandRequestedData,
  type CommandState,
  type ResultStatus,
  type RetryableStatus,
  evolve,
  fold,
} from './command.js';
import { type CommandInput, type Decision, decide } from './decide.js';
import { checkStream } from './check-stream.js';
import { attemptId } from './identity.js';
import { decideRetry } from './retry.js';

// ---- the contract, written out -------------------------------------------------------------

const RANK: Readonly<Record<CommandEventType, number>> = {
  CommandRequested: 0,
  CommandSent: 1,
  CommandAcknowledged: 2,
  CommandExecuted: 3,
  CommandFailed: 3,
  CommandTimedOut: 3,
  CommandCancelled: 3,
  CommandExpired: 3,
  CommandLateResultObserved: 4,
};
const TERMINAL_EVENTS: ReadonlySet<CommandEventType> = new Set([
  'CommandExecuted',
  'CommandFailed',
  'CommandTimedOut',
  'CommandCancelled',
  'CommandExpired',
]);
const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  'executed',
  'failed',
  'timed_out',
  'cancelled',
  'expired',
]);
const CLOSED_WITHOUT_RESULT: ReadonlySet<string> = new Set(['timed_out', 'cancelled', 'expired']);

/** Which events an input may produce on an existing stream. */
function mayProduce(input: CommandInput, e: CommandEvent): boolean {
  switch (input.kind) {
    case 'issue':
      return false;
    case 'mark_sent':
      // Past expiresAt a send is refused by expiring (checked against the deadline below).
      return e.type === 'CommandSent' || e.type === 'CommandExpired';
    case 'acknowledge':
      return e.type === 'CommandAcknowledged';
    case 'record_result':
      return (
        e.type === (input.status === 'executed' ? 'CommandExecuted' : 'CommandFailed') ||
        (e.type === 'CommandLateResultObserved' && e.data.status === input.status)
      );
    case 'time_out':
      return e.type === 'CommandTimedOut';
    case 'expire':
      return e.type === 'CommandExpired';
    case 'cancel':
      return e.type === 'CommandCancelled';
  }
}

// ---- fixtures ------------------------------------------------------------------------------

const T0 = new Date('2026-01-01T00:00:00.000Z');
const DEVICE = 'pump-17';
const ms = (iso: string): number => Date.parse(iso);

const commandArb = (
  retry: fc.Arbitrary<CommandRequestedData['retry']> = fc.constant({ maxAttempts: 1, on: [] }),
) =>
  fc
    .record({
      commandId: fc.uuid(),
      ackTimeoutMs: fc.integer({ min: 1, max: 60_000 }),
      timeoutMs: fc.integer({ min: 1, max: 120_000 }),
      expiresInMs: fc.integer({ min: 1, max: 200_000 }),
      retry,
    })
    .map((c): CommandRequestedData => ({
      ...c,
      deviceId: DEVICE,
      name: 'set-speed',
      payload: { rpm: 1200 },
      requestedAt: T0.toISOString(),
      attempt: 1,
      retryOf: null,
      rootCommandId: c.commandId,
      fingerprint: 'fp-original',
    }));

/** Right and wrong devices: the wrong ones include look-alikes. */
const deviceArb = fc.constantFrom(DEVICE, DEVICE, DEVICE, 'pump-18', 'PUMP-17', 'pump-17 ', '');
const resultStatusArb = fc.constantFrom<ResultStatus>('executed', 'failed');

/** An input, with re-issue described by whether it repeats the body (bound to a command later). */
type StepInput =
  | Exclude<CommandInput, { kind: 'issue' }>
  | { readonly kind: 'reissue'; readonly sameBody: boolean };
const stepInputArb: fc.Arbitrary<StepInput> = fc.oneof(
  fc.constant({ kind: 'mark_sent' } as const),
  deviceArb.map((deviceId) => ({ kind: 'acknowledge', deviceId }) as const),
  fc
    .record({
      deviceId: deviceArb,
      status: resultStatusArb,
      output: fc.option(fc.integer(), { nil: undefined }),
      error: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
    })
    .map((r) => ({ kind: 'record_result', ...r }) as const),
  fc.constant({ kind: 'time_out' } as const),
  fc.constant({ kind: 'expire' } as const),
  fc
    .option(fc.string({ maxLength: 5 }), { nil: undefined })
    .map((reason) => ({ kind: 'cancel', reason }) as const),
  fc.boolean().map((sameBody) => ({ kind: 'reissue', sameBody }) as const),
);
const inputFor = (step: StepInput, command: CommandRequestedData): CommandInput =>
  step.kind === 'reissue'
    ? { kind: 'issue', command: step.sameBody ? command : { ...command, fingerprint: 'fp-other' } }
    : step;
const stepsArb = fc.array(
  fc.record({ input: stepInputArb, advanceMs: fc.integer({ min: 0, max: 30_000 }) }),
  {
    maxLength: 30,
  },
);

const stored = (events: readonly CommandEvent[]) =>
  events.map((e, i) => ({ revision: BigInt(i), type: e.type, data: e.data as unknown }));
const count = (events: readonly CommandEvent[], p: (e: CommandEvent) => boolean) =>
  events.filter(p).length;

// ---- one command, any inputs -----------------------------------------------------------------

describe('any sequence of inputs on one command', () => {
  it('keeps every rule of CONTRACT.md section 1', () => {
    fc.assert(
      fc.property(commandArb(), stepsArb, (command, steps) => {
        let now = T0;
        const issued = decide({ kind: 'issue', command }, null, now);
        expect(issued).toEqual({
          outcome: 'append',
          events: [{ type: 'CommandRequested', data: command }],
        });
        const events: CommandEvent[] = [{ type: 'CommandRequested', data: command }];
        let state = evolve(null, events[0]!);

        for (const step of steps) {
          now = new Date(now.getTime() + step.advanceMs);
          const input = inputFor(step.input, command);
          const decision = decide(input, state, now);

          if ('deviceId' in input && input.deviceId !== command.deviceId) {
            // A spoofed or misrouted device input never changes anything, in any status.
            expect(decision).toEqual({ outcome: 'unchanged', reason: 'device_mismatch' });
          }
          if (decision.outcome !== 'append') continue;

          expect(decision.events.length).toBeGreaterThan(0);
          for (const e of decision.events) {
            expect(mayProduce(input, e)).toBe(true);
            expect(RANK[e.type]).toBeGreaterThan(state.rank); // rank strictly rises
            if (e.type === 'CommandTimedOut') {
              // Rule 9: from `sent` (or the ack, when no send was recorded).
              const resultDue = ms((state.sentAt ?? state.acknowledgedAt)!) + state.timeoutMs;
              if (e.data.stage === 'result')
                expect(now.getTime()).toBeGreaterThanOrEqual(resultDue);
              else {
                expect(state.status).toBe('sent');
                expect(now.getTime()).toBeGreaterThanOrEqual(
                  ms(state.sentAt!) + state.ackTimeoutMs,
                );
                expect(now.getTime()).toBeLessThan(resultDue);
              }
            }
            if (e.type === 'CommandExpired') {
              expect(now.getTime()).toBeGreaterThanOrEqual(
                ms(state.requestedAt) + state.expiresInMs,
              );
            }
            const next = evolve(state, e);
            expect(next.rank).toBe(RANK[e.type]);
            expect(next.revision).toBe(state.revision + 1n);
            if (TERMINAL_STATUSES.has(state.status)) expect(next.status).toBe(state.status); // never left
            events.push(e);
            state = next;
          }
        }

        expect(count(events, (e) => TERMINAL_EVENTS.has(e.type))).toBeLessThanOrEqual(1);
        expect(count(events, (e) => e.type === 'CommandLateResultObserved')).toBeLessThanOrEqual(1);
        expect(events.map((e) => e.type).lastIndexOf('CommandRequested')).toBe(0); // only revision 0
        expect(fold(events)).toEqual(state);
        const checked = checkStream(command.commandId, stored(events));
        expect(checked.violations).toEqual([]);
        expect(checked.state).toEqual(state);
      }),
      { numRuns: 500 },
    );
  });
});

// ---- results racing timeouts -----------------------------------------------------------------

describe('a result and a due timeout, in any order', () => {
  type Arrival =
    { readonly kind: 'timeout' } | { readonly kind: 'result'; readonly status: ResultStatus };
  const arrivalArb: fc.Arbitrary<Arrival> = fc.oneof(
    fc.constant({ kind: 'timeout' } as const),
    resultStatusArb.map((status) => ({ kind: 'result', status }) as const),
  );

  it('the first one wins; a result after the timeout is kept exactly once', () => {
    fc.assert(
      fc.property(
        commandArb(),
        fc.boolean(),
        fc.array(
          fc.record({ arrival: arrivalArb, advanceMs: fc.integer({ min: 0, max: 10_000 }) }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        (command, acknowledged, arrivals) => {
          const history: CommandEvent[] = [
            { type: 'CommandRequested', data: command },
            { type: 'CommandSent', data: { at: T0.toISOString() } },
          ];
          if (acknowledged)
            history.push({ type: 'CommandAcknowledged', data: { at: T0.toISOString() } });
          let state = fold(history)!;
          // Every arrival comes after both deadlines, so the timeout is always due.
          let now = ms(command.requestedAt) + Math.max(command.timeoutMs, command.ackTimeoutMs);

          // The model: what the contract says the stream ends as.
          let closedBy: Arrival | null = null;
          let late: ResultStatus | null = null;
          for (const { arrival, advanceMs } of arrivals) {
            now += advanceMs;
            const input: CommandInput =
              arrival.kind === 'timeout'
                ? { kind: 'time_out' }
                : { kind: 'record_result', deviceId: DEVICE, status: arrival.status };
            const decision = decide(input, state, new Date(now));

            let expected: 'append' | 'duplicate' | 'stale';
            if (closedBy === null) {
              closedBy = arrival;
              expected = 'append';
            } else if (arrival.kind === 'timeout') {
              expected = closedBy.kind === 'timeout' ? 'duplicate' : 'stale';
            } else if (closedBy.kind === 'timeout' && late === null) {
              late = arrival.status;
              expected = 'append';
            } else {
              const recorded = closedBy.kind === 'result' ? closedBy.status : late;
              expected = recorded === arrival.status ? 'duplicate' : 'stale';
            }
            if (expected === 'append') {
              expect(decision.outcome).toBe('append');
              if (decision.outcome === 'append')
                for (const e of decision.events) state = evolve(state, e);
            } else {
              expect(decision).toEqual({ outcome: 'unchanged', reason: expected });
            }
          }

          const closer = closedBy!;
          expect(state.status).toBe(closer.kind === 'timeout' ? 'timed_out' : closer.status);
          expect(state.lateResult?.status ?? null).toBe(late);
          // The result deadline names the timeout once it has passed, acknowledged or not.
          if (closer.kind === 'timeout') expect(state.timedOutStage).toBe('result');
        },
      ),
      { numRuns: 500 },
    );
  });
});

// ---- several attempts, several instances, one store ------------------------------------------

/** A store with expected-revision appends: the part of an event store rule 4 relies on. */
class MemoryStore {
  readonly streams = new Map<string, CommandEvent[]>();
  read(id: string): CommandState | null {
    return fold(this.streams.get(id) ?? []);
  }
  /** `expected` null: the stream must not exist yet. False when another append came first. */
  append(id: string, expected: bigint | null, events: readonly CommandEvent[]): boolean {
    const current = this.streams.get(id);
    const revision = current ? BigInt(current.length - 1) : null;
    if (revision !== expected) return false;
    this.streams.set(id, [...(current ?? []), ...events]);
    return true;
  }
}

/** The handler shell of rule 4: decide on what was read; on a stale append, re-read and decide again. */
function handle(
  store: MemoryStore,
  id: string,
  input: CommandInput,
  now: Date,
  read?: CommandState | null,
): Decision {
  let state = read === undefined ? store.read(id) : read;
  for (let tries = 0; tries < 10; tries++) {
    const decision = decide(input, state, now);
    if (decision.outcome !== 'append' || store.append(id, state?.revision ?? null, decision.events))
      return decision;
    state = store.read(id);
  }
  throw new Error('the handler did not converge');
}

describe('attempts, retries and racing instances', () => {
  const retryArb = fc.record({
    maxAttempts: fc.integer({ min: 1, max: 4 }),
    on: fc.oneof(
      { arbitrary: fc.constant<RetryableStatus[]>(['timed_out', 'failed']), weight: 3 },
      { arbitrary: fc.subarray<RetryableStatus>(['timed_out', 'failed']), weight: 1 },
    ),
  });
  const actionArb = fc.record({
    kind: fc.constantFrom(
      ...([
        'send',
        'send',
        'ack',
        'result',
        'result',
        'timeout',
        'timeout',
        'expire',
        'retry',
        'retry',
        'retry',
      ] as const),
    ),
    status: resultStatusArb,
    /** Which attempt, counted back from the latest (mostly the latest). */
    back: fc.oneof(
      { arbitrary: fc.constant(0), weight: 3 },
      { arbitrary: fc.nat({ max: 3 }), weight: 1 },
    ),
    advanceMs: fc.integer({ min: 0, max: 60_000 }),
    /** Decided by a second instance on what the previous action read (if the same attempt). */
    concurrent: fc.boolean(),
  });

  it('every attempt closes exactly once, late results are kept once, and retries converge on one id', () => {
    fc.assert(
      fc.property(
        commandArb(retryArb),
        fc.array(actionArb, { minLength: 1, maxLength: 30 }),
        (first, actions) => {
          const store = new MemoryStore();
          let now = T0.getTime();
          expect(
            handle(store, first.commandId, { kind: 'issue', command: first }, new Date(now))
              .outcome,
          ).toBe('append');
          const attempts = [first.commandId];
          /** The status of the first result handled while the stream was closed without one. */
          const firstLate = new Map<string, ResultStatus>();
          let previous: { id: string; read: CommandState | null } | null = null;

          for (const a of actions) {
            now += a.advanceMs;
            const id = attempts[Math.max(0, attempts.length - 1 - a.back)]!;
            const current = store.read(id);
            const read = a.concurrent && previous?.id === id ? previous.read : current;
            previous = { id, read: current };
            const at = new Date(now);

            switch (a.kind) {
              case 'send':
                handle(store, id, { kind: 'mark_sent' }, at, read);
                break;
              case 'ack':
                handle(store, id, { kind: 'acknowledge', deviceId: DEVICE }, at, read);
                break;
              case 'timeout':
                handle(store, id, { kind: 'time_out' }, at, read);
                break;
              case 'expire':
                handle(store, id, { kind: 'expire' }, at, read);
                break;
              case 'result': {
                if (current && CLOSED_WITHOUT_RESULT.has(current.status) && !firstLate.has(id)) {
                  firstLate.set(id, a.status);
                }
                handle(
                  store,
                  id,
                  { kind: 'record_result', deviceId: DEVICE, status: a.status },
                  at,
                  read,
                );
                if (firstLate.has(id)) {
                  expect(
                    count(store.streams.get(id)!, (e) => e.type === 'CommandLateResultObserved'),
                  ).toBe(1);
                }
                break;
              }
              case 'retry': {
                if (read === null) break;
                // Two instances decide the retry of the same attempt, at different moments.
                const mine = decideRetry(read, at);
                const theirs = decideRetry(read, new Date(now + 1 + a.advanceMs));
                const retryable =
                  (read.retry.on as readonly string[]).includes(read.status) &&
                  read.attempt < read.retry.maxAttempts;
                if (!retryable) {
                  expect(mine).toBeNull();
                  expect(theirs).toBeNull();
                  break;
                }
                expect(mine).not.toBeNull();
                expect(theirs?.commandId).toBe(mine!.commandId); // one next command, not two
                expect(mine).toMatchObject({
                  commandId: attemptId(read.rootCommandId, read.attempt + 1),
                  attempt: read.attempt + 1,
                  retryOf: read.commandId,
                  rootCommandId: first.commandId,
                  deviceId: read.deviceId,
                  payload: read.payload,
                });
                const next = mine!.commandId;
                const existed = store.streams.has(next);
                const d1 = handle(store, next, { kind: 'issue', command: mine! }, at, null);
                const d2 = handle(store, next, { kind: 'issue', command: theirs! }, at, null);
                expect(d1.outcome).toBe(existed ? 'unchanged' : 'append');
                expect(d2).toEqual({ outcome: 'unchanged', reason: 'duplicate' });
                if (!existed) attempts.push(next);
                break;
              }
            }
          }

          // Time runs out for every attempt still open.
          const end = new Date(now + 10_000_000);
          for (const id of attempts) {
            handle(store, id, { kind: 'expire' }, end);
            handle(store, id, { kind: 'time_out' }, end);
          }

          expect(attempts.length).toBeLessThanOrEqual(first.retry.maxAttempts);
          attempts.forEach((id, i) => {
            const events = store.streams.get(id)!;
            const state = fold(events)!;
            expect(count(events, (e) => TERMINAL_EVENTS.has(e.type))).toBe(1);
            expect(count(events, (e) => e.type === 'CommandLateResultObserved')).toBe(
              firstLate.has(id) ? 1 : 0,
            );
            expect(state.lateResult?.status ?? null).toBe(firstLate.get(id) ?? null);
            expect(checkStream(id, stored(events)).violations).toEqual([]);
            expect(state.attempt).toBe(i + 1);
            expect(state.retryOf).toBe(i === 0 ? null : attempts[i - 1]);
            // An attempt was retried only if its (final, never left) status is one the policy lists.
            if (i + 1 < attempts.length) expect(first.retry.on).toContain(state.status);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('given a timed-out attempt, two instances deciding its retry create one command', () => {
    const command: CommandRequestedData = {
      commandId: '3f2c9a1e-7b4d-4e8a-9c61-2d1f0c7d2a11',
      deviceId: DEVICE,
      name: 'set-speed',
      payload: { rpm: 1200 },
      requestedAt: T0.toISOString(),
      ackTimeoutMs: 10_000,
      timeoutMs: 60_000,
      expiresInMs: 300_000,
      retry: { maxAttempts: 3, on: ['timed_out'] },
      attempt: 1,
      retryOf: null,
      rootCommandId: '3f2c9a1e-7b4d-4e8a-9c61-2d1f0c7d2a11',
      fingerprint: 'fp',
    };
    const timedOut = fold([
      { type: 'CommandRequested', data: command },
      { type: 'CommandSent', data: { at: T0.toISOString() } },
      {
        type: 'CommandTimedOut',
        data: { at: new Date(T0.getTime() + 10_000).toISOString(), stage: 'ack' },
      },
    ])!;
    const a = decideRetry(timedOut, new Date(T0.getTime() + 10_001))!;
    const b = decideRetry(timedOut, new Date(T0.getTime() + 10_500))!;
    expect(a.commandId).toBe(b.commandId);
    expect(a.requestedAt).not.toBe(b.requestedAt);

    const store = new MemoryStore();
    expect(
      handle(store, a.commandId, { kind: 'issue', command: a }, new Date(0), null).outcome,
    ).toBe('append');
    expect(handle(store, b.commandId, { kind: 'issue', command: b }, new Date(0), null)).toEqual({
      outcome: 'unchanged',
      reason: 'duplicate',
    });
    expect(store.streams.size).toBe(1);
  });
});
