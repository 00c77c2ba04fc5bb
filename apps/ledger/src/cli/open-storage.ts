import { PGlite } from '@electric-sql/pglite';
import {
  createPgliteEventStore,
  createPool,
  createPostgresEventStore,
  type EventStore,
  PgliteDriver,
  PostgresDriver,
  type SqlDriver,
} from '@ratchet/event-store';
import {
  estimateLogSize,
  type LogReader,
  migrateReadModels,
  portLogReader,
  sqlLogReader,
} from '@ratchet/read-models';
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openRatchetPool } from '@ratchet/ledger';
import type { LedgerConfig } from '../config/ledger-config.js';
import { pgliteOptions } from '../infrastructure/pglite-options.js';
import { findPgliteHolder, StoreInUseError } from './pglite-in-use.js';

/** What the tools work on: the log, the read models' database, and how to read the one fast. */
export interface CliStorage {
  readonly store: EventStore;
  readonly driver: SqlDriver;
  readonly log: LogReader;
  readonly description: string;
  /** About how many events the log holds (for an ETA); `null` if unknown. */
  estimateEvents(): Promise<number | null>;
  close(): Promise<void>;
}

/** The store is not there, or does not answer: the CLI exits with code 3. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
}

const redact = (url: string): string => url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');

const openPglite = async (dir: string, config: LedgerConfig): Promise<PGlite> => {
  const exists = await access(dir).then(
    () => true,
    () => false,
  );
  // Opening an absent directory would create an empty store (and take seconds): never what an
  // operator meant.
  if (!exists) {
    throw new StorageError(
      `no embedded store in ${dir}: set LEDGER_DATA_DIR to the service's data directory (default ./data)`,
    );
  }
  const holder = await findPgliteHolder(dir);
  if (holder) throw new StoreInUseError(dir, holder);
  return PGlite.create(dir, pgliteOptions(config));
};

/**
 * As the service opens them (infrastructure/create-event-store.ts): the same configuration,
 * the read models beside the events in one PGlite instance or one pool, or, for EventStoreDB,
 * in PostgreSQL or PGlite. Runs the pending migrations, as the service does at start.
 */
export async function openStorage(config: LedgerConfig): Promise<CliStorage> {
  switch (config.store) {
    case 'pglite': {
      const dir = resolve(config.dataDir, 'pglite');
      const pglite = await openPglite(dir, config);
      try {
        const store = await createPgliteEventStore({ pglite });
        const driver = new PgliteDriver(pglite, false);
        await migrateReadModels(driver);
        return {
          store,
          driver,
          log: sqlLogReader(driver, store),
          description: `PGlite in ${dir}`,
          estimateEvents: () => estimateLogSize(driver),
          close: async () => {
            await store.close();
            await pglite.close();
          },
        };
      } catch (error) {
        await pglite.close();
        throw error;
      }
    }
    case 'postgres': {
      const { pool, schema } = await openRatchetPool(
        {
          connectionString: config.databaseUrl!,
          poolSize: 8,
          ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
        },
        // The CLI's stdout is its output (an export): notes go to stderr.
        {
          log: () => undefined,
          warn: (m: string) => process.stderr.write(`${m}\n`),
          error: (m: string) => process.stderr.write(`${m}\n`),
        },
      ).catch((error: unknown) => {
        throw new StorageError(
          `PostgreSQL at ${redact(config.databaseUrl!)}: ${(error as Error).message}`,
        );
      });
      try {
        const store = await createPostgresEventStore({ pool });
        const driver = new PostgresDriver(pool, false);
        await migrateReadModels(driver);
        return {
          store,
          driver,
          log: sqlLogReader(driver, store),
          description: `PostgreSQL at ${redact(config.databaseUrl!)}, schema ${schema}`,
          estimateEvents: () => estimateLogSize(driver),
          close: async () => {
            await store.close();
            await pool.end();
          },
        };
      } catch (error) {
        await pool.end();
        throw new StorageError(
          `PostgreSQL at ${redact(config.databaseUrl!)}: ${(error as Error).message}`,
        );
      }
    }
    case 'eventstoredb': {
      const { createEventStoreDbEventStore } = await import('@ratchet/event-store/eventstoredb');
      const store = await createEventStoreDbEventStore({ connectionString: config.eventStoreUrl! });
      let driver: SqlDriver | undefined;
      let where: string;
      try {
        if (config.databaseUrl) {
          driver = new PostgresDriver(createPool({ connectionString: config.databaseUrl }), true);
          where = `PostgreSQL at ${redact(config.databaseUrl)}`;
        } else {
          const dir = resolve(config.dataDir, 'read-models');
          driver = new PgliteDriver(await openPglite(dir, config), true);
          where = `PGlite in ${dir}`;
        }
        await migrateReadModels(driver);
      } catch (error) {
        await driver?.close();
        await store.close();
        throw error;
      }
      const readModels = driver;
      return {
        store,
        driver: readModels,
        log: portLogReader(store),
        description: `EventStoreDB at ${redact(config.eventStoreUrl!)}, read models in ${where}`,
        estimateEvents: async () => null,
        close: async () => {
          await store.close();
          await readModels.close();
        },
      };
    }
  }
}
