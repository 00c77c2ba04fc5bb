import { StaleRevisionError } from '../errors.js';
import type { ExpectedRevision, Revision, StreamAppend } from '../event-store.port.js';
import type { SqlExecutor, SqlStatement } from './sql-driver.js';

const HEAD: SqlStatement = {
  name: 'ratchet_es_head',
  text: 'SELECT revision FROM streams WHERE stream_id = $1',
};

const EXISTING_IDS: SqlStatement = {
  name: 'ratchet_es_existing_ids',
  text: `SELECT event_id FROM events
          WHERE event_id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid)`,
};

/**
 * The error for a stream whose append did not apply. The actual revision is read after the
 * failed attempt (and after its rollback): the statement's own snapshot may predate the
 * winning writer, so it could not have told.
 */
export const staleRevision = async (
  executor: SqlExecutor,
  stream: string,
  expected: ExpectedRevision,
): Promise<StaleRevisionError> => {
  const [head] = await executor.query<{ revision: Revision }>(HEAD, [stream]);
  return new StaleRevisionError(stream, expected, head ? head.revision : 'no_stream');
};

/**
 * After a unique violation: an event id already in the store (deterministic ids: this was
 * appended before) names its stream. Otherwise the violation came from a concurrent writer
 * that has since rolled back, or from the (stream, revision) backstop; the first stream is
 * named, which is as good as any since none of the batch was written.
 */
export const staleFromUniqueViolation = async (
  executor: SqlExecutor,
  appends: readonly StreamAppend[],
): Promise<StaleRevisionError> => {
  const ids = appends.flatMap(({ events }) => events.map((event) => event.id.toLowerCase()));
  const existing = new Set(
    (await executor.query<{ event_id: string }>(EXISTING_IDS, [JSON.stringify(ids)])).map(
      (row) => row.event_id,
    ),
  );
  const culprit =
    appends.find(({ events }) => events.some((event) => existing.has(event.id.toLowerCase()))) ??
    appends[0];
  return staleRevision(executor, culprit.stream, culprit.expected);
};
