import type { SqlDriver, SqlExecutor, SqlStatement } from '@ratchet/event-store';

/**
 * The DDL of a rebuild: a fresh copy of a live table's columns (no indexes, so the bulk load
 * is plain appends), the live table's constraints and indexes added after the load under
 * temporary names, and the switch that drops the live table and gives the fresh one its name
 * and the original index names. The shape is read from the catalog at the start, so indexes a
 * later migration adds are rebuilt too.
 */
export interface FreshTable {
  readonly live: string;
  readonly fresh: string;
  /** Primary keys and unique constraints: an index, then `ADD CONSTRAINT … USING INDEX`. */
  readonly constraints: readonly (Renamed & { readonly kind: 'p' | 'u' })[];
  /** The other indexes, as `pg_get_indexdef` wrote them for the live table. */
  readonly indexes: readonly Renamed[];
}

interface Renamed {
  readonly name: string;
  /** The name it has on the fresh table until the switch. */
  readonly temporary: string;
  readonly definition: string;
}

/** Names are interpolated into DDL: only plain lower-case identifiers are accepted. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
export const identifier = (name: string): string => {
  if (!IDENTIFIER.test(name))
    throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return name;
};

export const REBUILD_INFIX = '_rebuild_';

/** Primary keys and unique constraints, by their index (built like the others, then attached). */
const CONSTRAINTS: SqlStatement = {
  name: 'ratchet_rb_constraints',
  text: `SELECT conname AS name, contype AS kind, pg_get_indexdef(conindid) AS definition
           FROM pg_constraint
          WHERE conrelid = $1::regclass AND contype IN ('p', 'u') ORDER BY conname`,
};
const INDEXES: SqlStatement = {
  name: 'ratchet_rb_indexes',
  text: `SELECT c.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
           FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
          WHERE x.indrelid = $1::regclass
            AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
          ORDER BY c.relname`,
};
const LEFTOVERS: SqlStatement = {
  name: 'ratchet_rb_leftovers',
  text: `SELECT tablename FROM pg_tables
          WHERE schemaname = current_schema() AND starts_with(tablename, $1) ORDER BY tablename`,
};

/** `CREATE [UNIQUE] INDEX name ON [ONLY] table USING …`: everything from USING is kept. */
const INDEX_DEF = /^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .*)$/s;

/** Creates `${live}_rebuild_${id}` with the live table's columns, defaults and checks. */
export const createFreshTable = async (
  db: SqlExecutor,
  live: string,
  id: string,
): Promise<FreshTable> => {
  const fresh = identifier(`${identifier(live)}${REBUILD_INFIX}${id}`);
  const constraints = await db.query<{ name: string; kind: 'p' | 'u'; definition: string }>(
    CONSTRAINTS,
    [live],
  );
  const indexes = await db.query<{ name: string; definition: string }>(INDEXES, [live]);
  await db.exec(`
    DROP TABLE IF EXISTS ${fresh};
    CREATE TABLE ${fresh} (LIKE ${live} INCLUDING DEFAULTS INCLUDING CONSTRAINTS
      INCLUDING GENERATED INCLUDING IDENTITY INCLUDING STORAGE);`);
  // Temporary names must not collide with the live table's, which keep theirs until the switch.
  const temporary = (i: number) => identifier(`${fresh}_${i}`);
  return {
    live,
    fresh,
    constraints: constraints.map((c, i) => ({ ...c, temporary: temporary(i) })),
    indexes: indexes.map((x, i) => ({ ...x, temporary: temporary(constraints.length + i) })),
  };
};

const indexDdl = (table: FreshTable, index: Renamed, unique = false): string => {
  const match = INDEX_DEF.exec(index.definition);
  if (!match) throw new Error(`cannot copy index ${index.name}: ${index.definition}`);
  const kind = unique || match[1] ? 'UNIQUE ' : '';
  return `CREATE ${kind}INDEX ${identifier(index.temporary)} ON ${table.fresh} ${match[2]}`;
};

/**
 * After the bulk load: the live table's indexes on the fresh table, built side by side (each in
 * its own transaction, with room to sort in memory: several connections on PostgreSQL, one
 * after the other on PGlite), then the keys attached to theirs, then statistics.
 */
export const addKeysAndIndexes = async (driver: SqlDriver, table: FreshTable): Promise<void> => {
  const build = (ddl: string) =>
    driver.transaction(async (tx) => {
      await tx.exec(`SET LOCAL maintenance_work_mem = '256MB'; ${ddl}`);
    });
  await Promise.all([
    ...table.constraints.map((c) => build(indexDdl(table, c, true))),
    ...table.indexes.map((index) => build(indexDdl(table, index))),
  ]);
  const keys = table.constraints.map(
    (c) =>
      `ALTER TABLE ${table.fresh} ADD CONSTRAINT ${c.temporary} ` +
      `${c.kind === 'p' ? 'PRIMARY KEY' : 'UNIQUE'} USING INDEX ${c.temporary};`,
  );
  await driver.exec(`${keys.join('\n')}\nANALYZE ${table.fresh};`);
};

/** In the switching transaction: the fresh table takes the live table's place and names. */
export const swapIn = async (tx: SqlExecutor, table: FreshTable): Promise<void> => {
  const { live, fresh } = table;
  await tx.exec(
    [
      `DROP TABLE ${live};`,
      `ALTER TABLE ${fresh} RENAME TO ${live};`,
      ...table.constraints.map(
        (c) => `ALTER TABLE ${live} RENAME CONSTRAINT ${c.temporary} TO ${identifier(c.name)};`,
      ),
      ...table.indexes.map((x) => `ALTER INDEX ${x.temporary} RENAME TO ${identifier(x.name)};`),
    ].join('\n'),
  );
};

export const dropFreshTable = (db: SqlExecutor, table: FreshTable): Promise<void> =>
  db.exec(`DROP TABLE IF EXISTS ${table.fresh}`);

/** Fresh tables of earlier rebuilds that did not finish (a crash, an interrupt). */
export const findLeftovers = async (db: SqlExecutor, live: string): Promise<string[]> =>
  (await db.query<{ tablename: string }>(LEFTOVERS, [`${identifier(live)}${REBUILD_INFIX}`])).map(
    (r) => r.tablename,
  );

export const dropTables = async (db: SqlExecutor, tables: readonly string[]): Promise<void> => {
  if (tables.length > 0) await db.exec(`DROP TABLE IF EXISTS ${tables.map(identifier).join(', ')}`);
};
