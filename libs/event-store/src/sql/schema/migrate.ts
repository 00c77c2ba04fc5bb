import type { SqlDriver, SqlStatement } from '../sql-driver.js';
import type { Migration } from './migrations.js';
import { EVENT_STORE_MIGRATIONS } from './migrations.js';

/** Where a schema records its applied migrations, and the advisory lock its starts share. */
export interface MigrationLedger {
  /** The table of applied versions, e.g. `event_store_migrations`. */
  readonly table: string;
  /** A bigint (as a string) no other code locks on; each schema its own, so they migrate apart. */
  readonly lockKey: string;
  /** Prefix of the prepared statements' names, e.g. `ratchet_es`. */
  readonly statementPrefix: string;
}

const EVENT_STORE_SCHEMA: MigrationLedger = {
  table: 'event_store_migrations',
  // The bytes of 'RtchEvSt'.
  lockKey: '5941483107901657972',
  statementPrefix: 'ratchet_es',
};

/**
 * Applies the migrations not yet recorded in `ledger.table`, all in one transaction. The
 * advisory lock makes concurrent starts (several instances booting at once) wait for each
 * other instead of racing on CREATE TABLE; it is released at commit. Returns the versions it
 * applied. The event store and the read models each run their own list through it.
 */
export const runMigrations = (
  driver: SqlDriver,
  ledger: MigrationLedger,
  migrations: readonly Migration[],
): Promise<number[]> => {
  const lock: SqlStatement = {
    name: `${ledger.statementPrefix}_migration_lock`,
    text: 'SELECT pg_advisory_xact_lock($1::bigint)',
  };
  const applied: SqlStatement = {
    name: `${ledger.statementPrefix}_migrations_applied`,
    text: `SELECT version FROM ${ledger.table} ORDER BY version`,
  };
  const record: SqlStatement = {
    name: `${ledger.statementPrefix}_migration_record`,
    text: `INSERT INTO ${ledger.table} (version, name) VALUES ($1, $2)`,
  };
  return driver.transaction(async (tx) => {
    await tx.query(lock, [ledger.lockKey]);
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS ${ledger.table} (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const done = new Set(
      (await tx.query<{ version: number }>(applied, [])).map((row) => row.version),
    );
    const pending = [...migrations]
      .sort((a, b) => a.version - b.version)
      .filter((migration) => !done.has(migration.version));
    for (const migration of pending) {
      await tx.exec(migration.sql);
      await tx.query(record, [migration.version, migration.name]);
    }
    return pending.map((migration) => migration.version);
  });
};

/** The event store's own schema. */
export const migrate = (
  driver: SqlDriver,
  migrations: readonly Migration[] = EVENT_STORE_MIGRATIONS,
): Promise<number[]> => runMigrations(driver, EVENT_STORE_SCHEMA, migrations);
