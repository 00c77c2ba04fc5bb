import { StaleRevisionError } from '../errors.js';
import type { AppendResult, ExpectedRevision, NewEvent } from '../event-store.port.js';
import { eventsJson } from './event-json.js';
import { encodePosition } from './position.js';
import type { SqlExecutor, SqlStatement } from './sql-driver.js';

/** One round trip, and outside a transaction one atomic commit: see schema/append-function.ts. */
const APPEND: SqlStatement = {
  name: 'ratchet_es_append',
  text: 'SELECT * FROM event_store_append($1, $2, $3::jsonb)',
};

interface AppendRow {
  readonly appended: boolean;
  /** The new head, or when not appended the actual one (null: no stream). */
  readonly head_revision: bigint | null;
  readonly head_tx_id: bigint | null;
  readonly last_position: bigint | null;
}

/** Appends to one stream, or throws StaleRevisionError (with the actual revision) and writes nothing. */
export const writeAppend = async (
  executor: SqlExecutor,
  stream: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): Promise<AppendResult> => {
  const [row] = await executor.query<AppendRow>(APPEND, [
    stream,
    typeof expected === 'bigint' ? expected.toString() : expected,
    JSON.stringify(eventsJson(events)),
  ]);
  if (!row.appended || row.head_revision === null) {
    throw new StaleRevisionError(stream, expected, row.head_revision ?? 'no_stream');
  }
  return {
    stream,
    nextExpectedRevision: row.head_revision,
    position: encodePosition({
      txId: row.head_tx_id as bigint,
      position: row.last_position as bigint,
    }),
  };
};
