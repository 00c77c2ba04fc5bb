import { describe, expect, it } from '@jest/globals';
import type { ContractContext } from './fixture.js';
import { newEvent, newEvents, readAllEventually, unique } from './helpers.js';

export const persistenceCases = ({ store, reopen, capabilities }: ContractContext): void => {
  const maybe = capabilities.canReopen ? describe : describe.skip;

  maybe('durability', () => {
    it('keeps events across closing and reopening the store', async () => {
      const prefix = unique('persist');
      const stream = `${prefix}-s`;
      const before = await store().append(stream, newEvents(3), 'no_stream');
      const written = await store().readStream(stream);

      await reopen();
      expect(await store().readStream(stream)).toEqual(written);
      const after = await store().append(stream, [newEvent()], before.nextExpectedRevision);
      expect(after.nextExpectedRevision).toBe(3n);
      expect(after.position > before.position).toBe(true);
      const log = await readAllEventually(store(), { streamPrefix: prefix }, 4);
      expect(log.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
    });
  });
};
