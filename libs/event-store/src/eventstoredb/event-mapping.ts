/**
 * Port events ↔ client events. Data and metadata are JSON objects both ways; a missing
 * metadata reads back as `{}` (the port's `RecordedEvent.metadata` is never absent).
 *
 * The port's event id is NOT the server's. EventStoreDB takes an append whose event ids it
 * already holds at that expected revision for an idempotent retry and reports success without
 * writing, so two instances that made the same decision (deterministic ids) would both be told
 * they won. Each append decision therefore writes fresh server ids, and the port's id travels
 * in the metadata (`ratchetEventId`), where reads take it back: a re-sent port id is still
 * recognised by the adapter (see `append.ts`). Events written without it read with the
 * server's id.
 */
import { jsonEvent, type EventData } from '@eventstore/db-client';
import type { NewEvent, RecordedEvent } from '../event-store.port.js';
import type { EsdbRecord } from './eventstoredb-client.js';
import { UnreadableEventError } from './eventstoredb-errors.js';
import { encodePosition, type EsdbPosition } from './position.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

export const PORT_EVENT_ID_KEY = 'ratchetEventId';

/** `serverId`: fresh for every append decision (see above). */
export const toEventData = (event: NewEvent, serverId: string): EventData =>
  jsonEvent({
    id: serverId,
    type: event.type,
    data: { ...event.data },
    metadata: { ...event.metadata, [PORT_EVENT_ID_KEY]: event.id },
  });

const portIdAndMetadata = (
  record: EsdbRecord,
): { id: string; metadata: Record<string, unknown> } => {
  const { [PORT_EVENT_ID_KEY]: portId, ...metadata } =
    (record.metadata as Record<string, unknown> | undefined) ?? {};
  return { id: typeof portId === 'string' ? portId : record.id, metadata };
};

/**
 * The 6.x client always gives a record its position (it reads both fields of the gRPC record,
 * which proto3 never leaves unset); a record without one can only come from another client.
 */
export function toRecordedEvent(record: EsdbRecord): RecordedEvent {
  const where = (reason: string) =>
    new UnreadableEventError(record.streamId, record.revision, reason);
  if (!record.isJson) throw where('its content type is not application/json');
  if (!isPlainObject(record.data)) throw where('its data is not a JSON object');
  if (record.metadata !== undefined && !isPlainObject(record.metadata)) {
    throw where('its metadata is not a JSON object');
  }
  const position: EsdbPosition | undefined = record.position;
  if (!position) throw where('the client returned no log position');
  const { id, metadata } = portIdAndMetadata(record);
  return {
    stream: record.streamId,
    revision: record.revision,
    id,
    type: record.type,
    data: record.data,
    metadata,
    recordedAt: record.created,
    position: encodePosition(position),
  };
}
