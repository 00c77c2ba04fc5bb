import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { nextEpochAfter } from './device-store.port.js';

describe('nextEpochAfter', () => {
  it('counts from the last epoch without a clock', () => {
    expect(nextEpochAfter(0, 1_767_225_600_000, false)).toBe(1);
    expect(nextEpochAfter(12, 1_767_225_600_000, false)).toBe(13);
  });

  it('jumps to the clock when it is ahead, and counts on when it is behind', () => {
    expect(nextEpochAfter(12, 1_767_225_600_000.7, true)).toBe(1_767_225_600_000);
    expect(nextEpochAfter(1_767_225_600_000, 1_000, true)).toBe(1_767_225_600_001);
  });

  it('always rises (property)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 52 }),
        fc.double({ min: -1e13, max: 1e13, noNaN: true }),
        fc.boolean(),
        (last, now, clock) => {
          expect(nextEpochAfter(last, now, clock)).toBeGreaterThan(last);
        },
      ),
    );
  });
});
