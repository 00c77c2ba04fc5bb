import type { ExpectedRevision, Revision } from './event-store.port.js';

/**
 * The one error every adapter raises when an append's expected revision does not match the
 * stream. The transition shell catches it, re-reads and decides again.
 */
export class StaleRevisionError extends Error {
  override readonly name = 'StaleRevisionError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision, `no_stream` if absent, `unknown` if the store did not say. */
    readonly actual: Revision | 'no_stream' | 'unknown',
  ) {
    super(
      `stale append to ${stream}: expected ${String(expected)}, stream is at ${String(actual)}`,
    );
  }
}

export const isStaleRevisionError = (e: unknown): e is StaleRevisionError =>
  e instanceof StaleRevisionError;

/**
 * An append the store refuses before touching the database (no events, a malformed event id,
 * a stream named twice in one batch...). A programming error: retrying cannot help.
 */
export class InvalidAppendError extends Error {
  override readonly name = 'InvalidAppendError';
}

/**
 * An error that the same request will meet again however often it is retried: the append was
 * malformed, or the database refused the data itself (SQLSTATE class 22, "data exception":
 * an unsupported escape in jsonb, a value out of range). Anything else — a lost connection, a
 * restart, a full pool, a timeout — may pass, and is worth retrying.
 */
export function isPermanentStoreError(error: unknown): boolean {
  if (error instanceof InvalidAppendError) return true;
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('22');
}
