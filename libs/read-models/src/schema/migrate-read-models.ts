import { type SqlDriver, runMigrations } from '@ratchet/event-store';
import type { ReadModelMigration } from './read-model-migrations.js';
import { READ_MODEL_MIGRATIONS } from './read-model-migrations.js';

/**
 * Applies the read-model migrations not yet recorded, in one transaction, under an advisory
 * lock so that instances starting together wait for each other. Returns the versions applied.
 * Its own table and lock key (the bytes of 'RtchRdMd'): the two schemas migrate independently.
 */
export const migrateReadModels = (
  driver: SqlDriver,
  migrations: readonly ReadModelMigration[] = READ_MODEL_MIGRATIONS,
): Promise<number[]> =>
  runMigrations(
    driver,
    {
      table: 'read_model_migrations',
      lockKey: '5941483108118580580',
      statementPrefix: 'ratchet_rm',
    },
    migrations,
  );
