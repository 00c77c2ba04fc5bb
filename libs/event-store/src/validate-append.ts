import { InvalidAppendError } from './errors.js';
import type { ExpectedRevision, NewEvent, StreamAppend } from './event-store.port.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isPlainObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const checkExpected = (stream: string, expected: ExpectedRevision): void => {
  if (expected === 'no_stream' || expected === 'any') return;
  if (typeof expected !== 'bigint' || expected < 0n) {
    throw new InvalidAppendError(
      `append to ${stream}: expected revision must be 'no_stream', 'any' or a bigint >= 0, got ${String(expected)}`,
    );
  }
};

const checkEvent = (stream: string, event: NewEvent, seen: Set<string>): void => {
  if (!isPlainObject(event))
    throw new InvalidAppendError(`append to ${stream}: an event must be an object`);
  if (typeof event.id !== 'string' || !UUID.test(event.id)) {
    throw new InvalidAppendError(
      `append to ${stream}: event id must be a UUID, got ${JSON.stringify(event.id)}`,
    );
  }
  const id = event.id.toLowerCase();
  if (seen.has(id))
    throw new InvalidAppendError(`append to ${stream}: event id ${id} appears twice`);
  seen.add(id);
  if (typeof event.type !== 'string' || event.type.length === 0) {
    throw new InvalidAppendError(`append to ${stream}: event ${id} has no type`);
  }
  if (!isPlainObject(event.data)) {
    throw new InvalidAppendError(`append to ${stream}: event ${id} data must be an object`);
  }
  if (event.metadata !== undefined && !isPlainObject(event.metadata)) {
    throw new InvalidAppendError(`append to ${stream}: event ${id} metadata must be an object`);
  }
};

/** Shared by every adapter, so that all of them refuse the same malformed input the same way. */
export const assertValidAppends = (appends: readonly StreamAppend[]): void => {
  if (!Array.isArray(appends)) throw new InvalidAppendError('appendMany takes an array of appends');
  const streams = new Set<string>();
  const ids = new Set<string>();
  for (const { stream, events, expected } of appends) {
    if (typeof stream !== 'string' || stream.length === 0) {
      throw new InvalidAppendError('a stream name must be a non-empty string');
    }
    // One head per stream per commit: the same stream twice would need an order between its parts.
    if (streams.has(stream))
      throw new InvalidAppendError(`stream ${stream} appears twice in one batch`);
    streams.add(stream);
    checkExpected(stream, expected);
    if (!Array.isArray(events) || events.length === 0) {
      throw new InvalidAppendError(`append to ${stream}: at least one event is required`);
    }
    for (const event of events) checkEvent(stream, event, ids);
  }
};

export const assertValidAppend = (
  stream: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): void => assertValidAppends([{ stream, events, expected }]);
