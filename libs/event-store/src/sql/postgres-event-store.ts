import type pg from 'pg';
import type { EventStore } from '../event-store.port.js';
import type { PostgresPoolOptions } from './postgres-driver.js';
import { createPool, PostgresDriver } from './postgres-driver.js';
import { migrate } from './schema/migrate.js';
import type { SqlEventStoreOptions } from './sql-event-store.js';
import { SqlEventStore } from './sql-event-store.js';

export type PostgresEventStoreOptions = SqlEventStoreOptions &
  (
    | PostgresPoolOptions
    /** A pool the caller owns and shares (e.g. with read models); `close()` leaves it open. */
    | { readonly pool: pg.Pool }
  ) & {
    /** Apply pending schema migrations first (default true). */
    readonly migrate?: boolean;
  };

/** The production store: PostgreSQL through a `pg` pool. Migrates the schema unless told not to. */
export const createPostgresEventStore = async (
  options: PostgresEventStoreOptions,
): Promise<EventStore> => {
  const driver =
    'pool' in options
      ? new PostgresDriver(options.pool, false)
      : new PostgresDriver(createPool(options), true);
  try {
    if (options.migrate !== false) await migrate(driver);
  } catch (error) {
    await driver.close();
    throw error;
  }
  return new SqlEventStore(driver, options);
};
