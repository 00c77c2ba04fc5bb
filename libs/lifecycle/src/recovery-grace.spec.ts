import { describe, expect, it } from '@jest/globals';
import { enforceableAt, outageAtStart } from './recovery-grace.js';

const outage = { from: 1_000, to: 10_000 };

describe('recovery grace', () => {
  describe('enforceableAt', () => {
    it('given no outage, when a deadline falls due, then it is enforced at once', () => {
      expect(enforceableAt(5_000, null, 3_000)).toBe(5_000);
    });
    it('given an outage, when a deadline fell due inside it, then it waits for the grace after it', () => {
      expect(enforceableAt(5_000, outage, 3_000)).toBe(13_000);
      expect(enforceableAt(10_000, outage, 3_000)).toBe(13_000);
    });
    it('given an outage, when a deadline passed while an instance still ran, then it is enforced as due', () => {
      expect(enforceableAt(1_000, outage, 3_000)).toBe(1_000);
      expect(enforceableAt(500, outage, 3_000)).toBe(500);
    });
    it('given an outage, when a deadline falls due after the restart, then it is enforced as due', () => {
      expect(enforceableAt(10_001, outage, 3_000)).toBe(10_001);
    });
  });

  describe('outageAtStart', () => {
    it('given a fresh ledger (no beat yet), then there was no outage', () => {
      expect(outageAtStart(null, 50_000, 3_000)).toBeNull();
    });
    it('given a recent beat of another instance, then there was no outage', () => {
      expect(outageAtStart(48_000, 50_000, 3_000)).toBeNull();
    });
    it('given a stale last beat, then the outage ran from it to now', () => {
      expect(outageAtStart(40_000, 50_000, 3_000)).toEqual({ from: 40_000, to: 50_000 });
    });
  });
});
