import type { CommandState } from '@ratchet/lifecycle';

/**
 * The stable codes of the errors Ratchet throws on the buses (CONTRACT.md section 7); each maps
 * to one HTTP status of section 2 (`RATCHET_ERROR_STATUS`). Code on them, not on messages.
 */
export type LedgerErrorCode =
  'invalid_request' | 'payload_too_large' | 'not_found' | 'id_conflict' | 'not_cancellable';

/** Business outcomes that a caller must see as errors; each has a stable code for HTTP mapping. */
export class LedgerError extends Error {
  override readonly name: string = 'LedgerError';
  constructor(
    readonly code: LedgerErrorCode,
    readonly messages: readonly string[],
    /** The command's current state, where there is one (a 409 shows it). */
    readonly state: CommandState | null = null,
  ) {
    super(messages.join('; '));
  }
}

/** The request (a command body, a query) is not valid: every problem named. HTTP 400. */
export class InvalidRequestError extends LedgerError {
  override readonly name: string = 'InvalidRequestError';
  constructor(messages: readonly string[]) {
    super('invalid_request', messages);
  }
}

/** The payload (or the body) is larger than allowed (64 KiB). HTTP 413. */
export class PayloadTooLargeError extends LedgerError {
  override readonly name: string = 'PayloadTooLargeError';
  constructor(message: string) {
    super('payload_too_large', [message]);
  }
}

/** No command with this id. HTTP 404. */
export class CommandNotFoundError extends LedgerError {
  override readonly name: string = 'CommandNotFoundError';
  constructor(readonly commandId: string) {
    super('not_found', [`command ${commandId} not found`]);
  }
}

/** The device has never had a command. HTTP 404. */
export class DeviceNotFoundError extends LedgerError {
  override readonly name: string = 'DeviceNotFoundError';
  constructor(readonly deviceId: string) {
    super('not_found', [`device ${deviceId} has had no command`]);
  }
}

/** The `commandId` was issued before with another body; `state` is that command. HTTP 409. */
export class CommandIdConflictError extends LedgerError {
  override readonly name: string = 'CommandIdConflictError';
  constructor(message: string, state: CommandState | null) {
    super('id_conflict', [message], state);
  }
}

/** Only a `requested` command can be cancelled; `state` is the command as it is. HTTP 409. */
export class CommandNotCancellableError extends LedgerError {
  override readonly name: string = 'CommandNotCancellableError';
  constructor(message: string, state: CommandState | null) {
    super('not_cancellable', [message], state);
  }
}

/** CONTRACT.md section 2's status for each code. */
export const RATCHET_ERROR_STATUS: Readonly<Record<LedgerErrorCode, number>> = {
  invalid_request: 400,
  not_found: 404,
  id_conflict: 409,
  not_cancellable: 409,
  payload_too_large: 413,
};
