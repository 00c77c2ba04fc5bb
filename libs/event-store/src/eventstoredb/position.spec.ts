import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodePosition, encodePosition } from './position.js';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const position = fc.record({ commit: u64, prepare: u64 });
const compare = (a: { commit: bigint; prepare: bigint }, b: { commit: bigint; prepare: bigint }) =>
  a.commit === b.commit ? Math.sign(Number(a.prepare - b.prepare)) : a.commit < b.commit ? -1 : 1;

describe('EventStoreDB position ↔ port position', () => {
  it('encodes commit and prepare as 16 hex digits each', () => {
    expect(encodePosition({ commit: 255n, prepare: 16n })).toBe(
      '00000000000000ff-0000000000000010',
    );
  });

  it('round-trips every (commit, prepare) pair (property)', () => {
    fc.assert(fc.property(position, (p) => expect(decodePosition(encodePosition(p))).toEqual(p)));
  });

  it('string order is (commit, prepare) order (property)', () => {
    fc.assert(
      fc.property(position, position, (a, b) => {
        const [ea, eb] = [encodePosition(a), encodePosition(b)];
        expect(Math.sign(ea < eb ? -1 : ea > eb ? 1 : 0)).toBe(compare(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    '',
    'start',
    '1-2',
    '00000000000000FF-0000000000000010',
    '0000000000000001-000000000000002',
  ])('refuses %j', (text) => {
    expect(() => decodePosition(text)).toThrow(RangeError);
  });

  it('refuses numbers outside unsigned 64 bits', () => {
    expect(() => encodePosition({ commit: -1n, prepare: 0n })).toThrow(RangeError);
    expect(() => encodePosition({ commit: 0n, prepare: 1n << 64n })).toThrow(RangeError);
  });
});
