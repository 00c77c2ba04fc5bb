import type { LoggerService } from '@nestjs/common';
import { createPool } from '@ratchet/event-store';
import pg from 'pg';

export const DEFAULT_DATABASE_SCHEMA = 'ratchet';

export interface RatchetPoolOptions {
  readonly connectionString: string;
  /** Default `ratchet`. */
  readonly schema?: string;
  readonly poolSize?: number;
}

/**
 * A pool whose connections work in Ratchet's schema (DATABASE_SCHEMA), created if missing.
 * A database from before version 2, with Ratchet's tables in `public` and none in the default
 * schema, keeps working where it is: the pool then works in `public`, and a warning says how
 * to move the tables. A schema named explicitly is always the one used.
 */
export async function openRatchetPool(
  options: RatchetPoolOptions,
  logger: LoggerService,
): Promise<{ pool: pg.Pool; schema: string }> {
  let schema = options.schema ?? DEFAULT_DATABASE_SCHEMA;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(
      `DATABASE_SCHEMA must be a lower-case PostgreSQL name (letters, digits, _), got ${JSON.stringify(schema)}`,
    );
  const probe = new pg.Client({ connectionString: options.connectionString });
  await probe.connect();
  try {
    const where = async (s: string) =>
      (
        await probe.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM information_schema.tables
            WHERE table_schema = $1 AND table_name = 'event_store_migrations'`,
          [s],
        )
      ).rows[0].n > 0;
    if (options.schema === undefined && !(await where(schema)) && (await where('public'))) {
      logger.warn(
        `Ratchet's tables are in the schema public (a database from before version 2): using them there. ` +
          `To move them into '${schema}', stop every instance and run, in one transaction, ` +
          `CREATE SCHEMA ${schema}; ALTER TABLE public.<table> SET SCHEMA ${schema}; for each of ` +
          `Ratchet's tables (docs/library.md); or set DATABASE_SCHEMA=public to keep them and silence this.`,
      );
      schema = 'public';
    } else {
      await probe.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch(async (e: unknown) => {
        // Concurrent starts race on CREATE SCHEMA; the loser finds it there.
        if (!(await where(schema)) && !(await schemaExists(probe, schema))) throw e;
      });
    }
  } finally {
    await probe.end();
  }
  const pool = createPool({
    connectionString: options.connectionString,
    schema,
    ...(options.poolSize ? { poolSize: options.poolSize } : {}),
    onIdleError: (e) => logger.warn(`PostgreSQL connection lost: ${e.message}`),
  });
  return { pool, schema };
}

const schemaExists = async (client: pg.Client, schema: string): Promise<boolean> =>
  (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount! > 0;
