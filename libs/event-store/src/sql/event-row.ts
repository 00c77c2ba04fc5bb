import type { RecordedEvent } from '../event-store.port.js';
import { encodePosition } from './position.js';

/** The columns every read selects, in the order below. */
export const EVENT_COLUMNS =
  'stream_id, revision, event_id, type, data, metadata, recorded_at, tx_id, position';

/** An `events` row as the drivers return it (int8 and xid8 already bigint). */
export interface EventRow {
  readonly stream_id: string;
  readonly revision: bigint;
  readonly event_id: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
  readonly recorded_at: Date;
  readonly tx_id: bigint;
  readonly position: bigint;
}

export const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  stream: row.stream_id,
  revision: row.revision,
  id: row.event_id,
  type: row.type,
  data: row.data,
  metadata: row.metadata,
  recordedAt: row.recorded_at,
  position: encodePosition({ txId: row.tx_id, position: row.position }),
});
