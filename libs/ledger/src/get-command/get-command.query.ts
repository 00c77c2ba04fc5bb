import { Query } from '@nestjs/cqrs';
import type { CommandView } from './command-view.js';

/** The current state of one command, read from its stream (read-your-writes). */
export class GetCommandQuery extends Query<CommandView> {
  constructor(readonly commandId: string) {
    super();
  }
}
