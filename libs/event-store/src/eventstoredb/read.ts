/**
 * Reads. `readStream` maps a missing stream to `[]`. `readAll` filters by stream prefix on
 * the client side: the 6.x client's `readAll` has no server-side filter (only subscriptions
 * do), so it reads `$all` in pages and keeps what matches. Fine for catching up projections
 * over Ratchet's own store; on a busy shared `$all` prefer `subscribeToAll`.
 */
import {
  FORWARDS,
  START,
  type AllStreamResolvedEvent,
  type ReadPosition,
} from '@eventstore/db-client';
import type { Position, ReadAllOptions, RecordedEvent } from '../event-store.port.js';
import { isStreamNotFound } from './client-errors.js';
import type { EsdbClient, EsdbRecord } from './eventstoredb-client.js';
import { toRecordedEvent } from './event-mapping.js';
import { decodePosition, encodePosition } from './position.js';

export const DEFAULT_READ_ALL_LIMIT = 1000;
export const DEFAULT_READ_PAGE_SIZE = 512;

export async function readStream(
  client: EsdbClient,
  stream: string,
  fromRevision?: bigint,
): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  const from = fromRevision !== undefined && fromRevision > 0n ? { fromRevision } : {};
  try {
    for await (const resolved of client.readStream(stream, { direction: FORWARDS, ...from })) {
      if (resolved.event) events.push(toRecordedEvent(resolved.event));
    }
  } catch (error) {
    if (isStreamNotFound(error)) return [];
    throw error;
  }
  return events;
}

/**
 * Without a prefix, system streams and events (`$`-named: stats, links, metadata) are left
 * out: they are the server's, not the log the port describes.
 */
export const isWanted = (record: EsdbRecord, streamPrefix: string | undefined): boolean =>
  streamPrefix !== undefined
    ? record.streamId.startsWith(streamPrefix)
    : !record.streamId.startsWith('$') && !record.type.startsWith('$');

export async function readAll(
  client: EsdbClient,
  options: ReadAllOptions = {},
  pageSize = DEFAULT_READ_PAGE_SIZE,
): Promise<RecordedEvent[]> {
  const limit = options.limit ?? DEFAULT_READ_ALL_LIMIT;
  const out: RecordedEvent[] = [];
  if (limit <= 0) return out;
  // `fromPosition` is inclusive while the port's `after` is exclusive, and each page restarts
  // at the last event of the previous one: skip everything at or before `floor`.
  // A page of one would only ever return the event it restarts at.
  const size = Math.max(2, pageSize);
  let floor: Position | null = options.after ?? null;
  let from: ReadPosition = floor ? decodePosition(floor) : START;
  for (;;) {
    let seen = 0;
    const page: AsyncIterable<AllStreamResolvedEvent> = client.readAll({
      fromPosition: from,
      maxCount: size,
      direction: FORWARDS,
    });
    for await (const resolved of page) {
      seen += 1;
      const record = resolved.event;
      if (!record) continue;
      const position = encodePosition(record.position);
      if (floor !== null && position <= floor) continue;
      floor = position;
      from = record.position;
      if (!isWanted(record, options.streamPrefix)) continue;
      out.push(toRecordedEvent(record));
      if (out.length >= limit) return out;
    }
    if (seen < size) return out; // the end of the log
  }
}
