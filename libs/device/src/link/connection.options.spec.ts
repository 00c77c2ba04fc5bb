import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { reconnectDelay } from './connection.options.js';

describe('reconnectDelay', () => {
  it('doubles from the minimum up to the maximum, drawn between half and all of it', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => reconnectDelay(a, 1000, 30_000, 0.999999))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000,
    ]);
    expect(reconnectDelay(1, 1000, 30_000, 0)).toBe(500);
    expect(reconnectDelay(500, 1000, 30_000, 0)).toBe(15_000);
  });

  it('stays within [max(1, ceiling/2), ceiling] for any attempt (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, min, extra, u) => {
          const d = reconnectDelay(attempt, min, min + extra, u);
          expect(d).toBeGreaterThanOrEqual(1);
          expect(d).toBeLessThanOrEqual(min + extra);
        },
      ),
    );
  });
});
