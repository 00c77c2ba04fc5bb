import type { SqlDriver, SqlExecutor } from '@ratchet/event-store';
import type { Projection } from '../projection/projection.js';
import { ProjectionVersionError } from '../projection/projection-status.js';
import type { ReadModelLogger } from '../read-model-logger.js';
import { type FreshTable, swapIn } from './fresh-tables.js';
import { type RebuildState, turn } from './rebuild-state.js';
import { isAfter, lockCheckpoint, moveCheckpoint } from './switch-checkpoint.js';

/** SQLSTATE lock_not_available: the DROP waited longer than the lock timeout for a reader. */
const LOCK_TIMEOUT = '55P03';
const errorCode = (e: unknown): unknown =>
  typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;

/**
 * Step 3 of rebuild-projection.ts: catch up the tail, then switch in one transaction under the
 * checkpoint's row lock if no runner got further than we did; else catch up again. Returns the
 * number of attempts.
 */
export const switchIn = async (
  driver: SqlDriver,
  projection: Projection,
  tables: readonly FreshTable[],
  state: RebuildState,
  options: {
    readonly limit: number;
    readonly maxAttempts: number;
    readonly logger: ReadModelLogger;
  },
): Promise<number> => {
  const { name, version, streamPrefix } = projection;
  for (let attempt = 1; ; attempt += 1) {
    // Up to the head as one read finds it (a short batch): waiting for an empty read could
    // chase a busy writer for ever.
    for (;;) {
      const batch = await state.log.read(state.position, streamPrefix, options.limit);
      state.fold(batch, true);
      state.report('switching');
      if (batch.events.length < options.limit) break;
      await turn();
    }
    await state.builder.writeTail(driver);
    let caughtUpInside = false;
    let outcome: 'switched' | 'behind' | 'locked';
    try {
      outcome = await driver.transaction(async (tx) => {
        await tx.exec("SET LOCAL lock_timeout = '5s'");
        const live = await lockCheckpoint(tx, name);
        if (live && live.version > version) {
          throw new ProjectionVersionError(name, live.version, version);
        }
        if (live?.version === version && isAfter(live.position, state.position)) {
          // A runner got further. Where the log is in this database, read on through this
          // transaction (the runners wait on the lock); elsewhere, let go and catch up again.
          caughtUpInside = await catchUpWithin(tx, state, streamPrefix, options.limit);
          if (!caughtUpInside) return 'behind';
          if (isAfter(live.position, state.position)) {
            throw new Error(`projection ${name}: the live checkpoint is past the readable log`);
          }
        }
        for (const table of tables) await swapIn(tx, table);
        await moveCheckpoint(tx, name, version, state.position);
        return 'switched';
      });
    } catch (error) {
      // Rows written inside a rolled-back transaction are gone while the fold has moved on:
      // this rebuild cannot go on (it fails, its tables are dropped, it can be run again).
      if (caughtUpInside || errorCode(error) !== LOCK_TIMEOUT) throw error;
      outcome = 'locked';
    }
    if (outcome === 'switched') return attempt;
    if (attempt >= options.maxAttempts) {
      throw new Error(
        outcome === 'locked'
          ? `projection ${name}: the live tables stayed in use (lock timeout) in ${attempt} attempts`
          : `projection ${name}: the live runners stayed ahead of the rebuild in ${attempt} attempts`,
      );
    }
    options.logger.log(
      `projection ${name}: ${outcome === 'locked' ? 'live tables in use' : 'runners ahead'}, catching up again`,
    );
  }
};

/** Reads the tail through the switching transaction and writes it there; `false`: not here. */
const catchUpWithin = async (
  tx: SqlExecutor,
  state: RebuildState,
  streamPrefix: string,
  limit: number,
): Promise<boolean> => {
  for (;;) {
    const batch = await state.log.readWithin(tx, state.position, streamPrefix, limit);
    if (batch === null) return false;
    if (batch.events.length === 0) break;
    state.fold(batch, true);
  }
  await state.builder.writeTail(tx);
  return true;
};
