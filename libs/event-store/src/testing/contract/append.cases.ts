import { describe, expect, it } from '@jest/globals';
import { InvalidAppendError, StaleRevisionError } from '../../errors.js';
import type { NewEvent } from '../../event-store.port.js';
import type { ContractContext } from './fixture.js';
import { isAscending, newEvent, newEvents, unique } from './helpers.js';

const staleError = (stream: string, expected: unknown, actual: unknown) =>
  expect.objectContaining({ name: 'StaleRevisionError', stream, expected, actual });

export const appendCases = ({ store }: ContractContext): void => {
  describe('append at an expected revision', () => {
    it('no_stream on a new stream creates it at revision 0..n-1', async () => {
      const stream = unique('append-new');
      const events = newEvents(3);
      const result = await store().append(stream, events, 'no_stream');
      expect(result).toMatchObject({ stream, nextExpectedRevision: 2n });

      const read = await store().readStream(stream);
      expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
      expect(read.map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect(read[1]).toMatchObject({
        stream,
        type: events[1].type,
        data: events[1].data,
        metadata: events[1].metadata,
      });
      expect(read[0].recordedAt).toBeInstanceOf(Date);
      expect(isAscending(read.map((e) => e.position))).toBe(true);
      expect(result.position).toBe(read[2].position);
    });

    it('no_stream on an existing stream is stale and writes nothing', async () => {
      const stream = unique('append-exists');
      await store().append(stream, [newEvent()], 'no_stream');
      const attempt = store().append(stream, [newEvent()], 'no_stream');
      await expect(attempt).rejects.toBeInstanceOf(StaleRevisionError);
      await expect(attempt).rejects.toEqual(staleError(stream, 'no_stream', 0n));
      expect(await store().readStream(stream)).toHaveLength(1);
    });

    it('the exact revision appends after it', async () => {
      const stream = unique('append-exact');
      const first = await store().append(stream, newEvents(2), 'no_stream');
      const second = await store().append(stream, newEvents(2), first.nextExpectedRevision);
      expect(second.nextExpectedRevision).toBe(3n);
      expect(second.position > first.position).toBe(true);
      expect((await store().readStream(stream)).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
    });

    it('a wrong revision, behind or ahead, is stale with the actual revision', async () => {
      const stream = unique('append-wrong');
      await store().append(stream, newEvents(3), 'no_stream');
      await expect(store().append(stream, [newEvent()], 1n)).rejects.toEqual(
        staleError(stream, 1n, 2n),
      );
      await expect(store().append(stream, [newEvent()], 7n)).rejects.toEqual(
        staleError(stream, 7n, 2n),
      );
      expect(await store().readStream(stream)).toHaveLength(3);
    });

    it('an exact revision on a missing stream is stale with actual no_stream', async () => {
      const stream = unique('append-missing');
      await expect(store().append(stream, [newEvent()], 0n)).rejects.toEqual(
        staleError(stream, 0n, 'no_stream'),
      );
      expect(await store().readStream(stream)).toEqual([]);
    });

    it('any creates a stream or appends to it without a check', async () => {
      const stream = unique('append-any');
      expect((await store().append(stream, newEvents(2), 'any')).nextExpectedRevision).toBe(1n);
      expect((await store().append(stream, newEvents(3), 'any')).nextExpectedRevision).toBe(4n);
      const revisions = (await store().readStream(stream)).map((e) => e.revision);
      expect(revisions).toEqual([0n, 1n, 2n, 3n, 4n]);
    });

    it('re-sending an event id already appended is stale, whatever the expectation', async () => {
      const stream = unique('append-resend');
      const event = newEvent();
      const first = await store().append(stream, [event], 'no_stream');
      await expect(store().append(stream, [event], first.nextExpectedRevision)).rejects.toEqual(
        staleError(stream, 0n, 0n),
      );
      await expect(store().append(stream, [newEvent(), event], 'any')).rejects.toBeInstanceOf(
        StaleRevisionError,
      );
      expect(await store().readStream(stream)).toHaveLength(1);
    });

    it('refuses malformed appends before writing', async () => {
      const stream = unique('append-invalid');
      const bad: Array<[readonly NewEvent[], bigint | 'no_stream' | 'any']> = [
        [[], 'no_stream'],
        [[{ ...newEvent(), id: 'not-a-uuid' }], 'no_stream'],
        [[{ ...newEvent(), type: '' }], 'any'],
        [[newEvent()], -1n],
      ];
      for (const [events, expected] of bad) {
        await expect(store().append(stream, events, expected)).rejects.toBeInstanceOf(
          InvalidAppendError,
        );
      }
      const twice = newEvent();
      await expect(store().append(stream, [twice, twice], 'any')).rejects.toBeInstanceOf(
        InvalidAppendError,
      );
      expect(await store().readStream(stream)).toEqual([]);
    });

    it('reads an absent stream as empty', async () => {
      expect(await store().readStream(unique('absent'))).toEqual([]);
    });
  });
};
