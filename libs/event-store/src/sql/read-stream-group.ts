import type { RecordedEvent } from '../event-store.port.js';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './event-row.js';
import type { SqlExecutor, SqlStatement } from './sql-driver.js';

/** One stream read of a group: the stream, and the first revision wanted (0 for all). */
export interface StreamRead {
  readonly stream: string;
  readonly fromRevision: bigint;
}

/**
 * Several stream reads in ONE statement (the read twin of append-group.ts): one round trip,
 * one socket write and one statement on the server for reads that were waiting together. Each
 * read gets exactly what `readStream` alone would have returned at that instant (its stream's
 * events from its revision on, in revision order); the same stream may be asked twice.
 */
const READ_STREAM_GROUP: SqlStatement = {
  name: 'ratchet_es_read_stream_group',
  // LATERAL: one index range scan per read, whatever the planner guesses of the arrays' sizes.
  text: `
SELECT r.ord, e.*
  FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS r(stream_id, from_revision, ord)
 CROSS JOIN LATERAL (
       SELECT ${EVENT_COLUMNS} FROM events
        WHERE events.stream_id = r.stream_id AND events.revision >= r.from_revision
        ORDER BY events.revision) AS e
 ORDER BY r.ord, e.revision`,
};

interface GroupRow extends EventRow {
  readonly ord: bigint | number | string;
}

/** For each read (same order), its events. Throws when the statement failed: no read has an answer. */
export const readStreamGroup = async (
  executor: SqlExecutor,
  reads: readonly StreamRead[],
): Promise<RecordedEvent[][]> => {
  const rows = await executor.query<GroupRow>(READ_STREAM_GROUP, [
    reads.map((r) => r.stream),
    reads.map((r) => (r.fromRevision > 0n ? r.fromRevision : 0n).toString()),
  ]);
  const answers: RecordedEvent[][] = reads.map(() => []);
  for (const row of rows) {
    const i = Number(row.ord) - 1;
    const answer = answers[i];
    if (!answer) throw new Error(`stream read group: row for read ${row.ord} of ${reads.length}`);
    answer.push(toRecordedEvent(row));
  }
  return answers;
};
