import type { SqlDriver } from '../sql-driver.js';
import type { Migration } from './migrations.js';
import { EVENT_STORE_MIGRATIONS } from './migrations.js';

/** Any constant no other code locks on: the bytes of 'RtchEvSt'. */
const MIGRATION_LOCK_KEY = '5941483107901657972';

const LOCK = {
  name: 'ratchet_es_migration_lock',
  text: 'SELECT pg_advisory_xact_lock($1::bigint)',
};
const APPLIED = {
  name: 'ratchet_es_migrations_applied',
  text: 'SELECT version FROM event_store_migrations ORDER BY version',
};
const RECORD = {
  name: 'ratchet_es_migration_record',
  text: 'INSERT INTO event_store_migrations (version, name) VALUES ($1, $2)',
};

/**
 * Applies the migrations not yet recorded, all in one transaction. The advisory lock makes
 * concurrent starts (several instances booting at once) wait for each other instead of
 * racing on CREATE TABLE; it is released at commit. Returns the versions it applied.
 */
export const migrate = (
  driver: SqlDriver,
  migrations: readonly Migration[] = EVENT_STORE_MIGRATIONS,
): Promise<number[]> =>
  driver.transaction(async (tx) => {
    await tx.query(LOCK, [MIGRATION_LOCK_KEY]);
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS event_store_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const applied = new Set(
      (await tx.query<{ version: number }>(APPLIED, [])).map((row) => row.version),
    );
    const pending = [...migrations]
      .sort((a, b) => a.version - b.version)
      .filter((migration) => !applied.has(migration.version));
    for (const migration of pending) {
      await tx.exec(migration.sql);
      await tx.query(RECORD, [migration.version, migration.name]);
    }
    return pending.map((migration) => migration.version);
  });
