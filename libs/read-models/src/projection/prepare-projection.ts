import type { Position, SqlDriver } from '@ratchet/event-store';
import type { ReadModelLogger } from '../read-model-logger.js';
import { ensureCheckpoint, loadCheckpoint, resetCheckpoint } from './checkpoint.js';
import type { Projection } from './projection.js';
import { ProjectionVersionError } from './projection-status.js';

/**
 * Where a runner starts: the projection's checkpoint, created if absent. A checkpoint of an
 * older version is reset to the start of the log and the projection emptied, in one
 * transaction (of several new-version runners, one wins the reset). A newer version in the
 * database means this code is outdated: it must not write.
 */
export const prepareProjection = async (
  driver: SqlDriver,
  projection: Projection,
  logger: ReadModelLogger,
): Promise<Position | null> => {
  const { name, version } = projection;
  for (;;) {
    const checkpoint = await ensureCheckpoint(driver, name, version);
    if (checkpoint.version === version) return checkpoint.position;
    if (checkpoint.version > version) {
      throw new ProjectionVersionError(name, checkpoint.version, version);
    }
    const won = await driver.transaction(async (tx) => {
      const reset = await resetCheckpoint(tx, name, checkpoint.version, version);
      if (reset) await projection.reset(tx);
      return reset;
    });
    if (won)
      logger.log(
        `projection ${name}: version ${checkpoint.version} -> ${version}, replaying the log`,
      );
  }
};

/** After a lost compare-and-set: where the winner left the checkpoint. */
export const reloadPosition = async (
  driver: SqlDriver,
  projection: Projection,
): Promise<Position | null> => {
  const checkpoint = await loadCheckpoint(driver, projection.name);
  if (checkpoint?.version !== projection.version) {
    // A rebuild by a newer version (or a deleted checkpoint): this runner must stop writing.
    throw new ProjectionVersionError(
      projection.name,
      checkpoint?.version ?? null,
      projection.version,
    );
  }
  return checkpoint.position;
};
