import { PGlite } from '@electric-sql/pglite';
import type { LoggerService } from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type EventStore,
  createPgliteEventStore,
  createPostgresEventStore,
} from '@ratchet/event-store';
import {
  type ReadModelLogger,
  type ReadModelStore,
  createPgliteReadModelStore,
  createPostgresReadModelStore,
} from '@ratchet/read-models';
import { openRatchetPool } from '@ratchet/ledger';
import type { LedgerConfig } from '../config/ledger-config.js';
import { pgliteOptions } from './pglite-options.js';

/** Where events and read models live. The module closes both; `close` ends what they share. */
export interface LedgerStorage {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly description: string;
  /** Closes the shared PGlite instance or pg pool, after the store and read models closed. */
  close(): Promise<void>;
}

const nothing = async () => undefined;

/** Opens the pieces in order; if one fails, what was opened is closed again. */
const assemble = async (
  openStore: () => Promise<EventStore>,
  openReadModels: (store: EventStore) => Promise<ReadModelStore>,
  close: () => Promise<void>,
  description: string,
): Promise<LedgerStorage> => {
  let store: EventStore | undefined;
  try {
    store = await openStore();
    return { store, readModels: await openReadModels(store), description, close };
  } catch (error) {
    await store?.close();
    await close();
    throw error;
  }
};

/**
 * The one place where configuration chooses the event store adapter and where the read models
 * live: beside the events in the same database (one PGlite instance, since a data directory
 * may be opened by one instance only; one pg pool), or, for EventStoreDB, in PostgreSQL when
 * DATABASE_URL is set and else in PGlite under the data directory.
 */
export async function createEventStore(
  config: LedgerConfig,
  logger: LoggerService & ReadModelLogger,
): Promise<LedgerStorage> {
  const onIdleError = (e: Error) => logger.warn(`PostgreSQL connection lost: ${e.message}`);
  switch (config.store) {
    case 'pglite': {
      const dir = resolve(config.dataDir, 'pglite');
      await mkdir(dir, { recursive: true });
      const pglite = await PGlite.create(dir, pgliteOptions(config));
      return assemble(
        () => createPgliteEventStore({ pglite }),
        (eventStore) => createPgliteReadModelStore({ pglite, eventStore, logger }),
        () => pglite.close(),
        `PGlite (embedded) in ${dir}, read models beside the events`,
      );
    }
    case 'postgres': {
      const { pool, schema } = await openRatchetPool(
        {
          connectionString: config.databaseUrl!,
          ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
        },
        logger,
      );
      return assemble(
        () => createPostgresEventStore({ pool }),
        (eventStore) => createPostgresReadModelStore({ pool, eventStore, logger }),
        () => pool.end(),
        `PostgreSQL at ${redact(config.databaseUrl!)}, schema ${schema}, read models beside the events`,
      );
    }
    case 'eventstoredb': {
      // Loaded only when chosen: the gRPC client is heavy to load.
      const { createEventStoreDbEventStore } = await import('@ratchet/event-store/eventstoredb');
      const dir = resolve(config.dataDir, 'read-models');
      if (!config.databaseUrl) await mkdir(dir, { recursive: true });
      return assemble(
        () => createEventStoreDbEventStore({ connectionString: config.eventStoreUrl! }),
        (eventStore) =>
          config.databaseUrl
            ? createPostgresReadModelStore({
                connectionString: config.databaseUrl,
                onIdleError,
                eventStore,
                logger,
              })
            : createPgliteReadModelStore({ dataDir: dir, eventStore, logger }),
        nothing, // the read models own their database here, and close it themselves
        `EventStoreDB at ${redact(config.eventStoreUrl!)}, read models in ${
          config.databaseUrl ? `PostgreSQL at ${redact(config.databaseUrl)}` : `PGlite in ${dir}`
        }`,
      );
    }
  }
}

/** Connection strings may carry passwords; logs must not. */
export const redact = (url: string): string => url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
export const dataPath = (config: LedgerConfig, ...parts: string[]): string =>
  join(resolve(config.dataDir), ...parts);
