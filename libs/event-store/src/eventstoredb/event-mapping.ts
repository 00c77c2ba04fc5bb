/**
 * Port events ↔ client events. Data and metadata are JSON objects both ways; a missing
 * metadata reads back as `{}` (the port's `RecordedEvent.metadata` is never absent).
 */
import { jsonEvent, type EventData } from '@eventstore/db-client';
import type { NewEvent, RecordedEvent } from '../event-store.port.js';
import type { EsdbRecord } from './eventstoredb-client.js';
import { UnreadableEventError } from './eventstoredb-errors.js';
import { encodePosition, type EsdbPosition } from './position.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

export const toEventData = (event: NewEvent): EventData =>
  jsonEvent({
    id: event.id,
    type: event.type,
    data: { ...event.data },
    ...(event.metadata !== undefined ? { metadata: { ...event.metadata } } : {}),
  });

/**
 * `commitPosition` is the resolved event's, used only when the record carries no position
 * (servers before 22.6 omit it on stream reads): prepare is then taken equal to commit, which
 * holds for ordinary (non-transactional) writes.
 */
export function toRecordedEvent(record: EsdbRecord, commitPosition?: bigint): RecordedEvent {
  const where = (reason: string) =>
    new UnreadableEventError(record.streamId, record.revision, reason);
  if (!record.isJson) throw where('its content type is not application/json');
  if (!isPlainObject(record.data)) throw where('its data is not a JSON object');
  if (record.metadata !== undefined && !isPlainObject(record.metadata)) {
    throw where('its metadata is not a JSON object');
  }
  const position: EsdbPosition | undefined =
    record.position ??
    (commitPosition !== undefined
      ? { commit: commitPosition, prepare: commitPosition }
      : undefined);
  if (!position) throw where('the server returned no log position (EventStoreDB 22.6+ does)');
  return {
    stream: record.streamId,
    revision: record.revision,
    id: record.id,
    type: record.type,
    data: record.data,
    metadata: record.metadata ?? {},
    recordedAt: record.created,
    position: encodePosition(position),
  };
}
