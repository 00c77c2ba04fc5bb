import { StaleRevisionError } from '../errors.js';
import type { AppendResult, StreamAppend } from '../event-store.port.js';
import { eventsJson } from './event-json.js';
import { type AppendRow, appendOutcome } from './append.js';
import type { SqlExecutor, SqlStatement } from './sql-driver.js';

/**
 * Group commit: several independent single-stream appends in ONE statement, hence one round
 * trip and one commit. Each element is `event_store_append` (schema/append-function.ts), called
 * in array order: every call is its own guarded append with its own outcome (a stale one writes
 * nothing and does not stop the others), and a later call sees what the earlier ones wrote (a
 * PL/pgSQL function takes a new snapshot per statement), exactly as if they had been sent one
 * after the other. Unlike `appendMany`, nothing here is atomic across streams: the group only
 * shares the commit.
 */
const APPEND_GROUP: SqlStatement = {
  name: 'ratchet_es_append_group',
  text: `
SELECT a.ord, r.appended, r.head_revision, r.head_tx_id, r.last_position
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS a(v, ord)
 CROSS JOIN LATERAL event_store_append(a.v->>'stream', a.v->>'expected', a.v->'events') AS r
 ORDER BY a.ord`,
};

interface GroupRow extends AppendRow {
  readonly ord: bigint | number;
}

/**
 * Runs the group; for each append (same order) its result or its StaleRevisionError. Throws
 * when the statement failed as a whole: then nothing of it was written.
 */
export const writeAppendGroup = async (
  executor: SqlExecutor,
  appends: readonly StreamAppend[],
): Promise<Array<AppendResult | StaleRevisionError>> => {
  const rows = await executor.query<GroupRow>(APPEND_GROUP, [
    JSON.stringify(
      appends.map(({ stream, events, expected }) => ({
        stream,
        expected: typeof expected === 'bigint' ? expected.toString() : expected,
        events: eventsJson(events),
      })),
    ),
  ]);
  if (rows.length !== appends.length) {
    throw new Error(`append group: ${rows.length} outcomes for ${appends.length} appends`);
  }
  return rows.map((row, i) => {
    const { stream, expected } = appends[i]!;
    if (Number(row.ord) !== i + 1) throw new Error(`append group: outcome ${row.ord} at ${i + 1}`);
    return appendOutcome(row, stream, expected);
  });
};
