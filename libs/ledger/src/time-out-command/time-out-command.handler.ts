import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { InstanceMetadata } from '../services/instance-metadata.js';
import { runWithCommand } from '../logging/log-context.js';
import { RetryScheduler } from '../services/retry-scheduler.service.js';
import { CommandTransitions } from '../transition/command-transitions.service.js';
import { TimeOutCommand, type TimeOutOutcome } from './time-out-command.command.js';

@CommandHandler(TimeOutCommand)
export class TimeOutCommandHandler implements ICommandHandler<TimeOutCommand, TimeOutOutcome> {
  constructor(
    private readonly transitions: CommandTransitions,
    private readonly retries: RetryScheduler,
    private readonly meta: InstanceMetadata,
  ) {}

  async execute({ commandId }: TimeOutCommand): Promise<TimeOutOutcome> {
    const metadata = this.meta.build('sweeper', commandId);
    const r = await runWithCommand({ commandId, correlationId: metadata.correlationId }, () =>
      this.transitions.apply(commandId, { kind: 'time_out' }, metadata),
    );
    if (r.outcome !== 'applied')
      return { outcome: 'unchanged', reason: r.outcome === 'unchanged' ? r.reason : r.code };
    const retry = await this.retries.retryIfDue(r.state);
    return { outcome: 'timed_out', ...(retry.retried ? { retriedAs: retry.commandId } : {}) };
  }
}
