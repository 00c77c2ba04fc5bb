import { Command } from '@nestjs/cqrs';

export interface TimeOutOutcome {
  /** `timed_out` when this call closed it; otherwise why nothing changed (`not_due`, `stale`, …). */
  readonly outcome: 'timed_out' | 'unchanged';
  readonly reason?: string;
  /** The next attempt, when the policy retries timeouts. */
  readonly retriedAs?: string;
}

/** Time is an input like any other: it closes the command only if it is still open and due. */
export class TimeOutCommand extends Command<TimeOutOutcome> {
  constructor(readonly commandId: string) {
    super();
  }
}
