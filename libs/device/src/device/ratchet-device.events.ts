/** What a `RatchetDevice` tells its listeners (`device.on('command', …)`). */

/** How a command ended on this device. */
export type CommandOutcome =
  /** The handler returned: `executed` sent. */
  | 'executed'
  /** The handler threw (or its output could not be sent): `failed` sent. */
  | 'failed'
  /** Past its `expiresAt`: not run, `failed` sent. */
  | 'expired'
  /** No handler for its name: not run, `failed` sent. */
  | 'unknown_command'
  /** The intent could not be read: not run, `failed` sent. */
  | 'invalid'
  /** Seen before: not run again, the first answers sent again. */
  | 'duplicate';

export interface CommandReport {
  readonly deviceId: string;
  readonly commandId: string;
  /** Absent for an intent that could not be read. */
  readonly name?: string;
  readonly outcome: CommandOutcome;
  /** The `error` sent, when a failure was. */
  readonly error?: string;
}

export interface RatchetDeviceEvents {
  /** A session began at this epoch (the birth is on its way). */
  connected: [{ readonly epoch: number; readonly sessionPresent: boolean }];
  /** The connection is gone; it is being re-established (unless stopped). */
  disconnected: [];
  /** A command was answered. */
  command: [CommandReport];
}
