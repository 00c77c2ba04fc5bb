/** `perMinute` by examples: the burst, the interval, when the next slot opens, re-anchoring. */
import { describe, it, expect } from '@jest/globals';
import {
  type RateState,
  afterCreated,
  burstOf,
  effectivePerMinute,
  nextRateSlot,
  rateAllowance,
} from './rate.js';

describe('the burst and the interval', () => {
  it.each([
    [1, 1, 1],
    [60, 1, 60],
    [61, 2, 60],
    [600, 10, 591],
    [1_000, 17, 984],
  ])('perMinute %i: at most %i at once, %i a minute in the long run', (pm, burst, eff) => {
    expect(burstOf(pm)).toBe(burst);
    expect(effectivePerMinute(pm)).toBe(eff);
  });
});

describe('perMinute 60 (burst 1: one child a second)', () => {
  it('before any mark: one child', () => {
    expect(rateAllowance(60, null, 0)).toBe(1);
  });
  it('after a child at 0: none before 1 s, one at 1 s, and nextRateSlot says when', () => {
    const r = afterCreated(60, null, 0, 1);
    expect(rateAllowance(60, r, 999)).toBe(0);
    expect(nextRateSlot(60, r, 500)).toBe(1_000);
    expect(rateAllowance(60, r, 1_000)).toBe(1);
  });
  it('after a long pause still one at once, never the missed ones', () => {
    const r = afterCreated(60, null, 0, 1);
    expect(rateAllowance(60, r, 3_600_000)).toBe(1);
  });
});

describe('perMinute 600 (burst 10, 591 a minute)', () => {
  const T = 60_000 / 591; // ≈ 101.5 ms
  it('ten at once when idle; then one more every interval', () => {
    expect(rateAllowance(600, null, 0)).toBe(10);
    const r = afterCreated(600, null, 0, 10);
    expect(rateAllowance(600, r, 0)).toBe(0);
    // The TAT is 10 T; with the burst tolerance of 9 T, the next child conforms at T.
    expect(nextRateSlot(600, r, 0)).toBe(Math.ceil(T));
    expect(rateAllowance(600, r, Math.ceil(T))).toBe(1);
    expect(rateAllowance(600, r, Math.ceil(10 * T))).toBe(10);
  });
  it('a run keeps its anchor while behind; a mark after the TAT starts a new run', () => {
    const r1 = afterCreated(600, null, 0, 10);
    const r2 = afterCreated(600, r1, 200, 1);
    expect(r2).toEqual({ anchorMs: 0, used: 11 });
    const r3 = afterCreated(600, r2, 5_000, 3);
    expect(r3).toEqual({ anchorMs: 5_000, used: 3 });
  });
  it('a full minute taken greedily holds at most 600 children in any 60 s', () => {
    let r: RateState | null = null;
    const times: number[] = [];
    for (let t = 0; t < 180_000; t += 7) {
      const n = rateAllowance(600, r, t);
      if (n > 0) {
        r = afterCreated(600, r, t, n);
        for (let i = 0; i < n; i += 1) times.push(t);
      }
    }
    let most = 0;
    for (let i = 0, j = 0; i < times.length; i += 1) {
      while (times[i]! - times[j]! >= 60_000) j += 1;
      most = Math.max(most, i - j + 1);
    }
    expect(most).toBeLessThanOrEqual(600);
    // …and the long-run rate is the effective one (within a burst).
    expect(Math.abs(times.length - 3 * 591)).toBeLessThanOrEqual(10);
  });
});
