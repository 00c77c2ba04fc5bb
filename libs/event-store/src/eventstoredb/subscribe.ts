/**
 * Catch-up-then-live over `$all`, filtered on the server by stream prefix. `close()` ends a
 * waiting `for await` loop at once, without relying on how the gRPC stream ends after a
 * cancel.
 */
import { START, excludeSystemEvents, streamNameFilter } from '@eventstore/db-client';
import type { RecordedEvent, SubscribeOptions, Subscription } from '../event-store.port.js';
import type { EsdbClient } from './eventstoredb-client.js';
import { toRecordedEvent } from './event-mapping.js';
import { decodePosition, encodePosition } from './position.js';
import { isWanted } from './read.js';

const CLOSED = Symbol('closed');

export function subscribeToAll(client: EsdbClient, options: SubscribeOptions = {}): Subscription {
  const after = options.after ?? null;
  const subscription = client.subscribeToAll({
    fromPosition: after ? decodePosition(after) : START,
    filter:
      options.streamPrefix !== undefined
        ? streamNameFilter({ prefixes: [options.streamPrefix] })
        : excludeSystemEvents(),
  });
  let signalClosed!: () => void;
  const closed = new Promise<typeof CLOSED>((resolve) => {
    signalClosed = () => resolve(CLOSED);
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    signalClosed();
    return (closing ??= subscription.unsubscribe());
  };

  async function* events(): AsyncGenerator<RecordedEvent> {
    const source = subscription[Symbol.asyncIterator]();
    // Belt and braces: the server starts after `after`, but a duplicate must never pass.
    let floor = after;
    try {
      for (;;) {
        const next = await Promise.race([source.next(), closed]);
        if (next === CLOSED || next.done) return;
        const record = next.value.event;
        if (!record) continue;
        const position = encodePosition(record.position);
        if (floor !== null && position <= floor) continue;
        floor = position;
        // The server filter drops `$` event types only; system streams go here, as in readAll.
        if (!isWanted(record, options.streamPrefix)) continue;
        yield toRecordedEvent(record);
      }
    } finally {
      await close();
      // Not awaited: a source still waiting inside its own next() would only answer return()
      // after that next() settles, which for a quiet filter may be never.
      source.return?.().catch(() => undefined);
    }
  }

  const iterable = events();
  return {
    [Symbol.asyncIterator]: () => iterable,
    close,
  };
}
