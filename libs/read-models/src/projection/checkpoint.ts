import type { Position, SqlExecutor, SqlStatement } from '@ratchet/event-store';

export interface Checkpoint {
  readonly version: number;
  /** The last event applied; `null` before the first. */
  readonly position: Position | null;
}

const ENSURE: SqlStatement = {
  name: 'ratchet_rm_checkpoint_ensure',
  text: `INSERT INTO projection_checkpoints (name, version, position) VALUES ($1, $2, NULL)
         ON CONFLICT (name) DO NOTHING`,
};
const LOAD: SqlStatement = {
  name: 'ratchet_rm_checkpoint_load',
  text: 'SELECT version, position FROM projection_checkpoints WHERE name = $1',
};
/**
 * The compare-and-set. Run first in the batch transaction: it takes the row lock, so a second
 * runner's CAS waits for our commit, then re-checks its WHERE against the new position and
 * matches nothing.
 */
const ADVANCE: SqlStatement = {
  name: 'ratchet_rm_checkpoint_advance',
  text: `UPDATE projection_checkpoints SET position = $4, updated_at = now()
          WHERE name = $1 AND version = $2 AND position IS NOT DISTINCT FROM $3::text
         RETURNING name`,
};
const RESET: SqlStatement = {
  name: 'ratchet_rm_checkpoint_reset',
  text: `UPDATE projection_checkpoints SET version = $3, position = NULL, updated_at = now()
          WHERE name = $1 AND version = $2
         RETURNING name`,
};

export const ensureCheckpoint = async (
  db: SqlExecutor,
  name: string,
  version: number,
): Promise<Checkpoint> => {
  await db.query(ENSURE, [name, version]);
  return (await loadCheckpoint(db, name)) as Checkpoint;
};

export const loadCheckpoint = async (db: SqlExecutor, name: string): Promise<Checkpoint | null> => {
  const [row] = await db.query<{ version: number; position: string | null }>(LOAD, [name]);
  return row ? { version: row.version, position: row.position as Position | null } : null;
};

/** `false`: the checkpoint is no longer at `from` (another runner moved it, or a rebuild). */
export const advanceCheckpoint = async (
  tx: SqlExecutor,
  name: string,
  version: number,
  from: Position | null,
  to: Position,
): Promise<boolean> => (await tx.query(ADVANCE, [name, version, from, to])).length === 1;

/** Moves an older version to `version` at the start of the log; `false` if someone else did. */
export const resetCheckpoint = async (
  tx: SqlExecutor,
  name: string,
  fromVersion: number,
  toVersion: number,
): Promise<boolean> => (await tx.query(RESET, [name, fromVersion, toVersion])).length === 1;
