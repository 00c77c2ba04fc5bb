import { describe, expect, it } from '@jest/globals';
import { isUnavailableError } from './errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isUnavailableError: a store or broker that cannot serve now (503), not a bug (500)', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    [
      'a refused connection inside an AggregateError',
      new AggregateError([withCode('ECONNREFUSED')]),
    ],
    [
      'PostgreSQL shutting down (57P01)',
      withCode('57P01', 'terminating connection due to administrator command'),
    ],
    ['PostgreSQL starting up (57P03)', withCode('57P03')],
    ['too many connections (53300)', withCode('53300')],
    ['a connection exception (08006)', withCode('08006')],
    ['pg: the connection ended mid-query', new Error('Connection terminated unexpectedly')],
    ['pg-pool: no connection in time', new Error('timeout exceeded when trying to connect')],
    ['pg-pool: shutting down', new Error('Cannot use a pool after calling end on the pool')],
    ['EventStoreDB out of reach', Object.assign(new Error('x'), { type: 'unavailable' })],
    ['the broker', Object.assign(new Error('x'), { name: 'BrokerUnavailableError' })],
    ['a cause that is one', new Error('wrapped', { cause: withCode('ECONNRESET') })],
  ])('%s is', (_what, error) => {
    expect(isUnavailableError(error)).toBe(true);
  });

  it.each([
    ['a TypeError', new TypeError('cannot read properties of undefined')],
    ['a data exception (22P02)', withCode('22P02')],
    ['a unique violation (23505)', withCode('23505')],
    ['not an error', 'ECONNREFUSED'],
    ['null', null],
  ])('%s is not', (_what, error) => {
    expect(isUnavailableError(error)).toBe(false);
  });
});
