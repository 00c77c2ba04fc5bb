import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestDatabase } from '../../testing/index.js';
import {
  createTestDatabase,
  isPostgresReachable,
  postgresRequired,
  postgresServerUrl,
} from '../../testing/index.js';
import { createPool, PostgresDriver } from '../postgres-driver.js';
import { migrate } from './migrate.js';
import { EVENT_STORE_MIGRATIONS } from './migrations.js';

const reachable = await isPostgresReachable();
const describeWithPostgres = reachable || postgresRequired() ? describe : describe.skip;
const ALL_VERSIONS = EVENT_STORE_MIGRATIONS.map((m) => m.version);

describeWithPostgres(`event store migrations on PostgreSQL (${postgresServerUrl()})`, () => {
  let database: TestDatabase;
  const drivers: PostgresDriver[] = [];
  const driver = () => {
    const created = new PostgresDriver(
      createPool({ connectionString: database.url, poolSize: 2 }),
      true,
    );
    drivers.push(created);
    return created;
  };

  beforeAll(async () => {
    database = await createTestDatabase('migrations');
  });

  afterAll(async () => {
    await Promise.all(drivers.map((d) => d.close()));
    await database?.drop();
  });

  it('applies each migration once when several instances start together', async () => {
    const applied = await Promise.all(Array.from({ length: 6 }, () => migrate(driver())));
    // The advisory lock serializes them: the first applies everything, the rest nothing.
    expect(applied.filter((versions) => versions.length > 0)).toEqual([ALL_VERSIONS]);
    const rows = await driver().query<{ version: number }>(
      {
        name: 'test_versions',
        text: 'SELECT version FROM event_store_migrations ORDER BY version',
      },
      [],
    );
    expect(rows.map((r) => r.version)).toEqual(ALL_VERSIONS);
  });

  it('applies nothing on a schema that is up to date', async () => {
    expect(await migrate(driver())).toEqual([]);
  });
});
