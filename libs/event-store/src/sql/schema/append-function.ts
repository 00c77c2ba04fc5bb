/**
 * Migration 2: a single-stream append as a stored function. Measured against the same logic
 * as one CTE statement: equal on PostgreSQL, twice as fast on PGlite, which plans every
 * statement it is sent but keeps a function's plans for the session. It also answers a stale
 * append with the actual revision in the same round trip.
 *
 * - exact: UPDATE of the head WHERE revision = expected. A concurrent writer holding the row
 *   makes it wait; READ COMMITTED then re-checks the WHERE on the new version: no row, stale.
 * - no_stream: INSERT ... ON CONFLICT DO NOTHING: of concurrent creators the first to commit
 *   wins; the others get no row (no error, so nothing to roll back).
 * - any: upsert, adding the event count to whatever the head was.
 *
 * Output names differ from column names so that PL/pgSQL never has to guess which is meant.
 */
export const APPEND_FUNCTION_SQL = `
CREATE FUNCTION event_store_append(p_stream text, p_expected text, p_events jsonb)
RETURNS TABLE (appended boolean, head_revision bigint, head_tx_id xid8, last_position bigint)
LANGUAGE plpgsql AS $$
DECLARE
  n_events bigint := jsonb_array_length(p_events);
  new_head bigint;
  actual bigint;
  last_pos bigint;
BEGIN
  IF p_expected = 'no_stream' THEN
    INSERT INTO streams AS s (stream_id, revision) VALUES (p_stream, n_events - 1)
    ON CONFLICT (stream_id) DO NOTHING
    RETURNING s.revision INTO new_head;
  ELSIF p_expected = 'any' THEN
    INSERT INTO streams AS s (stream_id, revision) VALUES (p_stream, n_events - 1)
    ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision + n_events
    RETURNING s.revision INTO new_head;
  ELSE
    UPDATE streams AS s SET revision = p_expected::bigint + n_events
     WHERE s.stream_id = p_stream AND s.revision = p_expected::bigint
    RETURNING s.revision INTO new_head;
  END IF;

  IF new_head IS NULL THEN
    -- A new statement takes a new snapshot: it sees the writer that won.
    SELECT s.revision INTO actual FROM streams AS s WHERE s.stream_id = p_stream;
    RETURN QUERY SELECT false, actual, NULL::xid8, NULL::bigint;
    RETURN;
  END IF;

  WITH written AS (
    INSERT INTO events (stream_id, revision, event_id, type, data, metadata)
    SELECT p_stream, new_head - n_events + e.ord, (e.v->>'id')::uuid, e.v->>'type', e.v->'data',
           coalesce(e.v->'metadata', '{}'::jsonb)
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(v, ord)
     ORDER BY e.ord
    RETURNING events.position
  )
  SELECT max(written.position) INTO last_pos FROM written;
  -- The same value the rows got from their tx_id default.
  RETURN QUERY SELECT true, new_head, pg_current_xact_id(), last_pos;
END
$$`;
