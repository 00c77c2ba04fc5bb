import type { SqlDriver, SqlStatement } from '@ratchet/event-store';
import type { ReadModelMigration } from './read-model-migrations.js';
import { READ_MODEL_MIGRATIONS } from './read-model-migrations.js';

/** The bytes of 'RtchRdMd': not the event store's key, so the two schemas migrate independently. */
const MIGRATION_LOCK_KEY = '5941483108118580580';

const LOCK: SqlStatement = {
  name: 'ratchet_rm_migration_lock',
  text: 'SELECT pg_advisory_xact_lock($1::bigint)',
};
const APPLIED: SqlStatement = {
  name: 'ratchet_rm_migrations_applied',
  text: 'SELECT version FROM read_model_migrations ORDER BY version',
};
const RECORD: SqlStatement = {
  name: 'ratchet_rm_migration_record',
  text: 'INSERT INTO read_model_migrations (version, name) VALUES ($1, $2)',
};

/**
 * Applies the read-model migrations not yet recorded, in one transaction, under an advisory
 * lock so that instances starting together wait for each other. Returns the versions applied.
 */
export const migrateReadModels = (
  driver: SqlDriver,
  migrations: readonly ReadModelMigration[] = READ_MODEL_MIGRATIONS,
): Promise<number[]> =>
  driver.transaction(async (tx) => {
    await tx.query(LOCK, [MIGRATION_LOCK_KEY]);
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS read_model_migrations (
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
