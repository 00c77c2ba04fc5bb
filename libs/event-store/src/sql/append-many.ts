import type { AppendResult, StreamAppend } from '../event-store.port.js';
import type { WrittenEvent } from './event-json.js';
import { EVENT_FIELDS, eventsJson, toAppendResult } from './event-json.js';
import type { SqlExecutor, SqlStatement } from './sql-driver.js';

/**
 * Several streams' head updates and event rows in ONE statement (run inside the batch's
 * transaction). Per stream, by expectation:
 *
 * - exact: `UPDATE streams ... WHERE revision = expected`. A concurrent writer holding the row
 *   makes us wait, then READ COMMITTED re-checks the WHERE on the new version: no row, stale.
 * - no_stream: `INSERT ... ON CONFLICT DO NOTHING`: of concurrent creators the first to commit
 *   wins, the others get no row (no error, so no aborted transaction).
 * - any: upsert, adding the event count to whatever the head was.
 *
 * Events are inserted only for the heads that moved, numbered back from the new head. The
 * caller compares the streams returned with those asked: a missing one is stale.
 */
const APPEND_MANY: SqlStatement = {
  name: 'ratchet_es_append_many',
  text: `
WITH input AS (
  SELECT s.ord AS stream_ord,
         s.v->>'stream' AS stream_id,
         s.v->>'kind' AS kind,
         (s.v->>'expected')::bigint AS expected,
         jsonb_array_length(s.v->'events')::bigint AS n,
         s.v->'events' AS events
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS s(v, ord)
), exact AS (
  UPDATE streams AS h SET revision = i.expected + i.n
    FROM input AS i
   WHERE i.kind = 'exact' AND h.stream_id = i.stream_id AND h.revision = i.expected
  RETURNING h.stream_id, h.revision
), created AS (
  INSERT INTO streams (stream_id, revision)
  SELECT stream_id, n - 1 FROM input WHERE kind = 'no_stream'
  ON CONFLICT (stream_id) DO NOTHING
  RETURNING stream_id, revision
), upserted AS (
  INSERT INTO streams AS h (stream_id, revision)
  SELECT stream_id, n - 1 FROM input WHERE kind = 'any'
  ON CONFLICT (stream_id) DO UPDATE SET revision = h.revision + excluded.revision + 1
  RETURNING h.stream_id, h.revision
), heads AS (
  SELECT stream_id, revision FROM exact
  UNION ALL SELECT stream_id, revision FROM created
  UNION ALL SELECT stream_id, revision FROM upserted
), written AS (
  INSERT INTO events (stream_id, revision, event_id, type, data, metadata)
  SELECT h.stream_id, h.revision - i.n + e.ord, ${EVENT_FIELDS}
    FROM heads AS h
    JOIN input AS i USING (stream_id)
    CROSS JOIN LATERAL jsonb_array_elements(i.events) WITH ORDINALITY AS e(v, ord)
   ORDER BY i.stream_ord, e.ord
  RETURNING stream_id, revision, tx_id, position
)
SELECT DISTINCT ON (stream_id) stream_id, revision, tx_id, position
  FROM written
 ORDER BY stream_id, revision DESC`,
};

interface WrittenRow extends WrittenEvent {
  readonly stream_id: string;
}

const toInput = ({ stream, events, expected }: StreamAppend) => ({
  stream,
  kind: typeof expected === 'bigint' ? 'exact' : expected,
  expected: typeof expected === 'bigint' ? expected.toString() : null,
  events: eventsJson(events),
});

/**
 * Runs the batch statement. Returns a result for each stream whose head moved, keyed by
 * stream; a stream absent from the map was stale and got no events: the caller rolls back.
 */
export const writeManyAppends = async (
  executor: SqlExecutor,
  appends: readonly StreamAppend[],
): Promise<Map<string, AppendResult>> => {
  const rows = await executor.query<WrittenRow>(APPEND_MANY, [
    JSON.stringify(appends.map(toInput)),
  ]);
  return new Map(rows.map((row) => [row.stream_id, toAppendResult(row.stream_id, row)]));
};
