/**
 * Seeded randomness, so that a run printed with `seed 42` can be replayed. mulberry32 is tiny,
 * fast and uniform enough to pick behaviours; it is not for cryptography.
 */
import { randomInt } from 'node:crypto';

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
}

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return {
    next: () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/**
 * One independent stream per (seed, device, purpose): a device's choices then do not depend on
 * how the broker interleaves messages to other devices. FNV-1a over the parts.
 */
export function deriveSeed(seed: number, ...parts: readonly string[]): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A fresh seed for a run that did not ask for one (printed so it can be replayed). */
export const randomSeed = (): number => randomInt(0, 2 ** 31);

/** `true` with probability `rate`, given a draw `u` in [0, 1): `rate` 0 never, 1 always. */
export const happens = (u: number, rate: number): boolean => u < rate;

/** An integer in [min, max], both included, from a draw `u` in [0, 1). */
export const intBetween = (u: number, min: number, max: number): number =>
  min + Math.floor(u * (max - min + 1));
