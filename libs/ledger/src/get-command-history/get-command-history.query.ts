import { Query } from '@nestjs/cqrs';

export interface CommandHistory {
  readonly commandId: string;
  readonly events: readonly {
    readonly revision: number;
    readonly type: string;
    readonly data: unknown;
    readonly metadata: unknown;
    readonly recordedAt: string;
  }[];
}

/** A command's whole stream, oldest first: the audit trail. */
export class GetCommandHistoryQuery extends Query<CommandHistory> {
  constructor(readonly commandId: string) {
    super();
  }
}
