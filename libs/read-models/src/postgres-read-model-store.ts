import type pg from 'pg';
import { createPool, PostgresDriver, type PostgresPoolOptions } from '@ratchet/event-store';
import type { ReadModelStore } from './read-model-store.port.js';
import { openSqlReadModelStore, type ReadModelStoreOptions } from './sql-read-model-store.js';

export type PostgresReadModelStoreOptions = ReadModelStoreOptions &
  /** A pool the caller owns, e.g. the event store's; `close()` leaves it open. */
  ({ readonly pool: pg.Pool } | PostgresPoolOptions);

/** Read models in PostgreSQL, in the tables of `READ_MODEL_MIGRATIONS`. */
export const createPostgresReadModelStore = (
  options: PostgresReadModelStoreOptions,
): Promise<ReadModelStore> => {
  const driver =
    'pool' in options
      ? new PostgresDriver(options.pool, false)
      : new PostgresDriver(createPool(options), true);
  return openSqlReadModelStore(driver, options);
};
