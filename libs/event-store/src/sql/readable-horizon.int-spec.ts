/**
 * settled() on a real PostgreSQL: a session left idle in a transaction holds the log's readable
 * horizon, and the error names it instead of waiting without a word.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import {
  createTestDatabase,
  isPostgresReachable,
  postgresRequired,
  postgresServerUrl,
} from '../testing/index.js';
import { createPool, PostgresDriver } from './postgres-driver.js';
import { HorizonTimeoutError, settled } from './readable-horizon.js';

const server = postgresServerUrl();
const reachable = await isPostgresReachable(server);

(reachable || postgresRequired() ? describe : describe.skip)(
  'the readable horizon (PostgreSQL)',
  () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let driver: PostgresDriver;
    beforeAll(async () => {
      database = await createTestDatabase('horizon');
      driver = new PostgresDriver(
        createPool({ connectionString: database.url, poolSize: 2 }),
        true,
      );
    });
    afterAll(async () => {
      await driver?.close();
      await database?.drop();
    });

    it('gives up after its timeout, naming the transaction that holds it', async () => {
      const idle = new pg.Client({ connectionString: database.url });
      await idle.connect();
      try {
        await idle.query('BEGIN');
        const [{ pid }] = (
          await idle.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_current_xact_id()')
        ).rows as [{ pid: number }];
        // A later transaction commits: it is readable only once the idle one ends.
        await driver.query({ name: 'test_commit_one', text: 'SELECT pg_current_xact_id()' }, []);
        const error = await settled(driver, { timeoutMs: 150 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(HorizonTimeoutError);
        expect((error as Error).message).toContain(`pid ${pid} on database`);
        expect((error as Error).message).toContain('idle in transaction');
      } finally {
        await idle.query('ROLLBACK');
        await idle.end();
      }
      await expect(settled(driver, { timeoutMs: 1000 })).resolves.toBeUndefined();
    });
  },
);
