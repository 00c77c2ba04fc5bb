import { describe, expect, it } from '@jest/globals';
import { decodeListCursor, encodeListCursor, isListCursor } from './list-cursor.js';

describe('list cursor', () => {
  const cursor = {
    requestedAt: '2026-03-01T12:00:00.123Z',
    commandId: 'b9a3c1de-0000-4000-8000-000000000001',
  };

  it('round-trips and is URL-safe', () => {
    const text = encodeListCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeListCursor(text)).toEqual(cursor);
    expect(isListCursor(text)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['not a pair', Buffer.from('["2026-03-01T12:00:00.000Z"]').toString('base64url')],
    ['not a time', Buffer.from('["yesterday","x"]').toString('base64url')],
    ['a time not in ISO form', Buffer.from('["2026-03-01","x"]').toString('base64url')],
    ['an empty id', Buffer.from('["2026-03-01T12:00:00.000Z",""]').toString('base64url')],
    ['too long', 'A'.repeat(401)],
  ])('rejects %s', (_, text) => {
    expect(decodeListCursor(text)).toBeNull();
    expect(isListCursor(text)).toBe(false);
  });
});
