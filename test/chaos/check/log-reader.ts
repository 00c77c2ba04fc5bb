/**
 * The checker's view of the log: every command stream, read through the store's own global
 * log (readAll), page by page. The follower reads incrementally while the run settles; the
 * final check reads everything again from the start and compares, so an event the global
 * order skipped (a late-committing lower position) would show.
 */
import type { EventStore, Position, RecordedEvent } from '@ratchet/event-store';
import { commandIdOfStream, COMMAND_STREAM_PREFIX } from '@ratchet/lifecycle';

export type Streams = Map<string, RecordedEvent[]>;

const PAGE = 5_000;

export class LogFollower {
  readonly streams: Streams = new Map();
  private position: Position | null = null;
  events = 0;
  lastNewEventAt = Date.now();

  constructor(private readonly store: EventStore) {}

  /** Reads what was appended since the last call; returns how many events. */
  async poll(): Promise<number> {
    let read = 0;
    for (;;) {
      const page = await this.store.readAll({
        after: this.position,
        streamPrefix: COMMAND_STREAM_PREFIX,
        limit: PAGE,
      });
      for (const e of page) {
        const id = commandIdOfStream(e.stream)!;
        const list = this.streams.get(id) ?? [];
        list.push(e);
        this.streams.set(id, list);
      }
      read += page.length;
      if (page.length > 0) this.position = page[page.length - 1]!.position;
      if (page.length < PAGE) break;
    }
    this.events += read;
    if (read > 0) this.lastNewEventAt = Date.now();
    return read;
  }
}

/** Every command stream, from the start of the log. */
export async function readAllStreams(store: EventStore): Promise<Streams> {
  const follower = new LogFollower(store);
  await follower.poll();
  return follower.streams;
}
