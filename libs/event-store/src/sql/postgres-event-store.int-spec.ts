import { describe, it } from '@jest/globals';
import pg from 'pg';
import type { EventStore, NewEvent } from '../event-store.port.js';
import type { EventStoreFixture, HeldAppend } from '../testing/index.js';
import {
  createTestDatabase,
  describeEventStoreContract,
  isPostgresReachable,
  postgresRequired,
  postgresServerUrl,
} from '../testing/index.js';
import { createPostgresEventStore } from './postgres-event-store.js';

const server = postgresServerUrl();
const reachable = await isPostgresReachable(server);

/**
 * Raw SQL on a connection of its own, bypassing the store: the transaction takes its xid and
 * sequence value now and commits when the test says.
 */
const holdAppend = async (url: string, stream: string, event: NewEvent): Promise<HeldAppend> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('INSERT INTO streams (stream_id, revision) VALUES ($1, 0)', [stream]);
  await client.query(
    `INSERT INTO events (stream_id, revision, event_id, type, data, metadata)
     VALUES ($1, 0, $2, $3, $4, $5)`,
    [stream, event.id, event.type, event.data, event.metadata ?? {}],
  );
  const finish = async (command: 'COMMIT' | 'ROLLBACK') => {
    try {
      await client.query(command);
    } finally {
      await client.end();
    }
  };
  return { commit: () => finish('COMMIT'), rollback: () => finish('ROLLBACK') };
};

const setup = async (): Promise<EventStoreFixture> => {
  if (!reachable) throw new Error(`CI=true and PostgreSQL does not answer at ${server}`);
  const database = await createTestDatabase('event_store');
  const open = () =>
    createPostgresEventStore({
      connectionString: database.url,
      poolSize: 10,
      pollIntervalMs: 50,
      subscriptionBatchSize: 16,
    });
  let store: EventStore = await open();
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await open();
      return store;
    },
    beginLateCommit: (stream, event) => holdAppend(database.url, stream, event),
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
};

if (reachable || postgresRequired()) {
  describeEventStoreContract('PostgreSQL', setup, {
    supportsAppendMany: true,
    canReopen: true,
    canForceLateCommit: true,
  });
} else {
  describe.skip(`PostgreSQL event store (no server at ${server}; set CI=true to fail instead)`, () => {
    it('needs PostgreSQL', () => undefined);
  });
}
