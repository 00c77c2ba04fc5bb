/**
 * catchUp() on PostgreSQL reaches every event committed before the call, also one committed
 * behind an older transaction of the cluster that is still open (readAll stops below it): it
 * waits for that transaction to end instead of stopping short of the head. Tests that share a
 * server with other suites depended on it without knowing (the audit paging test, the fleet
 * controls property test failed in CI).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPostgresEventStore, type EventStore } from '@ratchet/event-store';
import {
  createTestDatabase,
  isPostgresReachable,
  postgresRequired,
  postgresServerUrl,
} from '@ratchet/event-store/testing';
import pg from 'pg';
import { CommandWriter, seconds } from '../../test/command-writer.js';
import { createPostgresReadModelStore } from '../postgres-read-model-store.js';

const COUNT = {
  name: 'test_catch_up_count',
  text: 'SELECT count(*)::int AS n FROM command_status WHERE device_id = $1',
};

const reachable = await isPostgresReachable(postgresServerUrl());
(reachable || postgresRequired() ? describe : describe.skip)(
  'catchUp() and the readable horizon (PostgreSQL)',
  () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let eventStore: EventStore;
    beforeAll(async () => {
      database = await createTestDatabase('catch_up');
      eventStore = await createPostgresEventStore({ connectionString: database.url });
    });
    afterAll(async () => {
      await eventStore?.close();
      await database?.drop();
    });

    it('waits for an older open transaction, then applies what committed behind it', async () => {
      const store = await createPostgresReadModelStore({
        connectionString: database.url,
        eventStore,
      });
      const older = new pg.Client({ connectionString: database.url });
      await older.connect();
      try {
        await older.query('BEGIN');
        await older.query('SELECT pg_current_xact_id()'); // takes a transaction id now
        await new CommandWriter(eventStore).issue('horizon-1', seconds(1));
        let caughtUp = false;
        const catchingUp = store.catchUp().then(() => {
          caughtUp = true;
        });
        await new Promise((r) => setTimeout(r, 300));
        expect(caughtUp).toBe(false);
        await older.query('COMMIT');
        await catchingUp;
        const [row] = await (await older.query<{ n: number }>(COUNT.text, ['horizon-1'])).rows;
        expect(row?.n).toBe(1);
      } finally {
        await older.end();
        await store.close();
      }
    });
  },
);
