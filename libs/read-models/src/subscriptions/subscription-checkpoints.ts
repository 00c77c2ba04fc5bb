import type { Position, SqlDriver, SqlStatement } from '@ratchet/event-store';

/**
 * Where each named host subscription stands in the global log: one row per name, in the read
 * models' database. The table is made on first use (`CREATE TABLE IF NOT EXISTS`), so a
 * database that never has a subscription never gets it.
 */
export interface SubscriptionCheckpoints {
  /** The position of the last event whose handlers all resolved; `null`: none yet. */
  read(name: string): Promise<Position | null>;
  /**
   * Moves `name` from `from` to `to`; `false` when another instance moved it meanwhile (the
   * caller then reads again: that instance delivered those events).
   */
  move(name: string, from: Position | null, to: Position): Promise<boolean>;
}

const CREATE = `CREATE TABLE IF NOT EXISTS subscription_checkpoints (
  name       text PRIMARY KEY,
  position   text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
)`;
const READ: SqlStatement = {
  name: 'ratchet_rm_subscription_read',
  text: 'SELECT position FROM subscription_checkpoints WHERE name = $1',
};
const INSERT: SqlStatement = {
  name: 'ratchet_rm_subscription_insert',
  text: `INSERT INTO subscription_checkpoints (name, position) VALUES ($1, $2)
         ON CONFLICT (name) DO NOTHING RETURNING name`,
};
const UPDATE: SqlStatement = {
  name: 'ratchet_rm_subscription_update',
  text: `UPDATE subscription_checkpoints SET position = $3, updated_at = now()
         WHERE name = $1 AND position = $2 RETURNING name`,
};

export const sqlSubscriptionCheckpoints = (driver: SqlDriver): SubscriptionCheckpoints => {
  let created: Promise<void> | null = null;
  const ready = () =>
    (created ??= driver.exec(CREATE).catch((e: unknown) => {
      created = null;
      throw e;
    }));
  return {
    async read(name) {
      await ready();
      const rows = await driver.query<{ position: string }>(READ, [name]);
      return rows.length > 0 ? (rows[0].position as Position) : null;
    },
    async move(name, from, to) {
      await ready();
      const rows =
        from === null
          ? await driver.query(INSERT, [name, to])
          : await driver.query(UPDATE, [name, from, to]);
      return rows.length > 0;
    },
  };
};
