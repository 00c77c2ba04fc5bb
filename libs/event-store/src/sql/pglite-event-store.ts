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

/**
 * How live subscriptions read a PGlite store unless told otherwise. A data directory is open in
 * one process only, and every append of this store wakes its subscriptions at once, so the
 * poll is a safety net (for another store object on the same instance), not the way events
 * arrive. Each read, and the projection transaction of each page it returns, runs on PGlite's
 * one connection and the process's one thread: read at most every 25 ms, so that under load
 * an interval's events come as one page instead of a read per append and per subscription
 * (which kept a core busy at 25 commands/s).
 */
export const PGLITE_SUBSCRIPTION_DEFAULTS = {
  pollIntervalMs: 1000,
  subscriptionMinReadIntervalMs: 25,
} as const satisfies SqlEventStoreOptions;

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
  // Statements start at once: PGlite answers in microtasks, so an append deferred to the end
  // of the turn would wait for any in-process read loop to finish.
  return new SqlEventStore(driver, {
    ...PGLITE_SUBSCRIPTION_DEFAULTS,
    groupWithinTurn: false,
    ...options,
  });
};
