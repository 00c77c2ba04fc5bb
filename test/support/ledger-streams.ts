import type { EventStore, RecordedEvent } from '@ratchet/event-store';
import { checkStream, commandIdOfStream } from '@ratchet/lifecycle';

export const TERMINAL_EVENTS = [
  'CommandExecuted',
  'CommandFailed',
  'CommandTimedOut',
  'CommandCancelled',
  'CommandExpired',
];

/** Every command stream in the store, by command id (the checker's view of the ledger). */
export async function allCommandStreams(store: EventStore): Promise<Map<string, RecordedEvent[]>> {
  await store.settled();
  const byCommand = new Map<string, RecordedEvent[]>();
  for (const e of await store.readAll({ streamPrefix: 'command-', limit: 10_000_000 })) {
    const id = commandIdOfStream(e.stream)!;
    const list = byCommand.get(id) ?? [];
    list.push(e);
    byCommand.set(id, list);
  }
  return byCommand;
}

/** The rules a stream alone can break, plus "exactly one terminal event" once it is closed. */
export function violationsOf(streams: Map<string, RecordedEvent[]>): string[] {
  const found: string[] = [];
  for (const [id, events] of streams) {
    for (const v of checkStream(id, events).violations) found.push(`${id}: ${v.kind} ${v.detail}`);
    const terminals = events.filter((e) => TERMINAL_EVENTS.includes(e.type)).length;
    if (terminals > 1) found.push(`${id}: ${terminals} terminal events`);
  }
  return found;
}

export const typesOf = (events: readonly RecordedEvent[] | undefined): string[] =>
  (events ?? []).map((e) => e.type);
