import type { LoggerService } from '@nestjs/common';
import {
  type EventStore,
  createPgliteEventStore,
  createPostgresEventStore,
  PGLITE_PARSERS,
} from '@ratchet/event-store';
import {
  type ReadModelStore,
  createPgliteReadModelStore,
  createPostgresReadModelStore,
} from '@ratchet/read-models';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RatchetModuleOptions, StoreKind } from '../options/ratchet.options.js';
import { openRatchetPool } from './postgres-schema.js';

/** What the module runs on, opened from its options; `close` ends what the module opened. */
export interface LedgerStorage {
  readonly eventStore: EventStore;
  readonly readModels: ReadModelStore | null;
  /** One line for the start-up log, without passwords. */
  readonly description: string;
  /** Closes the read models, then the store, then what they shared — only what the module opened. */
  close(): Promise<void>;
}

/** Connection strings may carry passwords; logs must not. */
export const redact = (url: string): string => url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');

const storeKind = (o: RatchetModuleOptions): StoreKind =>
  o.store ?? (o.databaseUrl || o.pool ? 'postgres' : o.eventstoreUrl ? 'eventstoredb' : 'pglite');

/** PGlite is an optional peer: loaded only when chosen. */
const loadPglite = async () => {
  try {
    return (await import('@electric-sql/pglite')).PGlite;
  } catch (e) {
    throw new Error(
      `RatchetModule: the pglite store needs the package @electric-sql/pglite (npm install @electric-sql/pglite): ${String(e)}`,
    );
  }
};

/**
 * Turns the module's options into an event store and read models: ready-made objects are
 * used as given (never closed by the module, but an `eventStore` with `ownsStore`), settings
 * are opened here. Read models go into the store's database unless given or turned off.
 */
export async function openLedgerStorage(
  o: RatchetModuleOptions,
  logger: LoggerService,
): Promise<LedgerStorage> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  const readModelLogger = {
    log: (m: string) => logger.log(m),
    warn: (m: string) => logger.warn(m),
    error: (m: string) => logger.error(m),
  };
  try {
    const wantReadModels = o.readModels !== false;
    const given = o.readModels || null;
    let eventStore: EventStore;
    let readModels: ReadModelStore | null = given;
    let description: string;
    if (o.eventStore) {
      eventStore = o.eventStore;
      if (o.ownsStore) closers.push(() => eventStore.close());
      description = 'the event store given';
      if (wantReadModels && !given) {
        if (o.pool) {
          readModels = await createPostgresReadModelStore({
            pool: o.pool,
            eventStore,
            logger: readModelLogger,
          });
        } else if (o.pglite) {
          readModels = await createPgliteReadModelStore({
            pglite: o.pglite,
            eventStore,
            logger: readModelLogger,
          });
        } else {
          await loadPglite();
          readModels = await createPgliteReadModelStore({
            memory: true,
            eventStore,
            logger: readModelLogger,
          });
          logger.warn(
            'read models in memory (PGlite), rebuilt from the log at every start: give `readModels`, `pool` or `pglite` to keep them',
          );
        }
        closers.push(() => readModels!.close());
      }
      if (given && o.ownsReadModels) closers.push(() => given.close());
      return { eventStore, readModels, description, close };
    }
    switch (storeKind(o)) {
      case 'postgres': {
        if (!o.pool && !o.databaseUrl)
          throw new Error('RatchetModule: the postgres store needs `databaseUrl` (or a `pool`)');
        let schema: string | null = null;
        let pool = o.pool;
        if (!pool) {
          const opened = await openRatchetPool(
            {
              connectionString: o.databaseUrl!,
              ...(o.databaseSchema ? { schema: o.databaseSchema } : {}),
              ...(o.databasePoolSize ? { poolSize: o.databasePoolSize } : {}),
            },
            logger,
          );
          pool = opened.pool;
          schema = opened.schema;
        }
        if (!o.pool) closers.push(() => pool!.end());
        eventStore = await createPostgresEventStore({ pool });
        closers.push(() => eventStore.close());
        if (wantReadModels && !given) {
          readModels = await createPostgresReadModelStore({
            pool,
            eventStore,
            logger: readModelLogger,
          });
          closers.push(() => readModels!.close());
        }
        description = o.pool
          ? 'PostgreSQL (the pool given, in its search_path)'
          : `PostgreSQL at ${redact(o.databaseUrl!)}, schema ${schema}`;
        break;
      }
      case 'pglite': {
        let pglite = o.pglite;
        if (!pglite) {
          const PGlite = await loadPglite();
          const dir = o.dataDir ? resolve(o.dataDir, 'pglite') : null;
          if (dir) await mkdir(dir, { recursive: true });
          // Only the drivers below use it: int8 as bigint for the whole instance, not per query.
          const create = { parsers: PGLITE_PARSERS };
          pglite = dir ? await PGlite.create(dir, create) : await PGlite.create(create);
          const opened = pglite;
          closers.push(() => opened.close());
          description = dir ? `PGlite (embedded) in ${dir}` : 'PGlite (embedded) in memory';
        } else description = 'PGlite (the instance given)';
        eventStore = await createPgliteEventStore({ pglite });
        closers.push(() => eventStore.close());
        if (wantReadModels && !given) {
          readModels = await createPgliteReadModelStore({
            pglite,
            eventStore,
            logger: readModelLogger,
          });
          closers.push(() => readModels!.close());
        }
        break;
      }
      case 'eventstoredb': {
        if (!o.eventstoreUrl)
          throw new Error('RatchetModule: the eventstoredb store needs `eventstoreUrl`');
        // Loaded only when chosen: the gRPC client is heavy to load, and an optional peer.
        const { createEventStoreDbEventStore } = await import('@ratchet/event-store/eventstoredb');
        eventStore = await createEventStoreDbEventStore({ connectionString: o.eventstoreUrl });
        closers.push(() => eventStore.close());
        if (wantReadModels && !given) {
          if (o.pool || o.databaseUrl) {
            readModels = await createPostgresReadModelStore({
              ...(o.pool ? { pool: o.pool } : { connectionString: o.databaseUrl! }),
              eventStore,
              logger: readModelLogger,
            });
          } else {
            await loadPglite();
            const dir = o.dataDir ? resolve(o.dataDir, 'read-models') : null;
            if (dir) await mkdir(dir, { recursive: true });
            readModels = await createPgliteReadModelStore({
              ...(dir ? { dataDir: dir } : { memory: true as const }),
              eventStore,
              logger: readModelLogger,
            });
          }
          closers.push(() => readModels!.close());
        }
        description = `EventStoreDB at ${redact(o.eventstoreUrl)}`;
        break;
      }
    }
    if (given && o.ownsReadModels) closers.push(() => given.close());
    return { eventStore, readModels, description, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
