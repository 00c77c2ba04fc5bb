/**
 * Appends: the port's expected revision maps one to one onto the client's, and the client's
 * `WrongExpectedVersionError` becomes the port's `StaleRevisionError`.
 */
import { ANY, NO_STREAM, type AppendExpectedRevision } from '@eventstore/db-client';
import { StaleRevisionError } from '../errors.js';
import type {
  AppendResult,
  ExpectedRevision,
  NewEvent,
  StreamAppend,
} from '../event-store.port.js';
import { assertValidAppend, assertValidAppends } from '../validate-append.js';
import { isWrongExpectedVersion } from './client-errors.js';
import type { EsdbClient } from './eventstoredb-client.js';
import { UnsupportedOperationError } from './eventstoredb-errors.js';
import { toEventData } from './event-mapping.js';
import { encodePosition } from './position.js';
import { readStream } from './read.js';

export const toEsdbExpectedRevision = (expected: ExpectedRevision): AppendExpectedRevision =>
  expected === 'no_stream' ? NO_STREAM : expected === 'any' ? ANY : expected;

const actualOf = (current: unknown): bigint | 'no_stream' | 'unknown' =>
  typeof current === 'bigint' ? current : current === NO_STREAM ? 'no_stream' : 'unknown';

/** The error the caller sees: stale for a version conflict, anything else unchanged. */
export const mapAppendError = (
  error: unknown,
  stream: string,
  expected: ExpectedRevision,
): unknown =>
  isWrongExpectedVersion(error)
    ? new StaleRevisionError(stream, expected, actualOf(error.actualVersion))
    : error;

/**
 * EventStoreDB's idempotency differs from the port: a re-sent event id with another expected
 * revision is appended again as a duplicate, and with the original one it succeeds silently.
 * The port says a re-sent id is stale, so before an append at an exact revision (or `any`) the
 * stream is read and checked. At an exact revision this is race-free: the events up to it can
 * no longer change, and the append itself is guarded. At `any` it is best effort.
 * At `no_stream` there is nothing to check; a re-sent creation succeeds idempotently.
 */
async function assertNotResent(
  client: EsdbClient,
  stream: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): Promise<void> {
  if (expected === 'no_stream') return;
  const ids = new Set(events.map((e) => e.id.toLowerCase()));
  const existing = await readStream(client, stream);
  if (existing.some((e) => ids.has(e.id.toLowerCase()))) {
    const last = existing[existing.length - 1];
    throw new StaleRevisionError(stream, expected, last ? last.revision : 'no_stream');
  }
}

export interface AppendOptions {
  /** Default true; see `assertNotResent`. Off saves a read per append. */
  readonly detectResentEvents?: boolean;
}

export async function append(
  client: EsdbClient,
  stream: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
  options: AppendOptions = {},
): Promise<AppendResult> {
  assertValidAppend(stream, events, expected);
  if (options.detectResentEvents ?? true) await assertNotResent(client, stream, events, expected);
  let result;
  try {
    result = await client.appendToStream(stream, events.map(toEventData), {
      expectedRevision: toEsdbExpectedRevision(expected),
    });
  } catch (error) {
    throw mapAppendError(error, stream, expected);
  }
  if (!result.position) {
    throw new Error(`EventStoreDB returned no position for the append to ${stream}`);
  }
  return {
    stream,
    nextExpectedRevision: result.nextExpectedRevision,
    position: encodePosition(result.position),
  };
}

/**
 * The 6.x client has no atomic multi-stream append (KurrentDB 25.1's multi-stream append
 * needs the newer client). Doing the appends one by one would break the port's promise that
 * either all or none commit, so only a one-stream batch is accepted; callers fall back to
 * `append` per stream when they get `UnsupportedOperationError`.
 */
export async function appendMany(
  client: EsdbClient,
  appends: readonly StreamAppend[],
  options: AppendOptions = {},
): Promise<AppendResult[]> {
  assertValidAppends(appends);
  if (appends.length === 0) return [];
  if (appends.length > 1) {
    throw new UnsupportedOperationError(
      'appendMany',
      `${appends.length} streams in one atomic commit need KurrentDB's multi-stream append, which @eventstore/db-client 6.x lacks; append to each stream separately`,
    );
  }
  const [only] = appends as [StreamAppend];
  return [await append(client, only.stream, only.events, only.expected, options)];
}
