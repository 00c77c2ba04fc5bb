/**
 * Errors only the EventStoreDB adapter raises. (Candidates for `../errors.ts` if another
 * adapter ever needs them.)
 */

/** The backend cannot do what the port asks with the guarantee the port promises. */
export class UnsupportedOperationError extends Error {
  override readonly name = 'UnsupportedOperationError';
  readonly code = 'unsupported_operation';
  constructor(
    readonly operation: string,
    reason: string,
  ) {
    super(`${operation} is not supported by the EventStoreDB event store: ${reason}`);
  }
}

/**
 * An event in the store that Ratchet cannot have written: binary content, or JSON data or
 * metadata that is not an object. Ratchet reads only its own streams (by prefix), so this
 * means another writer shares them.
 */
export class UnreadableEventError extends Error {
  override readonly name = 'UnreadableEventError';
  constructor(
    readonly stream: string,
    readonly revision: bigint,
    reason: string,
  ) {
    super(`event ${stream}@${revision} is not a Ratchet event: ${reason}`);
  }
}
