import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import { type CommandState, decideRetry, nextAttemptId, streamOf } from '@ratchet/lifecycle';
import { CommandNotFoundError } from '../errors.js';
import { Dispatcher } from '../services/dispatcher.service.js';
import { readCommand } from '../transition/command-stream.js';
import { type CommandView, toCommandView } from './command-view.js';
import { GetCommandQuery } from './get-command.query.js';

@QueryHandler(GetCommandQuery)
export class GetCommandHandler implements IQueryHandler<GetCommandQuery, CommandView> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly dispatcher: Dispatcher,
  ) {}

  async execute({ commandId }: GetCommandQuery): Promise<CommandView> {
    const id = commandId.toLowerCase();
    const state = await readCommand(this.store, id);
    if (!state) throw new CommandNotFoundError(id);
    // Why it waits is decided as the dispatcher decides it: on the device stream, read now.
    const waiting = await this.dispatcher.waitingOf(state);
    return toCommandView(state, await this.retriedBy(state), waiting);
  }

  /** The next attempt exists only if its (derived) stream does: no extra event on this one. */
  private async retriedBy(state: CommandState): Promise<string | null> {
    // decideRetry's time does not matter here: only whether a retry is possible at all.
    if (!decideRetry(state, new Date(0))) return null;
    const next = nextAttemptId(state);
    return (await this.store.readStream(streamOf(next))).length > 0 ? next : null;
  }
}
