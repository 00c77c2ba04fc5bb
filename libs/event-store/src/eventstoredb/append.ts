/**
 * Appends: the port's expected revision maps one to one onto the client's, and the client's
 * `WrongExpectedVersionError` (or, with `throwOnAppendFailure=false` in the connection string,
 * its `success: false`) becomes the port's `StaleRevisionError`.
 */
import { randomUUID } from 'node:crypto';
import { ANY, NO_STREAM, type AppendExpectedRevision } from '@eventstore/db-client';
import { StaleRevisionError } from '../errors.js';
import type {
  AppendResult,
  ExpectedRevision,
  NewEvent,
  RecordedEvent,
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
 * The server never sees the port's ids (`event-mapping.ts`: every append decision writes fresh
 * server ids), so the second kind cannot happen; the first is refused here: before an append
 * at an exact revision the stream is read and checked for the port's ids. This is race-free:
 * the events up to that revision can no longer change, and the append itself is guarded.
 */
async function assertNotResent(
  client: EsdbClient,
  stream: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): Promise<RecordedEvent[]> {
  const ids = new Set(events.map((e) => e.id.toLowerCase()));
  const existing = await readStream(client, stream);
  if (existing.some((e) => ids.has(e.id.toLowerCase()))) {
    const last = existing[existing.length - 1];
    throw new StaleRevisionError(stream, expected, last ? last.revision : 'no_stream');
  }
  return existing;
}

export interface AppendOptions {
  /**
   * Default true; see `assertNotResent`. Off saves a read per append, and a re-sent port id at
   * another revision (or at `any`) is then written again.
   */
  readonly detectResentEvents?: boolean;
}

/** Without `throwOnAppendFailure` the client resolves a conflict; its revision is unreliable. */
async function actualRevision(
  client: EsdbClient,
  stream: string,
): Promise<bigint | 'no_stream' | 'unknown'> {
  try {
    const events = await readStream(client, stream);
    const last = events[events.length - 1];
    return last ? last.revision : 'no_stream';
  } catch {
    return 'unknown';
  }
}

/** One append decision: fresh server ids, so the server can never call it a retry of another. */
async function appendOnce(
  client: EsdbClient,
  stream: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): Promise<AppendResult> {
  let result;
  try {
    result = await client.appendToStream(
      stream,
      events.map((event) => toEventData(event, randomUUID())),
      { expectedRevision: toEsdbExpectedRevision(expected) },
    );
  } catch (error) {
    throw mapAppendError(error, stream, expected);
  }
  if (!result.success) {
    throw new StaleRevisionError(stream, expected, await actualRevision(client, stream));
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

/** A stream that keeps changing under an `any` append this often is not a race but a bug. */
const ANY_ATTEMPTS = 100;

/**
 * `any` with re-send detection: read, check the port's ids, append at the revision read, and
 * again on a conflict. At the server's own `any` the check and the write would interleave,
 * and two appends of the same port ids could both be written.
 */
async function appendAtAny(
  client: EsdbClient,
  stream: string,
  events: readonly NewEvent[],
): Promise<AppendResult> {
  for (let attempt = 1; ; attempt += 1) {
    const existing = await assertNotResent(client, stream, events, 'any');
    const last = existing[existing.length - 1];
    try {
      return await appendOnce(client, stream, events, last ? last.revision : 'no_stream');
    } catch (error) {
      if (!(error instanceof StaleRevisionError) || attempt >= ANY_ATTEMPTS) throw error;
    }
  }
}

export async function append(
  client: EsdbClient,
  stream: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
  options: AppendOptions = {},
): Promise<AppendResult> {
  assertValidAppend(stream, events, expected);
  const detect = options.detectResentEvents ?? true;
  if (expected === 'any' && detect) return appendAtAny(client, stream, events);
  // At `no_stream` there is nothing to check: the stream must not exist at all.
  if (detect && expected !== 'no_stream') await assertNotResent(client, stream, events, expected);
  return appendOnce(client, stream, events, expected);
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
