import type { RecordedEvent } from '../event-store.port.js';
import type { EventRow } from './event-row.js';
import { EVENT_COLUMNS, toRecordedEvent } from './event-row.js';
import type { SqlExecutor, SqlStatement } from './sql-driver.js';

/** Every committed event of the stream: a writer re-reading before it decides sees its own writes. */
const READ_STREAM: SqlStatement = {
  name: 'ratchet_es_read_stream',
  text: `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY revision`,
};

/** The tail from a revision on (inclusive): what a cached fold still needs. */
const READ_STREAM_FROM: SqlStatement = {
  name: 'ratchet_es_read_stream_from',
  text: `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND revision >= $2 ORDER BY revision`,
};

export const readStream = async (
  executor: SqlExecutor,
  stream: string,
  fromRevision?: bigint,
): Promise<RecordedEvent[]> =>
  (fromRevision === undefined || fromRevision <= 0n
    ? await executor.query<EventRow>(READ_STREAM, [stream])
    : await executor.query<EventRow>(READ_STREAM_FROM, [stream, fromRevision.toString()])
  ).map(toRecordedEvent);
