import { Command } from '@nestjs/cqrs';

/** A command still `requested` at its `expiresAt` is never sent: it expires. */
export class ExpireCommand extends Command<{
  readonly outcome: 'expired' | 'unchanged';
  readonly reason?: string;
}> {
  constructor(readonly commandId: string) {
    super();
  }
}
