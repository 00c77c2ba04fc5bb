import { describe, expect, it } from '@jest/globals';
import type { Position, RecordedEvent } from '../../event-store.port.js';
import type { ContractContext } from './fixture.js';
import { isAscending, newEvents, readAllEventually, unique } from './helpers.js';

export const readCases = ({ store }: ContractContext): void => {
  describe('readStream from a revision', () => {
    it('returns the tail from that revision on, nothing past the end, [] for no stream', async () => {
      const stream = unique('read-tail');
      await store().append(stream, newEvents(5), 'no_stream');
      const whole = await store().readStream(stream);
      expect(
        (await store().readStream(stream, { fromRevision: 3n })).map((e) => e.revision),
      ).toEqual([3n, 4n]);
      expect(await store().readStream(stream, { fromRevision: 3n })).toEqual(whole.slice(3));
      expect(await store().readStream(stream, { fromRevision: 0n })).toEqual(whole);
      expect(await store().readStream(stream, { fromRevision: 5n })).toEqual([]);
      expect(await store().readStream(unique('read-tail-none'), { fromRevision: 2n })).toEqual([]);
    });
  });

  describe('readAll', () => {
    it('returns the log in position order, filtered by stream prefix', async () => {
      const prefix = unique('read-order');
      const results = [];
      for (const name of ['a', 'b', 'a', 'c', 'b']) {
        results.push(await store().append(`${prefix}-${name}`, newEvents(2), 'any'));
      }
      await store().append(unique('read-other'), newEvents(1), 'any');

      const all = await readAllEventually(store(), { streamPrefix: prefix }, 10);
      expect(all).toHaveLength(10);
      expect(all.every((e) => e.stream.startsWith(prefix))).toBe(true);
      expect(isAscending(all.map((e) => e.position))).toBe(true);
      // Each append's last event sits at the position the append reported.
      const ends = results.map((r) => r.position);
      expect(all.filter((_, i) => i % 2 === 1).map((e) => e.position)).toEqual(ends);
    });

    it('resumes from a checkpoint without loss or repetition', async () => {
      const prefix = unique('read-resume');
      for (let i = 0; i < 13; i += 1)
        await store().append(`${prefix}-${i % 4}`, newEvents(1), 'any');
      const whole = await readAllEventually(store(), { streamPrefix: prefix }, 13);

      const pages: RecordedEvent[] = [];
      let after: Position | null = null;
      for (;;) {
        const page: RecordedEvent[] = await store().readAll({
          after,
          streamPrefix: prefix,
          limit: 5,
        });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(5);
        pages.push(...page);
        after = page[page.length - 1].position;
      }
      expect(pages.map((e) => e.id)).toEqual(whole.map((e) => e.id));
      expect(new Set(pages.map((e) => e.id)).size).toBe(13);
      expect(isAscending(pages.map((e) => e.position))).toBe(true);
    });

    it('reads nothing after the last position', async () => {
      const prefix = unique('read-end');
      await store().append(`${prefix}-s`, newEvents(2), 'no_stream');
      const all = await readAllEventually(store(), { streamPrefix: prefix }, 2);
      expect(await store().readAll({ after: all[1].position, streamPrefix: prefix })).toEqual([]);
      expect((await store().readAll({ after: all[0].position, streamPrefix: prefix }))[0].id).toBe(
        all[1].id,
      );
    });
  });
};
