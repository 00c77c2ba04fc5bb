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

/** What `event_store_append` returns for one append. */
export interface AppendRow {
  readonly appended: boolean;
  /** The new head, or when not appended the actual one (null: no stream). */
  readonly head_revision: bigint | null;
  readonly head_tx_id: bigint | null;
  readonly last_position: bigint | null;
}

/** An append's outcome from its row: its result, or the StaleRevisionError to raise. */
export const appendOutcome = (
  row: AppendRow,
  stream: string,
  expected: ExpectedRevision,
): AppendResult | StaleRevisionError =>
  !row.appended || row.head_revision === null
    ? new StaleRevisionError(stream, expected, row.head_revision ?? 'no_stream')
    : {
        stream,
        nextExpectedRevision: row.head_revision,
        position: encodePosition({
          txId: row.head_tx_id as bigint,
          position: row.last_position as bigint,
        }),
      };

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
  const outcome = appendOutcome(row!, stream, expected);
  if (outcome instanceof StaleRevisionError) throw outcome;
  return outcome;
};
