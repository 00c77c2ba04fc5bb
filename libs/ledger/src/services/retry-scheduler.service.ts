import { Injectable, Logger } from '@nestjs/common';
import { type CommandState, decideRetry } from '@ratchet/lifecycle';
import { LedgerClock } from './ledger-clock.js';
import { Dispatcher } from './dispatcher.service.js';
import { InstanceMetadata } from './instance-metadata.js';
import { runWithCommand } from '../logging/log-context.js';
import { CommandTransitions } from '../transition/command-transitions.service.js';

export type RetryOutcome =
  | { readonly retried: false }
  | { readonly retried: true; readonly commandId: string; readonly created: boolean };

/**
 * A closed attempt whose status its policy lists becomes a new command with a derived id. The
 * append is at `no_stream`: when two instances both decide to retry, one creates the command
 * and the other's append is stale and converges as a duplicate. A crash between the close and
 * the retry is repaired by the sweeper, which finds attempts due a retry in the read model.
 */
@Injectable()
export class RetryScheduler {
  private readonly logger = new Logger('Retry');

  constructor(
    private readonly transitions: CommandTransitions,
    private readonly dispatcher: Dispatcher,
    private readonly meta: InstanceMetadata,
    private readonly clock: LedgerClock,
  ) {}

  async retryIfDue(closed: CommandState): Promise<RetryOutcome> {
    const next = decideRetry(closed, this.clock.now());
    if (!next) return { retried: false };
    const metadata = this.meta.build('retry', closed.rootCommandId, closed.commandId);
    // The new attempt is another command: its lines carry its own ids, not the closed one's.
    const inNext = <T>(fn: () => T): T =>
      runWithCommand(
        {
          commandId: next.commandId,
          deviceId: next.deviceId,
          correlationId: metadata.correlationId,
        },
        fn,
      );
    const r = await inNext(() =>
      this.transitions.apply(next.commandId, { kind: 'issue', command: next }, metadata),
    );
    if (r.outcome === 'rejected') {
      // Same derived id, different body: only a corrupted ledger can get here.
      this.logger.error(
        `command=${closed.commandId} retry ${next.commandId} refused: ${r.message}`,
      );
      return { retried: false };
    }
    const created = r.outcome === 'applied';
    if (created) {
      this.logger.log(
        `command=${closed.commandId} ${closed.status}: retried as ${next.commandId} (attempt ${next.attempt} of ${next.retry.maxAttempts})`,
      );
    }
    // Dispatch even when another instance created it: a dispatch of a sent command is a no-op.
    inNext(() => this.dispatcher.dispatchInBackground(next.commandId, closed.rootCommandId));
    return { retried: true, commandId: next.commandId, created };
  }
}
