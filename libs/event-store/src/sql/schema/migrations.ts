import { APPEND_FUNCTION_SQL } from './append-function.js';

/**
 * Versioned schema changes, applied in order by `migrate`. SQL lives in TS modules because
 * tsc does not copy .sql files into dist. Never edit a released migration: add the next one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const createStreamsAndEvents: Migration = {
  version: 1,
  name: 'create streams and events',
  sql: `
    -- The stream head: the guarded UPDATE on this row is what makes an append conditional.
    -- Fillfactor leaves room for HOT updates, since every append rewrites the head.
    CREATE TABLE streams (
      stream_id text PRIMARY KEY,
      revision  bigint NOT NULL CHECK (revision >= 0)
    ) WITH (fillfactor = 70);

    -- No foreign key to streams: the same statement writes both, and the check would cost
    -- a lookup per event on the hot path.
    CREATE TABLE events (
      position    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      tx_id       xid8 NOT NULL DEFAULT pg_current_xact_id(),
      stream_id   text NOT NULL,
      revision    bigint NOT NULL CHECK (revision >= 0),
      event_id    uuid NOT NULL,
      type        text NOT NULL,
      data        jsonb NOT NULL,
      metadata    jsonb NOT NULL DEFAULT '{}',
      recorded_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT events_stream_revision_key UNIQUE (stream_id, revision),
      CONSTRAINT events_event_id_key UNIQUE (event_id)
    );

    -- The global log is read in (tx_id, position) order, below the oldest running transaction.
    CREATE INDEX events_tx_position_idx ON events (tx_id, position);
  `,
};

const appendFunction: Migration = {
  version: 2,
  name: 'append function',
  sql: APPEND_FUNCTION_SQL,
};

export const EVENT_STORE_MIGRATIONS: readonly Migration[] = [
  createStreamsAndEvents,
  appendFunction,
];
