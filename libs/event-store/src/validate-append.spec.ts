import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { InvalidAppendError } from './errors.js';
import type { NewEvent, StreamAppend } from './event-store.port.js';
import { assertValidAppend, assertValidAppends } from './validate-append.js';

const event = (overrides: Partial<NewEvent> = {}): NewEvent => ({
  id: randomUUID(),
  type: 'Tested',
  data: {},
  ...overrides,
});

describe('append validation', () => {
  it('accepts well-formed appends', () => {
    expect(() =>
      assertValidAppend('s', [event(), event({ metadata: { a: 1 } })], 3n),
    ).not.toThrow();
    expect(() =>
      assertValidAppend('s', [event({ id: randomUUID().toUpperCase() })], 'any'),
    ).not.toThrow();
  });

  it.each<[string, () => void]>([
    ['an empty stream name', () => assertValidAppend('', [event()], 'any')],
    ['no events', () => assertValidAppend('s', [], 'any')],
    ['an id that is not a UUID', () => assertValidAppend('s', [event({ id: '42' })], 'any')],
    ['an empty type', () => assertValidAppend('s', [event({ type: '' })], 'any')],
    [
      'data that is not an object',
      () => assertValidAppend('s', [event({ data: [] as never })], 'any'),
    ],
    ['a negative revision', () => assertValidAppend('s', [event()], -1n)],
    ['a number revision', () => assertValidAppend('s', [event()], 1 as never)],
  ])('refuses %s', (_, append) => {
    expect(append).toThrow(InvalidAppendError);
  });

  it('refuses an event id used twice in one batch, across streams', () => {
    const twice = event();
    const batch: StreamAppend[] = [
      { stream: 'a', events: [twice], expected: 'any' },
      { stream: 'b', events: [{ ...twice, id: twice.id.toUpperCase() }], expected: 'any' },
    ];
    expect(() => assertValidAppends(batch)).toThrow(/appears twice/);
  });

  it('refuses a stream named twice in one batch', () => {
    const batch: StreamAppend[] = [
      { stream: 'a', events: [event()], expected: 0n },
      { stream: 'a', events: [event()], expected: 1n },
    ];
    expect(() => assertValidAppends(batch)).toThrow(/appears twice/);
  });
});
