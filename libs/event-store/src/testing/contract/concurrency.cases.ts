import { describe, expect, it } from '@jest/globals';
import { isStaleRevisionError, StaleRevisionError } from '../../errors.js';
import type { EventStore, ExpectedRevision } from '../../event-store.port.js';
import type { ContractContext } from './fixture.js';
import { newEvent, unique } from './helpers.js';

const CONTENDERS = 50;

/** Runs the appends together; returns how many won, and fails on anything but a stale loss. */
const race = async (appends: Array<() => Promise<unknown>>): Promise<number> => {
  const outcomes = await Promise.allSettled(appends.map((append) => append()));
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected' && !isStaleRevisionError(outcome.reason))
      throw outcome.reason;
  }
  return outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
};

const revisionsOf = async (store: EventStore, stream: string): Promise<bigint[]> =>
  (await store.readStream(stream)).map((e) => e.revision);

/** The guarded loop every transition runs: read, decide, append at what was read, retry. */
const appendWithRetry = async (store: EventStore, stream: string): Promise<void> => {
  for (;;) {
    const events = await store.readStream(stream);
    const expected: ExpectedRevision =
      events.length === 0 ? 'no_stream' : BigInt(events.length - 1);
    try {
      await store.append(stream, [newEvent()], expected);
      return;
    } catch (error) {
      if (!isStaleRevisionError(error)) throw error;
    }
  }
};

export const concurrencyCases = ({ store }: ContractContext): void => {
  describe('concurrent writers', () => {
    it(`of ${CONTENDERS} appenders at the same revision exactly one wins`, async () => {
      const stream = unique('race-exact');
      await store().append(stream, [newEvent()], 'no_stream');
      const wins = await race(
        Array.from(
          { length: CONTENDERS },
          () => () => store().append(stream, [newEvent(), newEvent()], 0n),
        ),
      );
      expect(wins).toBe(1);
      expect(await revisionsOf(store(), stream)).toEqual([0n, 1n, 2n]);
    });

    it(`of ${CONTENDERS} no_stream creators exactly one wins`, async () => {
      const stream = unique('race-create');
      const wins = await race(
        Array.from(
          { length: CONTENDERS },
          () => () => store().append(stream, [newEvent()], 'no_stream'),
        ),
      );
      expect(wins).toBe(1);
      expect(await revisionsOf(store(), stream)).toEqual([0n]);
    });

    // Two instances that made the same decision (same command, same transition: the same
    // deterministic event ids) must not both be told they won: the loser would act on a state
    // the store does not hold. EventStoreDB treats such appends as idempotent retries.
    it.each<[string, ExpectedRevision]>([
      ['at an exact revision', 0n],
      ['at no_stream', 'no_stream'],
      ['at any', 'any'],
    ])(
      `of ${CONTENDERS} appenders of the same event ids %s exactly one wins`,
      async (_label, expected) => {
        const stream = unique('race-same-ids');
        if (expected !== 'no_stream') await store().append(stream, [newEvent()], 'no_stream');
        const events = [newEvent('Decided', { n: 1 }), newEvent('Decided', { n: 2 })];
        const wins = await race(
          Array.from(
            { length: CONTENDERS },
            (_, i) => () =>
              // Same ids, different bodies: which body the store keeps is the winner's.
              store().append(
                stream,
                events.map((e) => ({ ...e, data: { ...e.data, contender: i } })),
                expected,
              ),
          ),
        );
        expect(wins).toBe(1);
        const read = await store().readStream(stream);
        const written = read.filter((e) => e.type === 'Decided');
        expect(written.map((e) => e.id)).toEqual(events.map((e) => e.id));
        expect(new Set(written.map((e) => e.data['contender'])).size).toBe(1);
      },
    );

    it('a lone re-send of a creation after it committed is stale, not a second success', async () => {
      const stream = unique('resend-create');
      const events = [newEvent()];
      await store().append(stream, events, 'no_stream');
      await expect(store().append(stream, events, 'no_stream')).rejects.toBeInstanceOf(
        StaleRevisionError,
      );
      expect(await revisionsOf(store(), stream)).toEqual([0n]);
    });

    it('writers that retry on conflict leave no gap and no duplicate revision', async () => {
      const stream = unique('race-retry');
      const writers = 8;
      const appendsEach = 5;
      await Promise.all(
        Array.from({ length: writers }, async () => {
          for (let i = 0; i < appendsEach; i += 1) await appendWithRetry(store(), stream);
        }),
      );
      const revisions = await revisionsOf(store(), stream);
      expect(revisions).toEqual(Array.from({ length: writers * appendsEach }, (_, i) => BigInt(i)));
    });
  });
};
