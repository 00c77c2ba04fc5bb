import { describe, expect, it } from '@jest/globals';
import { StaleRevisionError } from '../../errors.js';
import type { ContractContext } from './fixture.js';
import { newEvent, newEvents, unique } from './helpers.js';

export const appendManyCases = ({ store, capabilities }: ContractContext): void => {
  const maybe = capabilities.supportsAppendMany ? describe : describe.skip;

  maybe('appendMany', () => {
    it('writes every stream in one commit, each at its own expectation', async () => {
      const [created, moved, anyway] = ['many-new', 'many-exact', 'many-any'].map(unique);
      await store().append(moved, newEvents(2), 'no_stream');
      const results = await store().appendMany([
        { stream: created, events: newEvents(2), expected: 'no_stream' },
        { stream: moved, events: [newEvent()], expected: 1n },
        { stream: anyway, events: [newEvent()], expected: 'any' },
      ]);
      expect(results.map((r) => [r.stream, r.nextExpectedRevision])).toEqual([
        [created, 1n],
        [moved, 2n],
        [anyway, 0n],
      ]);
      expect((await store().readStream(moved)).map((e) => e.revision)).toEqual([0n, 1n, 2n]);
      expect(await store().readStream(created)).toHaveLength(2);
    });

    it('writes nothing when one stream is stale, and names that stream', async () => {
      const streams = Array.from({ length: 5 }, (_, i) => unique(`many-atomic-${i}`));
      for (const stream of streams) await store().append(stream, [newEvent()], 'no_stream');
      const stale = streams[3];
      await store().append(stale, [newEvent()], 0n);

      const attempt = store().appendMany(
        streams.map((stream) => ({ stream, events: [newEvent()], expected: 0n })),
      );
      await expect(attempt).rejects.toBeInstanceOf(StaleRevisionError);
      await expect(attempt).rejects.toMatchObject({ stream: stale, expected: 0n, actual: 1n });
      for (const stream of streams) {
        expect(await store().readStream(stream)).toHaveLength(stream === stale ? 2 : 1);
      }
    });

    it('writes nothing when one stream is re-sent an event it already has', async () => {
      const [fresh, resent] = ['many-fresh', 'many-resent'].map(unique);
      const event = newEvent();
      await store().append(resent, [event], 'no_stream');
      const attempt = store().appendMany([
        { stream: fresh, events: [newEvent()], expected: 'no_stream' },
        { stream: resent, events: [event], expected: 'any' },
      ]);
      await expect(attempt).rejects.toMatchObject({ name: 'StaleRevisionError', stream: resent });
      expect(await store().readStream(fresh)).toEqual([]);
    });

    it('handles a hundred streams in one call', async () => {
      const streams = Array.from({ length: 100 }, (_, i) => unique(`many-hundred-${i}`));
      const created = await store().appendMany(
        streams.map((stream) => ({ stream, events: [newEvent()], expected: 'no_stream' as const })),
      );
      expect(created.every((r) => r.nextExpectedRevision === 0n)).toBe(true);
      const moved = await store().appendMany(
        streams.map((stream) => ({ stream, events: [newEvent()], expected: 0n })),
      );
      expect(moved.map((r) => r.stream)).toEqual(streams);
      expect(moved.every((r) => r.nextExpectedRevision === 1n)).toBe(true);
    });
  });
};
