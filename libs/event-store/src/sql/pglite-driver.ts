import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { SqlDriver, SqlExecutor, SqlStatement } from './sql-driver.js';
import { INT8_OID, XID8_OID } from './sql-driver.js';

/** Passed per query, so that an instance shared with other code keeps its own parsers. */
const options = {
  parsers: {
    [INT8_OID]: (value: string) => BigInt(value),
    [XID8_OID]: (value: string) => BigInt(value),
  },
};

const executor = (db: PGlite | Transaction): SqlExecutor => ({
  async query<R>(statement: SqlStatement, params: readonly unknown[]): Promise<R[]> {
    return (await db.query<R>(statement.text, params as unknown[], options)).rows;
  },
  async exec(script: string): Promise<void> {
    await db.exec(script);
  },
});

/**
 * PGlite is one connection: its own mutex serializes queries and transactions, so the driver
 * has nothing to pool.
 */
export class PgliteDriver implements SqlDriver {
  readonly #db: PGlite;
  readonly #ownsDb: boolean;
  readonly #direct: SqlExecutor;

  constructor(db: PGlite, ownsDb: boolean) {
    this.#db = db;
    this.#ownsDb = ownsDb;
    this.#direct = executor(db);
  }

  query<R>(statement: SqlStatement, params: readonly unknown[]): Promise<R[]> {
    return this.#direct.query<R>(statement, params);
  }

  exec(script: string): Promise<void> {
    return this.#direct.exec(script);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#db.transaction((tx) => work(executor(tx)));
  }

  async close(): Promise<void> {
    if (this.#ownsDb) await this.#db.close();
  }
}
