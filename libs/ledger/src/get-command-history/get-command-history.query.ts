import { Query } from '@nestjs/cqrs';
import type { RecordedEvent } from '@ratchet/event-store';

/** One event of a command's history, as the API shows it. */
export interface HistoryEventView {
  readonly revision: number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly recordedAt: string;
}

export const toHistoryEventView = (e: RecordedEvent): HistoryEventView => ({
  revision: Number(e.revision),
  type: e.type,
  data: e.data,
  metadata: e.metadata,
  recordedAt: e.recordedAt.toISOString(),
});

export interface CommandHistory {
  readonly commandId: string;
  readonly events: readonly HistoryEventView[];
}

/** A command's whole stream, oldest first: the audit trail. */
export class GetCommandHistoryQuery extends Query<CommandHistory> {
  constructor(readonly commandId: string) {
    super();
  }
}
