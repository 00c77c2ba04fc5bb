import { Command } from '@nestjs/cqrs';
import type { CommandState } from '@ratchet/lifecycle';
import type { Provenance } from '../services/instance-metadata.js';

/** Cancel a command that has not been sent yet. Cancelling twice is not an error. */
export class CancelCommand extends Command<CommandState> {
  constructor(
    readonly commandId: string,
    readonly reason: string | null = null,
    readonly provenance: Provenance & { source?: 'http' | 'bus' } = {},
  ) {
    super();
  }
}
