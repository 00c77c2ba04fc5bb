import type { Position, ReadAllOptions, RecordedEvent } from '../event-store.port.js';
import type { EventRow } from './event-row.js';
import { EVENT_COLUMNS, toRecordedEvent } from './event-row.js';
import { decodePosition, encodePosition, LOG_START } from './position.js';
import type { SqlExecutor, SqlStatement } from './sql-driver.js';

export const DEFAULT_READ_ALL_LIMIT = 1000;

/**
 * The global log without skips. Sequence values commit out of order, so only rows of
 * transactions older than every running one are read: nothing can still commit below that
 * horizon, hence nothing can appear behind a checkpoint. Ordered by (tx_id, position), the
 * pair the checkpoint encodes.
 */
const READ_ALL: SqlStatement = {
  name: 'ratchet_es_read_all',
  text: `
SELECT ${EVENT_COLUMNS}
  FROM events
 WHERE (tx_id, position) > ($1::xid8, $2::bigint)
   AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
   AND ($3::text IS NULL OR starts_with(stream_id, $3::text))
 ORDER BY tx_id, position
 LIMIT $4`,
};

export const readAll = async (
  executor: SqlExecutor,
  { after, streamPrefix, limit = DEFAULT_READ_ALL_LIMIT }: ReadAllOptions = {},
): Promise<RecordedEvent[]> => {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`readAll limit must be a positive integer, got ${limit}`);
  }
  const from = after ? decodePosition(after) : LOG_START;
  const rows = await executor.query<EventRow>(READ_ALL, [
    from.txId.toString(),
    from.position.toString(),
    streamPrefix || null,
    limit,
  ]);
  return rows.map(toRecordedEvent);
};

/**
 * For subscriptions: scans up to `limit` rows of the log and returns the matching ones plus
 * where the scan stopped, so that a prefix matching few streams does not make every poll
 * rescan all the non-matching events written since its last match. Only the last scanned row
 * comes back when it does not match, to carry its position.
 */
const SCAN_ALL: SqlStatement = {
  name: 'ratchet_es_scan_all',
  text: `
WITH page AS (
  SELECT ${EVENT_COLUMNS}, row_number() OVER (ORDER BY tx_id, position) AS n
    FROM events
   WHERE (tx_id, position) > ($1::xid8, $2::bigint)
     AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
   ORDER BY tx_id, position
   LIMIT $4
)
SELECT ${EVENT_COLUMNS}, n, ($3::text IS NULL OR starts_with(stream_id, $3::text)) AS matches
  FROM page
 WHERE ($3::text IS NULL OR starts_with(stream_id, $3::text)) OR n = (SELECT max(n) FROM page)
 ORDER BY n`,
};

export interface ScannedPage {
  readonly events: RecordedEvent[];
  /** Where the next scan starts: the last row scanned, matching or not. */
  readonly scannedTo: Position | null;
  /** The scan stopped at `limit`: more rows are readable now. */
  readonly full: boolean;
}

export const scanAll = async (
  executor: SqlExecutor,
  { after, streamPrefix, limit = DEFAULT_READ_ALL_LIMIT }: ReadAllOptions,
): Promise<ScannedPage> => {
  const from = after ? decodePosition(after) : LOG_START;
  const rows = await executor.query<EventRow & { n: bigint; matches: boolean }>(SCAN_ALL, [
    from.txId.toString(),
    from.position.toString(),
    streamPrefix || null,
    limit,
  ]);
  const last = rows.at(-1);
  return {
    events: rows.filter((row) => row.matches).map(toRecordedEvent),
    scannedTo: last ? encodePosition({ txId: last.tx_id, position: last.position }) : null,
    full: last !== undefined && last.n === BigInt(limit),
  };
};
