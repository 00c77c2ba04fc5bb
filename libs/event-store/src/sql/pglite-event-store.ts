import type { PGlite } from '@electric-sql/pglite';
import type { EventStore } from '../event-store.port.js';
import { PGLITE_PARSERS, PgliteDriver } from './pglite-driver.js';
import { migrate } from './schema/migrate.js';
import type { SqlEventStoreOptions } from './sql-event-store.js';
import { SqlEventStore } from './sql-event-store.js';

export type PgliteEventStoreOptions = SqlEventStoreOptions &
  /** A directory of its own; created (about 3 s) when absent. Survives a process crash, not a power loss. */
  (
    | { readonly dataDir: string }
    | { readonly memory: true }
    /**
     * An instance the caller owns, e.g. shared with read models: a data directory must be
     * opened by one PGlite instance only. `close()` leaves it open.
     */
    | { readonly pglite: PGlite }
  ) & {
    /** Apply pending schema migrations first (default true). */
    readonly migrate?: boolean;
  };

const open = async (options: PgliteEventStoreOptions): Promise<PgliteDriver> => {
  if ('pglite' in options) return new PgliteDriver(options.pglite, false);
  // Loaded only when chosen: an optional peer dependency.
  const { PGlite } = await import('@electric-sql/pglite');
  const create = { parsers: PGLITE_PARSERS };
  const db =
    'dataDir' in options
      ? await PGlite.create(options.dataDir, create)
      : await PGlite.create(create);
  return new PgliteDriver(db, true);
};

/** The embedded store: PostgreSQL in WebAssembly, in-process, one connection. */
export const createPgliteEventStore = async (
  options: PgliteEventStoreOptions,
): Promise<EventStore> => {
  const driver = await open(options);
  try {
    if (options.migrate !== false) await migrate(driver);
  } catch (error) {
    await driver.close();
    throw error;
  }
  // In-process reads cost no round trip: live subscriptions read as soon as they are woken.
  return new SqlEventStore(driver, { subscriptionMinReadIntervalMs: 0, ...options });
};
