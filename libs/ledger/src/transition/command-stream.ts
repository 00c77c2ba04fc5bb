import type { EventStore, RecordedEvent } from '@ratchet/event-store';
import {
  type CommandEvent,
  type CommandState,
  EVENT_TYPES,
  fold,
  streamOf,
} from '@ratchet/lifecycle';

/** A stored event that is not a lifecycle event means the stream was written by something else. */
export class CorruptStreamError extends Error {
  override readonly name = 'CorruptStreamError';
  constructor(
    readonly stream: string,
    readonly detail: string,
  ) {
    super(`stream ${stream} is not a command stream: ${detail}`);
  }
}

export function toCommandEvent(e: RecordedEvent): CommandEvent {
  if (!(EVENT_TYPES as string[]).includes(e.type)) {
    throw new CorruptStreamError(
      e.stream,
      `unknown event type ${e.type} at revision ${e.revision}`,
    );
  }
  return { type: e.type, data: e.data } as CommandEvent;
}

/** Fold stored events into the state; the state's revision must be the store's. */
export function foldStream(stream: string, events: readonly RecordedEvent[]): CommandState | null {
  const state = fold(events.map(toCommandEvent));
  const last = events.at(-1);
  if (state && last && state.revision !== last.revision) {
    throw new CorruptStreamError(stream, `revision ${last.revision} but ${events.length} events`);
  }
  return state;
}

/** The command's state as its stream holds it now; `null` when there is no such command. */
export async function readCommand(
  store: EventStore,
  commandId: string,
): Promise<CommandState | null> {
  const stream = streamOf(commandId);
  return foldStream(stream, await store.readStream(stream));
}
