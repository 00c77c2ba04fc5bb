export * from './event-store.port.js';
export * from './errors.js';
export { assertValidAppend, assertValidAppends } from './validate-append.js';
export { createPostgresEventStore } from './sql/postgres-event-store.js';
export type { PostgresEventStoreOptions } from './sql/postgres-event-store.js';
export { createPgliteEventStore } from './sql/pglite-event-store.js';
export type { PgliteEventStoreOptions } from './sql/pglite-event-store.js';
export type { SqlEventStoreOptions } from './sql/sql-event-store.js';
export { HorizonTimeoutError } from './sql/readable-horizon.js';
// The SQL driver layer, for read models that share the store's database (one PGlite instance
// per data directory, one pg pool per service).
export type { SqlDriver, SqlExecutor, SqlStatement } from './sql/sql-driver.js';
export { isUniqueViolation } from './sql/sql-driver.js';
export { runMigrations } from './sql/schema/migrate.js';
export type { MigrationLedger } from './sql/schema/migrate.js';
export { PGLITE_PARSERS, PgliteDriver } from './sql/pglite-driver.js';
export { PostgresDriver, createPool } from './sql/postgres-driver.js';
export type { PostgresPoolOptions } from './sql/postgres-driver.js';
