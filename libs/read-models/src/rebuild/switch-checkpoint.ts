import type { Position, SqlExecutor, SqlStatement } from '@ratchet/event-store';

/**
 * The checkpoint row, locked for the switching transaction. Every runner's batch starts with
 * the compare-and-set UPDATE of this row (checkpoint.ts), so while the lock is held no runner
 * can write the projection's tables: a batch in flight has committed before we got the lock,
 * the next one waits for our commit and then finds the checkpoint moved.
 */
const LOCK: SqlStatement = {
  name: 'ratchet_rb_checkpoint_lock',
  text: 'SELECT version, position FROM projection_checkpoints WHERE name = $1 FOR UPDATE',
};
const MOVE: SqlStatement = {
  name: 'ratchet_rb_checkpoint_move',
  text: `INSERT INTO projection_checkpoints (name, version, position) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE
           SET version = EXCLUDED.version, position = EXCLUDED.position, updated_at = now()`,
};

export const lockCheckpoint = async (
  tx: SqlExecutor,
  name: string,
): Promise<{ version: number; position: Position | null } | null> => {
  const [row] = await tx.query<{ version: number; position: string | null }>(LOCK, [name]);
  return row ? { version: row.version, position: row.position as Position | null } : null;
};

export const moveCheckpoint = async (
  tx: SqlExecutor,
  name: string,
  version: number,
  position: Position | null,
): Promise<void> => {
  await tx.query(MOVE, [name, version, position]);
};

/** Positions sort as strings; `null` is before the first event. */
export const isAfter = (a: Position | null, b: Position | null): boolean =>
  a !== null && (b === null || a > b);
