import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { InstanceMetadata } from '../services/instance-metadata.js';
import { runWithCommand } from '../logging/log-context.js';
import { CommandTransitions } from '../transition/command-transitions.service.js';
import { ExpireCommand } from './expire-command.command.js';

@CommandHandler(ExpireCommand)
export class ExpireCommandHandler implements ICommandHandler<ExpireCommand> {
  constructor(
    private readonly transitions: CommandTransitions,
    private readonly meta: InstanceMetadata,
  ) {}

  async execute({ commandId }: ExpireCommand) {
    const metadata = this.meta.build('sweeper', commandId);
    const r = await runWithCommand({ commandId, correlationId: metadata.correlationId }, () =>
      this.transitions.apply(commandId, { kind: 'expire' }, metadata),
    );
    return r.outcome === 'applied'
      ? { outcome: 'expired' as const }
      : { outcome: 'unchanged' as const, reason: r.outcome === 'unchanged' ? r.reason : r.code };
  }
}
