/**
 * The EventStore port over EventStoreDB 20+ / KurrentDB, through `@eventstore/db-client`.
 * Thin on purpose: each operation is its own module; this file only wires them.
 */
import { EventStoreDBClient } from '@eventstore/db-client';
import type { EventStore } from '../event-store.port.js';
import { append, appendMany } from './append.js';
import { isStreamNotFound } from './client-errors.js';
import type { EsdbClient } from './eventstoredb-client.js';
import { DEFAULT_READ_PAGE_SIZE, readAll, readStream } from './read.js';
import { subscribeToAll } from './subscribe.js';

export interface EventStoreDbEventStoreOptions {
  /** E.g. `esdb://localhost:2113?tls=false` (EVENTSTORE_URL). */
  readonly connectionString: string;
  /** Events fetched per `$all` page by `readAll`; default 512. */
  readonly readPageSize?: number;
  /** Read the stream before non-creating appends to refuse re-sent event ids; default true. */
  readonly detectResentEvents?: boolean;
}

/** The adapter over a client you built yourself (custom TLS, or a stand-in in tests). */
export function eventStoreOverEsdbClient(
  client: EsdbClient,
  options: Omit<EventStoreDbEventStoreOptions, 'connectionString'> = {},
): EventStore {
  const appendOptions = { detectResentEvents: options.detectResentEvents ?? true };
  const pageSize = options.readPageSize ?? DEFAULT_READ_PAGE_SIZE;
  return {
    append: (stream, events, expected) => append(client, stream, events, expected, appendOptions),
    appendMany: (appends) => appendMany(client, appends, appendOptions),
    readStream: (stream, options) => readStream(client, stream, options?.fromRevision),
    readAll: (readOptions) => readAll(client, readOptions, pageSize),
    // $all is read up to the last committed event: nothing to wait for.
    settled: () => Promise.resolve(),
    subscribeToAll: (subscribeOptions) => subscribeToAll(client, subscribeOptions),
    ping: async () => {
      // Any round trip will do; a stream read needs only ordinary user rights ($all needs ops).
      try {
        for await (const _ of client.readStream('ratchet-ping', { maxCount: 1 })) break;
      } catch (error) {
        if (!isStreamNotFound(error)) throw error;
      }
    },
    close: () => client.dispose(),
  };
}

/** Connects lazily: the first operation opens the gRPC channel. */
export async function createEventStoreDbEventStore(
  options: EventStoreDbEventStoreOptions,
): Promise<EventStore> {
  const client = EventStoreDBClient.connectionString(options.connectionString);
  return eventStoreOverEsdbClient(client, options);
}
