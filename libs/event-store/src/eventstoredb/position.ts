import type { Position } from '../event-store.port.js';

/**
 * EventStoreDB's place in `$all` is a (commit, prepare) pair of unsigned 64-bit numbers,
 * ordered by commit then prepare. The port wants an opaque string whose string order is log
 * order: both numbers as 16 zero-padded lowercase hex digits, `commit-prepare`. Same width
 * and alphabet as the SQL adapter's positions, but the two are not interchangeable.
 */
export interface EsdbPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

const MAX = (1n << 64n) - 1n;
const PATTERN = /^([0-9a-f]{16})-([0-9a-f]{16})$/;

const hex = (n: bigint, what: string): string => {
  if (n < 0n || n > MAX) throw new RangeError(`EventStoreDB ${what} position out of range: ${n}`);
  return n.toString(16).padStart(16, '0');
};

export const encodePosition = ({ commit, prepare }: EsdbPosition): Position =>
  `${hex(commit, 'commit')}-${hex(prepare, 'prepare')}` as Position;

export const decodePosition = (value: Position | string): EsdbPosition => {
  const match = PATTERN.exec(value);
  if (!match) {
    throw new RangeError(
      `not a position of the EventStoreDB event store: ${JSON.stringify(value)}`,
    );
  }
  return { commit: BigInt(`0x${match[1]}`), prepare: BigInt(`0x${match[2]}`) };
};
