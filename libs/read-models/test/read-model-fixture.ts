import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import {
  type EventStore,
  PgliteDriver,
  PostgresDriver,
  type SqlDriver,
  createPgliteEventStore,
  createPostgresEventStore,
} from '@ratchet/event-store';
import {
  createTestDatabase,
  isPostgresReachable,
  postgresRequired,
  postgresServerUrl,
} from '@ratchet/event-store/testing';
import pg from 'pg';
import {
  createPgliteReadModelStore,
  createPostgresReadModelStore,
  type ReadModelStore,
  type ReadModelStoreOptions,
} from '@ratchet/read-models';

type OpenOptions = Partial<Omit<ReadModelStoreOptions, 'eventStore'>>;

/** One event store and its database; read-model stores opened on it as instances would. */
export interface ReadModelFixture {
  readonly eventStore: EventStore;
  /** The read models' database, for direct SQL in assertions. */
  readonly driver: SqlDriver;
  /** Another "instance": its own store object (and pool, for PostgreSQL) on the same database. */
  open(options?: OpenOptions): Promise<ReadModelStore>;
  cleanup(): Promise<void>;
}

const FAST = { pollIntervalMs: 20 } as const;

/** PGlite in memory, one instance shared by the event store and every read-model store. */
const pgliteFixture = async (): Promise<ReadModelFixture> => {
  const pglite = await PGlite.create();
  const eventStore = await createPgliteEventStore({ pglite, ...FAST });
  const opened: ReadModelStore[] = [];
  return {
    eventStore,
    driver: new PgliteDriver(pglite, false),
    open: async (options = {}) => {
      const store = await createPgliteReadModelStore({ pglite, eventStore, ...options });
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      await Promise.all(opened.map((s) => s.close()));
      await eventStore.close();
      await pglite.close();
    },
  };
};

/** A database of its own on the test server, dropped afterwards. */
const postgresFixture = async (): Promise<ReadModelFixture> => {
  const database = await createTestDatabase('read_models');
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  // pool.end() does not wait for its sockets to close; the DROP ... WITH (FORCE) that follows
  // then terminates them, which an idle client reports as an error.
  pool.on('error', () => undefined);
  const eventStore = await createPostgresEventStore({ pool, ...FAST });
  const opened: ReadModelStore[] = [];
  return {
    eventStore,
    driver: new PostgresDriver(pool, false),
    open: async (options = {}) => {
      const connectionString = database.url;
      const store = await createPostgresReadModelStore({
        connectionString,
        poolSize: 3,
        eventStore,
        ...options,
      });
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      await Promise.all(opened.map((s) => s.close()));
      await eventStore.close();
      await pool.end();
      await database.drop();
    },
  };
};

const server = postgresServerUrl();
const reachable = await isPostgresReachable(server);

/**
 * Runs `body` against PGlite and against PostgreSQL. Without a server PostgreSQL is skipped,
 * except under CI=true, where the setup fails (a missing database must not pass quietly).
 */
export const describeOnBothDatabases = (
  title: string,
  body: (fixture: () => ReadModelFixture) => void,
): void => {
  const variants: [string, () => Promise<ReadModelFixture>][] = [['PGlite', pgliteFixture]];
  if (reachable || postgresRequired()) {
    variants.push([
      'PostgreSQL',
      async () => {
        if (!reachable) throw new Error(`CI=true and PostgreSQL does not answer at ${server}`);
        return postgresFixture();
      },
    ]);
  } else {
    describe.skip(`${title} (PostgreSQL: no server at ${server}; CI=true fails instead)`, () => {
      it('needs PostgreSQL', () => undefined);
    });
  }
  for (const [label, setup] of variants) {
    describe(`${title} (${label})`, () => {
      let fixture: ReadModelFixture | undefined;
      beforeAll(async () => {
        fixture = await setup();
      });
      afterAll(() => fixture?.cleanup());
      body(() => fixture as ReadModelFixture);
    });
  }
};
