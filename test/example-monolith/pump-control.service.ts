import { Injectable } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  CancelCommand,
  type CommandView,
  GetCommandHistoryQuery,
  GetCommandQuery,
  IssueCommand,
} from '@ratchet/ledger';

/** A service of the host application: it speaks to devices only through the ledger's bus. */
@Injectable()
export class PumpControlService {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  async setSpeed(pumpId: string, rpm: number, idempotencyKey?: string): Promise<string> {
    const { command } = await this.commands.execute(
      new IssueCommand({
        commandId: idempotencyKey,
        deviceId: pumpId,
        name: 'set-speed',
        payload: { rpm },
      }),
    );
    return command.commandId;
  }

  cancel(commandId: string) {
    return this.commands.execute(new CancelCommand(commandId, 'operator changed their mind'));
  }

  status(commandId: string): Promise<CommandView> {
    return this.queries.execute(new GetCommandQuery(commandId));
  }

  history(commandId: string) {
    return this.queries.execute(new GetCommandHistoryQuery(commandId));
  }
}
