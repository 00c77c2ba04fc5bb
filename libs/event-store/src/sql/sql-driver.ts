/**
 * The little the SQL event store needs from a database: run a statement, run a script, run a
 * function in a transaction. PostgreSQL (`pg`) and PGlite both implement it.
 *
 * Contract for implementations: int8 and xid8 columns come back as `bigint`, timestamptz as
 * `Date`, jsonb parsed; parameters are passed as strings or numbers (bigints as strings).
 */
export interface SqlStatement {
  /** Stable and unique per text: `pg` prepares the statement once per connection under it. */
  readonly name: string;
  readonly text: string;
}

export interface SqlExecutor {
  query<R>(statement: SqlStatement, params: readonly unknown[]): Promise<R[]>;
  /** Several statements, no parameters: migrations. */
  exec(script: string): Promise<void>;
}

export interface SqlDriver extends SqlExecutor {
  /** Commits when `work` resolves, rolls back when it throws (and rethrows). */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** OIDs of the types the adapter reads as bigint. */
export const INT8_OID = 20;
export const XID8_OID = 5069;

const errorCode = (error: unknown): unknown =>
  typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;

/** Both drivers surface the server's SQLSTATE as `code`. */
export const isUniqueViolation = (error: unknown): boolean => errorCode(error) === '23505';
export const isDeadlock = (error: unknown): boolean => errorCode(error) === '40P01';
