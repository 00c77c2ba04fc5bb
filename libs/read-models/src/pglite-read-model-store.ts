import type { PGlite } from '@electric-sql/pglite';
import { PGLITE_PARSERS, PgliteDriver } from '@ratchet/event-store';
import type { ReadModelStore } from './read-model-store.port.js';
import { openSqlReadModelStore, type ReadModelStoreOptions } from './sql-read-model-store.js';

export type PgliteReadModelStoreOptions = ReadModelStoreOptions &
  /**
   * An instance the caller owns: the event store's, when it is PGlite too, since a data
   * directory may be opened by one PGlite instance only. `close()` leaves it open.
   */
  ({ readonly pglite: PGlite } | { readonly dataDir: string } | { readonly memory: true });

/** Read models in embedded PostgreSQL (WebAssembly, in-process). */
export const createPgliteReadModelStore = async (
  options: PgliteReadModelStoreOptions,
): Promise<ReadModelStore> => {
  const open = async () => {
    // Loaded only when chosen: an optional peer dependency.
    const { PGlite } = await import('@electric-sql/pglite');
    const create = { parsers: PGLITE_PARSERS };
    return 'dataDir' in options ? PGlite.create(options.dataDir, create) : PGlite.create(create);
  };
  const driver =
    'pglite' in options
      ? new PgliteDriver(options.pglite, false)
      : new PgliteDriver(await open(), true);
  return openSqlReadModelStore(driver, options);
};
