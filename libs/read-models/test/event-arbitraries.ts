import { attemptId, EVENT_TYPES } from '@ratchet/lifecycle';
import fc from 'fast-check';

/** A few identities, so that retry links sometimes hold and sometimes do not. */
const ROOTS = [
  '0a4c7c7e-9f0c-4d43-9d2a-1f4c5d6e7a81',
  '1b5d8d8f-a01d-4e54-8e3b-2a5d6e7f8b92',
] as const;
export const COMMAND_IDS = [ROOTS[0], attemptId(ROOTS[0], 2), attemptId(ROOTS[0], 3), ROOTS[1]];

const at = fc
  .integer({ min: 0, max: 10_000_000 })
  .map((ms) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString());
const output = fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined });
const error = fc.option(fc.string({ maxLength: 8 }), { nil: null });

const requested = (commandId: string) =>
  fc.record({
    commandId: fc.constantFrom(commandId, commandId, ROOTS[1]),
    deviceId: fc.constantFrom('pump-1', 'pump-2'),
    name: fc.constant('set-speed'),
    payload: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), {
      maxKeys: 3,
    }),
    requestedAt: at,
    ackTimeoutMs: fc.constant(1000),
    timeoutMs: fc.constant(5000),
    expiresInMs: fc.constant(60_000),
    retry: fc.record({
      maxAttempts: fc.integer({ min: 1, max: 3 }),
      on: fc.subarray(['timed_out', 'failed'] as const),
    }),
    attempt: fc.integer({ min: 1, max: 3 }),
    retryOf: fc.constantFrom<string | null>(null, ...COMMAND_IDS),
    rootCommandId: fc.constantFrom<string>(...ROOTS),
    fingerprint: fc.constant('f'),
  });

/** Data of the right shape for each type, or for a type the lifecycle does not know. */
export const eventData = (type: string, commandId: string): fc.Arbitrary<unknown> => {
  switch (type) {
    case 'CommandRequested':
      return fc.oneof(
        requested(commandId),
        requested(commandId).map((d) => ({ ...d, addedLater: 'kept' })),
      );
    case 'CommandExecuted':
      return fc.record({ at, output }, { requiredKeys: ['at'] });
    case 'CommandFailed':
      return fc.record({ at, error, output }, { requiredKeys: ['at', 'error'] });
    case 'CommandTimedOut':
      return fc.record({ at, stage: fc.constantFrom('ack', 'result') });
    case 'CommandCancelled':
      return fc.record({ at, reason: fc.option(fc.string({ maxLength: 5 }), { nil: null }) });
    case 'CommandLateResultObserved':
      return fc.record(
        { at, status: fc.constantFrom('executed', 'failed'), output, error },
        { requiredKeys: ['at', 'status', 'error'] },
      );
    default:
      return fc.record({ at });
  }
};

/** Lifecycle events mostly in a plausible order, sometimes not at all, rarely of unknown type. */
const typeArb = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...EVENT_TYPES) },
  { weight: 1, arbitrary: fc.constant('CommandTeleported') },
);

export interface ArbitraryEvent {
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
}

/**
 * A stream as a store could hold it after bugs or direct writes: revisions 0, 1, 2… with the
 * occasional gap, repeat or step back; types in any order (biased to start with a request).
 */
export const arbitraryStream = (commandId: string): fc.Arbitrary<ArbitraryEvent[]> =>
  fc
    .tuple(
      fc.boolean(),
      fc.array(fc.tuple(typeArb, fc.integer({ min: -1, max: 8 })), { minLength: 1, maxLength: 8 }),
    )
    .chain(([startWithRequest, shape]) => {
      const types = shape.map(([type], i) =>
        i === 0 && startWithRequest ? 'CommandRequested' : type,
      );
      return fc.tuple(...types.map((type) => eventData(type, commandId))).map((datas) => {
        let revision = 0n;
        return shape.map(([, jump], i) => {
          const event = { revision, type: types[i] as string, data: datas[i] };
          // Mostly +1; 0 repeats, -1 steps back, the largest values leave a gap.
          revision += BigInt(jump <= 0 ? jump : jump > 6 ? jump - 5 : 1);
          if (revision < 0n) revision = 0n;
          return event;
        });
      });
    });
