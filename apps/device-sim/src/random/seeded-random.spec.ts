import { describe, expect, it } from '@jest/globals';
import { deriveSeed, happens, intBetween, seededRandom } from './seeded-random.js';

const draws = (seed: number, n: number): number[] => {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => r.next());
};

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed', () => {
    expect(draws(42, 20)).toEqual(draws(42, 20));
  });

  it('gives another sequence for another seed', () => {
    expect(draws(42, 5)).not.toEqual(draws(43, 5));
  });

  it('stays in [0, 1) and spreads over it', () => {
    const xs = draws(7, 10_000);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe('deriveSeed', () => {
  it('is stable and differs per device and per purpose', () => {
    expect(deriveSeed(42, 'pump-1')).toBe(deriveSeed(42, 'pump-1'));
    expect(deriveSeed(42, 'pump-1')).not.toBe(deriveSeed(42, 'pump-2'));
    expect(deriveSeed(42, 'pump-1', 'replay')).not.toBe(deriveSeed(42, 'pump-1'));
    expect(deriveSeed(42, 'pump-1')).not.toBe(deriveSeed(43, 'pump-1'));
  });
});

describe('happens and intBetween', () => {
  it('never happens at rate 0 and always at rate 1', () => {
    for (const u of [0, 0.3, 0.999999]) {
      expect(happens(u, 0)).toBe(false);
      expect(happens(u, 1)).toBe(true);
    }
  });

  it('covers both bounds', () => {
    expect(intBetween(0, 1, 3)).toBe(1);
    expect(intBetween(0.999999, 1, 3)).toBe(3);
    expect(intBetween(0.5, 0, 0)).toBe(0);
  });
});
