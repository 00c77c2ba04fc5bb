import type { Position } from '../event-store.port.js';

/**
 * A place in the SQL global log: the writer's transaction id and the row's sequence value.
 * Rows are read in (txId, position) order, so the pair, not the sequence alone, is the
 * checkpoint. Encoded as two zero-padded hex numbers so that string order is log order.
 */
export interface LogPosition {
  readonly txId: bigint;
  readonly position: bigint;
}

const HEX_DIGITS = 16;
const MAX = (1n << 64n) - 1n;
const PATTERN = /^([0-9a-f]{16})-([0-9a-f]{16})$/;

/** Before the first event: every real (txId, position) is greater. */
export const LOG_START: LogPosition = { txId: 0n, position: 0n };

const hex = (n: bigint): string => {
  if (n < 0n || n > MAX) throw new RangeError(`log coordinate out of range: ${n}`);
  return n.toString(16).padStart(HEX_DIGITS, '0');
};

export const encodePosition = ({ txId, position }: LogPosition): Position =>
  `${hex(txId)}-${hex(position)}` as Position;

export const decodePosition = (value: Position | string): LogPosition => {
  const match = PATTERN.exec(value);
  if (!match)
    throw new RangeError(`not a position of the SQL event store: ${JSON.stringify(value)}`);
  return { txId: BigInt(`0x${match[1]}`), position: BigInt(`0x${match[2]}`) };
};
