import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_JSON_DEPTH, unstorable } from './storable.js';

const nested = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

describe('unstorable', () => {
  it.each([
    ['U+0000 in a string', 'a\u0000b', 'U+0000'],
    ['U+0000 nested', { a: [1, { b: 'x\u0000' }] }, 'U+0000'],
    ['U+0000 in a key', { 'k\u0000': 1 }, 'U+0000'],
    ['a lone high surrogate', { text: '\ud800' }, 'lone surrogate'],
    ['a lone low surrogate in a key', { ['a\udc00b']: 1 }, 'lone surrogate'],
    ['a high surrogate at the end', ['ok', 'x\ud83d'], 'lone surrogate'],
  ])('refuses %s', (_what, value, detail) => {
    expect(unstorable(value)).toMatchObject({ reason: 'unsupported_character' });
    expect(unstorable(value)!.detail).toContain(detail);
  });

  it.each([
    ['text', 'plain'],
    ['an object', { a: [1, 'b', null, true] }],
    ['an emoji (a surrogate pair)', { '😀': 'ok 😀' }],
    ['null', null],
    ['a number', 0],
  ])('accepts %s', (_what, value) => {
    expect(unstorable(value)).toBeNull();
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more, at any depth without recursion`, () => {
    expect(unstorable(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(unstorable(nested(MAX_JSON_DEPTH + 1))).toMatchObject({ reason: 'too_deep' });
    expect(unstorable(nested(200_000))).toMatchObject({ reason: 'too_deep' });
  });

  it('accepts every JSON value of well-formed text within the depth', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 10, stringUnit: 'grapheme' }), (v) => {
        const hasNul = JSON.stringify(v).includes('\\u0000');
        expect(unstorable(v) === null).toBe(!hasNul);
      }),
    );
  });
});
