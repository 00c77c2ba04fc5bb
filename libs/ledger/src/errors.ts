import type { CommandState } from '@ratchet/lifecycle';

/** Business outcomes that a caller must see as errors; each has a stable code for HTTP mapping. */
export type LedgerErrorCode =
  'invalid_request' | 'payload_too_large' | 'not_found' | 'id_conflict' | 'not_cancellable';

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  constructor(
    readonly code: LedgerErrorCode,
    readonly messages: readonly string[],
    /** The command's current state, where there is one (a 409 shows it). */
    readonly state: CommandState | null = null,
  ) {
    super(messages.join('; '));
  }
}
