import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { SqlDriver, SqlExecutor, SqlStatement } from './sql-driver.js';
import { INT8_OID, XID8_OID } from './sql-driver.js';

/**
 * int8 and xid8 as bigint. Give them to `PGlite.create(dir, { parsers: PGLITE_PARSERS })` when
 * the instance is only the store's and the read models': the driver then passes nothing per
 * query. Per-query parsers cost PGlite a copy of its whole parser table (some 300 types) on
 * every query, which doubled the JavaScript cost of a short statement.
 */
export const PGLITE_PARSERS = {
  [INT8_OID]: (value: string) => BigInt(value),
  [XID8_OID]: (value: string) => BigInt(value),
};

/** Passed per query only to an instance that parses otherwise, which then keeps its own parsers. */
const perQuery = { parsers: PGLITE_PARSERS };
type QueryOptions = typeof perQuery | undefined;

interface Ready {
  readonly executor: SqlExecutor;
  readonly options: QueryOptions;
}

const executor = (db: PGlite | Transaction, options: QueryOptions): SqlExecutor => ({
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
  /** How to query, once it is known whether the instance already reads int8 as bigint. */
  #ready: Ready | undefined;
  #probe: Promise<Ready> | undefined;

  constructor(db: PGlite, ownsDb: boolean) {
    this.#db = db;
    this.#ownsDb = ownsDb;
  }

  /** Asks the instance once how it parses int8 and xid8 (outside any transaction). */
  #resolve(): Promise<Ready> {
    if (!this.#probe) {
      const probe = this.#db
        .query<{ i: unknown; x: unknown }>(`SELECT 1::int8 AS i, '1'::xid8 AS x`)
        .then(({ rows }) => {
          const bigints = typeof rows[0]?.i === 'bigint' && typeof rows[0]?.x === 'bigint';
          const options = bigints ? undefined : perQuery;
          return (this.#ready = { executor: executor(this.#db, options), options });
        });
      // A failed probe (a closed instance) is tried again by the next query.
      probe.catch(() => {
        if (this.#probe === probe) this.#probe = undefined;
      });
      this.#probe = probe;
    }
    return this.#probe;
  }

  async query<R>(statement: SqlStatement, params: readonly unknown[]): Promise<R[]> {
    return (this.#ready ?? (await this.#resolve())).executor.query<R>(statement, params);
  }

  async exec(script: string): Promise<void> {
    await this.#db.exec(script);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const { options } = this.#ready ?? (await this.#resolve());
    return this.#db.transaction((tx) => work(executor(tx, options)));
  }

  async close(): Promise<void> {
    if (this.#ownsDb) await this.#db.close();
  }
}
