import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type EventStore,
  createPgliteEventStore,
  createPostgresEventStore,
} from '@ratchet/event-store';
import type { LedgerConfig } from '../config/ledger-config.js';

/** The one place where configuration chooses the event store adapter. */
export async function createEventStore(
  config: LedgerConfig,
): Promise<{ store: EventStore; description: string }> {
  switch (config.store) {
    case 'pglite': {
      const dir = resolve(config.dataDir, 'pglite');
      await mkdir(dir, { recursive: true });
      return {
        store: await createPgliteEventStore({ dataDir: dir }),
        description: `PGlite (embedded) in ${dir}`,
      };
    }
    case 'postgres':
      return {
        store: await createPostgresEventStore({ connectionString: config.databaseUrl! }),
        description: `PostgreSQL at ${redact(config.databaseUrl!)}`,
      };
    case 'eventstoredb': {
      // Loaded only when chosen: the gRPC client is heavy to load.
      const { createEventStoreDbEventStore } = await import('@ratchet/event-store/eventstoredb');
      return {
        store: await createEventStoreDbEventStore({ connectionString: config.eventStoreUrl! }),
        description: `EventStoreDB at ${redact(config.eventStoreUrl!)}`,
      };
    }
  }
}

/** Connection strings may carry passwords; logs must not. */
export const redact = (url: string): string => url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
export const dataPath = (config: LedgerConfig, ...parts: string[]): string =>
  join(resolve(config.dataDir), ...parts);
