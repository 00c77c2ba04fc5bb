import type { EventStore, Position, SqlExecutor, SqlStatement } from '@ratchet/event-store';
import { type LogBatch, type LogEvent, type LogReader, portLogReader } from './log-reader.js';

/**
 * The SQL event store's own read of the global log (libs/event-store read-all.ts: rows below
 * the oldest running transaction, in (tx_id, position) order), selecting only what a fold
 * needs. Through `readAll` a row also costs its metadata's JSON, its time and its event id:
 * ~47,000 events/s on the build machine against ~270,000 here, which is what makes a rebuild
 * of a million events take seconds rather than a minute.
 *
 * It depends on the store's table and position format, so it checks itself against the store
 * on its first read (same events, same positions) and, if they differ, reads through the port
 * from then on. Use it only where the events live in the read models' database.
 */
const READ: SqlStatement = {
  name: 'ratchet_rm_log_read',
  text: `
SELECT stream_id, revision, type, data, tx_id, position,
       CASE WHEN revision = 0 THEN metadata->>'issuedBy' END AS issued_by
  FROM events
 WHERE (tx_id, position) > ($1::xid8, $2::bigint)
   AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
   AND starts_with(stream_id, $3::text)
 ORDER BY tx_id, position
 LIMIT $4`,
};

interface Row {
  readonly stream_id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly tx_id: bigint;
  readonly position: bigint;
  readonly issued_by: string | null;
}

const PATTERN = /^([0-9a-f]{16})-([0-9a-f]{16})$/;
const hex = (n: bigint) => n.toString(16).padStart(16, '0');
const encode = (row: Row) => `${hex(row.tx_id)}-${hex(row.position)}` as Position;
const decode = (position: Position | null): [string, string] | null => {
  if (position === null) return ['0', '0'];
  const match = PATTERN.exec(position);
  return match ? [BigInt(`0x${match[1]}`).toString(), BigInt(`0x${match[2]}`).toString()] : null;
};

const toBatch = (rows: readonly Row[]): LogBatch => ({
  events: rows.map((r): LogEvent => ({
    stream: r.stream_id,
    revision: r.revision,
    type: r.type,
    data: r.data,
    issuedBy: r.issued_by,
  })),
  positionOf: (index) => encode(rows[index] as Row),
});

const NEVER_ANALYZED: SqlStatement = {
  name: 'ratchet_rm_log_never_analyzed',
  text: `SELECT reltuples < 0 AS never FROM pg_class WHERE oid = 'events'::regclass`,
};

/**
 * A table never analyzed has no statistics, and then the planner reads the log by a bitmap
 * scan and a sort of every row after the position instead of the (tx_id, position) index:
 * each batch costs the whole remaining log (measured on PGlite, which has no autovacuum: a
 * million events read at 3,000 a second instead of 100,000). ANALYZE once, if never done.
 */
export const analyzeLogIfNeverAnalyzed = async (db: SqlExecutor): Promise<boolean> => {
  const [row] = await db.query<{ never: boolean }>(NEVER_ANALYZED, []);
  if (!row?.never) return false;
  await db.exec('ANALYZE events');
  return true;
};

export const sqlLogReader = (db: SqlExecutor, store: EventStore): LogReader => {
  const port = portLogReader(store);
  let verdict: 'unchecked' | 'same' | 'different' = 'unchecked';
  const reader: { path: 'port' | 'sql' } & LogReader = {
    path: 'sql',
    async read(after, streamPrefix, limit) {
      const from = verdict === 'different' ? null : decode(after);
      if (!from) return fallBack().read(after, streamPrefix, limit);
      let rows: Row[];
      try {
        if (verdict === 'unchecked') await analyzeLogIfNeverAnalyzed(db);
        rows = await db.query<Row>(READ, [...from, streamPrefix, limit]);
      } catch (error) {
        // No events table here (the store is elsewhere): the port it is.
        if (verdict !== 'unchecked' || (error as { code?: unknown }).code !== '42P01') throw error;
        return fallBack().read(after, streamPrefix, limit);
      }
      if (verdict === 'unchecked' && rows.length > 0) {
        const [first] = await store.readAll({ after, streamPrefix, limit: 1 });
        const mine = rows[0] as Row;
        const same =
          first?.stream === mine.stream_id &&
          first.revision === mine.revision &&
          first.position === encode(mine);
        if (!same) return fallBack().read(after, streamPrefix, limit);
        verdict = 'same';
      }
      return toBatch(rows);
    },
    async readWithin(tx, after, streamPrefix, limit) {
      const from = verdict === 'same' ? decode(after) : null;
      return from ? toBatch(await tx.query<Row>(READ, [...from, streamPrefix, limit])) : null;
    },
  };
  const fallBack = () => {
    verdict = 'different';
    reader.path = 'port';
    return port;
  };
  return reader;
};

const LOG_SIZE: SqlStatement = {
  name: 'ratchet_rm_log_size',
  text: 'SELECT max(position) AS n FROM events',
};

/**
 * About how many events the SQL store holds (the last position: sequence gaps make it a little
 * high), for a progress bar's ETA; `null` where the events are not in this database.
 */
export const estimateLogSize = async (db: SqlExecutor): Promise<number | null> => {
  try {
    const [row] = await db.query<{ n: bigint | null }>(LOG_SIZE, []);
    return row?.n === null || row?.n === undefined ? 0 : Number(row.n);
  } catch {
    return null;
  }
};
