import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandState } from '@ratchet/lifecycle';
import { CommandNotCancellableError, CommandNotFoundError } from '../errors.js';
import { InstanceMetadata } from '../services/instance-metadata.js';
import { enrichCommandContext, runWithCommand } from '../logging/log-context.js';
import { CommandTransitions } from '../transition/command-transitions.service.js';
import { CancelCommand } from './cancel-command.command.js';

@CommandHandler(CancelCommand)
export class CancelCommandHandler implements ICommandHandler<CancelCommand, CommandState> {
  constructor(
    private readonly transitions: CommandTransitions,
    private readonly meta: InstanceMetadata,
  ) {}

  async execute({ commandId, reason, provenance }: CancelCommand): Promise<CommandState> {
    const metadata = this.meta.build(
      provenance.source ?? 'bus',
      provenance.correlationId ?? commandId,
      provenance.causationId,
    );
    return runWithCommand({ commandId, correlationId: metadata.correlationId }, async () => {
      const r = await this.transitions.apply(commandId, { kind: 'cancel', reason }, metadata);
      if (r.state) enrichCommandContext({ deviceId: r.state.deviceId });
      if (r.outcome === 'rejected') throw new CommandNotCancellableError(r.message, r.state);
      if (!r.state) throw new CommandNotFoundError(commandId);
      return r.state;
    });
  }
}
