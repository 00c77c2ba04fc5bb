import { describe, expect, it } from '@jest/globals';
import { decodePosition, encodePosition, LOG_START } from './position.js';

describe('SQL log position', () => {
  it('round-trips through its string form', () => {
    const p = { txId: 123_456_789_012n, position: 42n };
    expect(decodePosition(encodePosition(p))).toEqual(p);
  });

  it('sorts as strings in (txId, position) order', () => {
    const pairs = [
      { txId: 2n, position: 1n },
      { txId: 1n, position: 300n },
      { txId: 10n, position: 5n },
      { txId: 1n, position: 16n },
      { txId: 0xffff_ffff_ffffn, position: 0n },
    ];
    const byPair = [...pairs].sort((a, b) =>
      a.txId === b.txId ? Number(a.position - b.position) : Number(a.txId - b.txId),
    );
    const byString = pairs.map(encodePosition).sort();
    expect(byString).toEqual(byPair.map(encodePosition));
  });

  it('puts the start before every real position', () => {
    expect(encodePosition(LOG_START) < encodePosition({ txId: 1n, position: 1n })).toBe(true);
  });

  it('rejects strings it did not make', () => {
    expect(() => decodePosition('42')).toThrow(RangeError);
    expect(() => decodePosition('0000000000000001-000000000000000G')).toThrow(RangeError);
    expect(() => encodePosition({ txId: -1n, position: 0n })).toThrow(RangeError);
  });
});
