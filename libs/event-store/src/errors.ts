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
