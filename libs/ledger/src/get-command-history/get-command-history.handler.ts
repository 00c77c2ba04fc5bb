import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import { streamOf } from '@ratchet/lifecycle';
import { CommandNotFoundError } from '../errors.js';
import {
  type CommandHistory,
  GetCommandHistoryQuery,
  toHistoryEventView,
} from './get-command-history.query.js';

@QueryHandler(GetCommandHistoryQuery)
export class GetCommandHistoryHandler implements IQueryHandler<
  GetCommandHistoryQuery,
  CommandHistory
> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ commandId }: GetCommandHistoryQuery): Promise<CommandHistory> {
    const id = commandId.toLowerCase();
    const events = await this.store.readStream(streamOf(id));
    if (events.length === 0) throw new CommandNotFoundError(id);
    return {
      commandId: id,
      events: events.map(toHistoryEventView),
    };
  }
}
