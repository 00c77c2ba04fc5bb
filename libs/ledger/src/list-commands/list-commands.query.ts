import { Query } from '@nestjs/cqrs';
import type { CommandStatus } from '@ratchet/lifecycle';
import type { CommandView } from '../get-command/command-view.js';

export interface CommandList {
  readonly items: readonly CommandView[];
  /** The cursor of the next page (`after`), `null` on the last. */
  readonly next: string | null;
}

export interface ListCommandsCriteria {
  readonly deviceId?: string;
  readonly status?: CommandStatus;
  /** Who issued it (a credential's name, `anonymous`, `system`, a host's principal). */
  readonly issuedBy?: string;
  /** Only the children (and their retries) of this fleet command (a UUID). */
  readonly fleetCommandId?: string;
  /** 1 to 500, default 50. */
  readonly limit?: number;
  /** A previous page's `next`. */
  readonly after?: string | null;
}

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;

/**
 * Commands newest first, from the read model: eventually consistent (a command issued a moment
 * ago may be missing; `GetCommandQuery` reads the stream itself).
 */
export class ListCommandsQuery extends Query<CommandList> {
  constructor(readonly criteria: ListCommandsCriteria = {}) {
    super();
  }
}
