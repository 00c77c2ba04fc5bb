import { Command } from '@nestjs/cqrs';
import type { CommandState } from '@ratchet/lifecycle';
import type { Provenance } from '../services/instance-metadata.js';
import type { IssueCommandDto } from './issue-command.dto.js';

export interface IssueOutcome {
  /** `false` when the same `commandId` with the same body was already issued. */
  readonly created: boolean;
  readonly command: CommandState;
}

/** Issue a command. Idempotent on `commandId`; a different body under the same id is refused. */
export class IssueCommand extends Command<IssueOutcome> {
  constructor(
    readonly request: IssueCommandDto,
    readonly provenance: Provenance & { source?: 'http' | 'bus' } = {},
  ) {
    super();
  }
}
