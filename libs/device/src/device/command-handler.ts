/** What a device's command handlers receive and return. */

/** Everything about the command besides its payload. */
export interface CommandContext {
  readonly deviceId: string;
  readonly commandId: string;
  readonly name: string;
  /** 1 for the first attempt; a retry is a new command (new id) with a higher attempt. */
  readonly attempt: number;
  readonly issuedAt: string;
  /** The handler is never started after this instant (it may run past it once started). */
  readonly expiresAt: string;
  /** The session epoch the intent arrived in. */
  readonly epoch: number;
  /** Aborted when the device stops: a long handler may give up (its failure is then sent). */
  readonly signal: AbortSignal;
}

/**
 * Runs one command. What it returns (any JSON value, or nothing) is sent as the `executed`
 * result's `output`; what it throws is sent as a `failed` result's `error` (the message).
 * `P` is not checked at run time: the payload is whatever the ledger was given — validate it.
 */
export type CommandHandler<P = Readonly<Record<string, unknown>>, O = unknown> = (
  payload: P,
  context: CommandContext,
) => O | Promise<O>;
