import { describe, expect, it } from '@jest/globals';
import { hasNulCharacter } from './storable.js';

describe('hasNulCharacter', () => {
  it.each([
    ['a string', 'a\u0000b'],
    ['a nested value', { a: [1, { b: 'x\u0000' }] }],
    ['a key', { 'k\u0000': 1 }],
  ])('finds U+0000 in %s', (_what, value) => {
    expect(hasNulCharacter(value)).toBe(true);
  });
  it.each([
    ['text', 'plain'],
    ['an object', { a: [1, 'b', null, true] }],
    ['null', null],
    ['a number', 0],
  ])('finds none in %s', (_what, value) => {
    expect(hasNulCharacter(value)).toBe(false);
  });
});
