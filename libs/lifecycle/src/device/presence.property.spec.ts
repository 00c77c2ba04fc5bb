/**
 * Properties of presence (CONTRACT.md section 5) over interleavings of births and wills:
 * sessions at random rising epochs, each a birth and a will, delivered in any order, repeated
 * or lost (a broker, a shared subscription and a reconnecting ledger can do each of these),
 * fed through decidePresence → evolveDevice as the ledger does.
 *
 * The reference outcome is written here from the contract, not from PRESENCE_RULES.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { type PresenceInput, decidePresence } from './decide-presence.js';
import { type DeviceEvent, type DeviceState, evolveDevice, foldDevice } from './device-stream.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** Distinct session epochs, small counters or clock milliseconds. */
const epochsArb = fc.uniqueArray(
  fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 2 ** 53 - 1 })),
  { minLength: 1, maxLength: 6 },
);

/** Each session's two messages; a delivery is any sequence of them (repeats, losses, any order). */
const scenarioArb = epochsArb.chain((epochs) => {
  const messages: PresenceInput[] = epochs.flatMap((epoch) => [
    { kind: 'came_online', epoch },
    { kind: 'went_offline', epoch },
  ]);
  return fc.record({
    messages: fc.constant(messages),
    delivery: fc.array(fc.nat({ max: messages.length - 1 }), { maxLength: 30 }),
  });
});

interface Run {
  readonly inputs: readonly PresenceInput[];
  readonly states: readonly (DeviceState | null)[];
  readonly appended: readonly DeviceEvent[];
}

function run(inputs: readonly PresenceInput[]): Run {
  let state: DeviceState | null = null;
  const states: (DeviceState | null)[] = [state];
  const appended: DeviceEvent[] = [];
  inputs.forEach((input, i) => {
    const d = decidePresence(input, state, new Date(T0 + i * 1000));
    if (d.outcome === 'append') {
      for (const e of d.events) {
        state = evolveDevice(state, e);
        appended.push(e);
      }
    }
    states.push(state);
  });
  return { inputs, states, appended };
}

/**
 * What the contract says the presence ends as: the session with the highest epoch whose birth
 * was delivered is online, unless its own offline came after that birth.
 */
function reference(inputs: readonly PresenceInput[]) {
  const births = inputs.filter((m) => m.kind === 'came_online').map((m) => m.epoch);
  if (births.length === 0) return { status: 'unknown', epoch: null };
  const top = Math.max(...births);
  const firstBirth = inputs.findIndex((m) => m.kind === 'came_online' && m.epoch === top);
  const willAfter = inputs.some(
    (m, i) => i > firstBirth && m.kind === 'went_offline' && m.epoch === top,
  );
  return { status: willAfter ? 'offline' : 'online', epoch: top };
}

describe('presence under any interleaving of births and wills', () => {
  const scenarios = scenarioArb.map(({ messages, delivery }) =>
    run(delivery.map((i) => messages[i]!)),
  );

  it('never moves to an older epoch, and online only ever rises', () => {
    fc.assert(
      fc.property(scenarios, ({ states, appended }) => {
        for (let i = 1; i < states.length; i++) {
          const before = states[i - 1]?.presence.epoch ?? 0;
          const after = states[i]?.presence.epoch ?? 0;
          expect(after).toBeGreaterThanOrEqual(before);
        }
        let last = 0;
        for (const e of appended.filter((x) => x.type === 'DeviceCameOnline')) {
          expect(e.data.epoch).toBeGreaterThan(last);
          last = e.data.epoch;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never lets a will of an older session take a newer one offline', () => {
    fc.assert(
      fc.property(scenarios, ({ inputs, states }) => {
        inputs.forEach((input, i) => {
          const before = states[i];
          if (input.kind !== 'went_offline' || !before) return;
          if (input.epoch < before.presence.epoch!) expect(states[i + 1]).toBe(before);
          // And whatever the epoch, offline only ends the session it names.
          if (states[i + 1] !== before) {
            expect(before.presence).toMatchObject({ status: 'online', epoch: input.epoch });
          }
        });
      }),
      { numRuns: 500 },
    );
  });

  it('ends where the contract says, however the messages were ordered, repeated or lost', () => {
    fc.assert(
      fc.property(scenarios, ({ inputs, states }) => {
        const final = states[states.length - 1] ?? null;
        expect({
          status: final?.presence.status ?? 'unknown',
          epoch: final?.presence.epoch ?? null,
        }).toEqual(reference(inputs));
      }),
      { numRuns: 500 },
    );
  });

  it('folds its appended events to the state it decided on (fold = replay)', () => {
    fc.assert(
      fc.property(scenarios, ({ states, appended }) => {
        const final = states[states.length - 1] ?? null;
        expect(foldDevice(appended)).toEqual(final);
        expect(final?.revision ?? -1n).toBe(BigInt(appended.length) - 1n);
      }),
      { numRuns: 500 },
    );
  });

  it('changes nothing when the same message comes again at once', () => {
    fc.assert(
      fc.property(scenarios, ({ inputs, states }) => {
        inputs.forEach((input, i) => {
          const after = states[i + 1] ?? null;
          expect(decidePresence(input, after, new Date(T0))).toMatchObject({
            outcome: 'unchanged',
          });
        });
      }),
      { numRuns: 300 },
    );
  });
});
