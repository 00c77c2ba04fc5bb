import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { InstanceMetadata } from '../instance-metadata.js';
import { CommandTransitions } from '../transition/command-transitions.service.js';
import { ExpireCommand } from './expire-command.command.js';

@CommandHandler(ExpireCommand)
export class ExpireCommandHandler implements ICommandHandler<ExpireCommand> {
  constructor(
    private readonly transitions: CommandTransitions,
    private readonly meta: InstanceMetadata,
  ) {}

  async execute({ commandId }: ExpireCommand) {
    const r = await this.transitions.apply(
      commandId,
      { kind: 'expire' },
      this.meta.build('sweeper', commandId),
    );
    return r.outcome === 'applied'
      ? { outcome: 'expired' as const }
      : { outcome: 'unchanged' as const, reason: r.outcome === 'unchanged' ? r.reason : r.code };
  }
}
