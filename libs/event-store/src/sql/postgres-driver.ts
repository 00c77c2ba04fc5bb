import pg from 'pg';
import type { SqlDriver, SqlExecutor, SqlStatement } from './sql-driver.js';
import { INT8_OID, XID8_OID } from './sql-driver.js';

/**
 * Per query rather than global (`pg.types.setTypeParser`), so that other `pg` users in the
 * process, and pools the caller shares with us, keep their own settings.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID || oid === XID8_OID
      ? (value: string) => BigInt(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export interface PostgresPoolOptions {
  readonly connectionString: string;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** Told about errors on idle connections (a restarted server), which would otherwise crash the process. */
  readonly onIdleError?: (error: Error) => void;
  /** The schema every connection works in (`search_path`), e.g. `ratchet`; it must exist. */
  readonly schema?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export const createPool = ({
  connectionString,
  poolSize,
  onIdleError,
  schema,
}: PostgresPoolOptions): pg.Pool => {
  if (schema !== undefined && !SCHEMA_NAME.test(schema))
    throw new Error(
      `DATABASE_SCHEMA must be a lower-case PostgreSQL name (letters, digits, _), got ${JSON.stringify(schema)}`,
    );
  const pool = new pg.Pool({
    connectionString,
    max: poolSize ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on('error', (error) => onIdleError?.(error));
  return pool;
};

const executor = (client: pg.Pool | pg.PoolClient): SqlExecutor => ({
  async query<R>(statement: SqlStatement, params: readonly unknown[]): Promise<R[]> {
    const result = await client.query({
      name: statement.name,
      text: statement.text,
      values: params as unknown[],
      types,
    });
    return result.rows as R[];
  },
  async exec(script: string): Promise<void> {
    await client.query(script);
  },
});

const ignoreClientError = (): void => undefined;

export class PostgresDriver implements SqlDriver {
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #direct: SqlExecutor;

  /** `ownsPool`: whether `close()` ends the pool (false when the caller shares its own). */
  constructor(pool: pg.Pool, ownsPool: boolean) {
    // pg-pool takes its error listener off a client while it is checked out. A server that ends
    // the session then (a restart, pg_terminate_backend) between two statements of a
    // transaction, or in the same read that completes a new connection, makes the client emit
    // 'error' with no query to fail: unhandled, that kills the process. With this listener the
    // error reaches the next query instead, and the pool drops the client when it is released.
    pool.on('connect', (client) => client.on('error', ignoreClientError));
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#direct = executor(pool);
  }

  query<R>(statement: SqlStatement, params: readonly unknown[]): Promise<R[]> {
    return this.#direct.query<R>(statement, params);
  }

  exec(script: string): Promise<void> {
    return this.#direct.exec(script);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(executor(client));
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch (rollbackError) {
        // A connection that cannot roll back is broken: destroy it rather than reuse it.
        client.release(rollbackError as Error);
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.end();
  }
}
