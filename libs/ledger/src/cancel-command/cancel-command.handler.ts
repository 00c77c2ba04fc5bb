import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandState } from '@ratchet/lifecycle';
import {
  CommandNotCancellableError,
  CommandNotFoundError,
  InvalidRequestError,
} from '../errors.js';
import { InstanceMetadata, issuerProblem } from '../services/instance-metadata.js';
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
    const issuer = provenance.issuedBy === undefined ? null : issuerProblem(provenance.issuedBy);
    if (issuer) throw new InvalidRequestError([issuer]);
    const metadata = this.meta.build(
      provenance.source ?? 'bus',
      provenance.correlationId ?? commandId,
      provenance.causationId,
      provenance.issuedBy === undefined ? undefined : { issuedBy: provenance.issuedBy },
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
