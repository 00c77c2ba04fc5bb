import { ensureCheckpoint } from '../projection/checkpoint.js';
import { ProjectionVersionError } from '../projection/projection-status.js';
import { errorMessage, silentLogger } from '../read-model-logger.js';
import {
  addKeysAndIndexes,
  createFreshTable,
  dropFreshTable,
  dropTables,
  type FreshTable,
  findLeftovers,
} from './fresh-tables.js';
import { portLogReader } from './log-reader.js';
import { RebuildState } from './rebuild-state.js';
import type { RebuildOptions, RebuildResult } from './rebuild-types.js';
import { findRebuild } from './rebuildable.js';
import { switchIn } from './switch-in.js';

/**
 * Rebuilds a projection from the whole log into fresh tables, then switches them in, while the
 * service keeps serving (and its runners keep writing) the live tables until the switch.
 *
 * 1. Load: fresh tables `<table>_rebuild_<id>` with the live columns and no indexes; the log
 *    read in large batches (the next read in flight while this one folds), folded in memory
 *    by the projection's own fold, rows written once with multi-row INSERTs.
 * 2. Index: the live tables' keys and indexes added to the fresh ones, then ANALYZE.
 * 3. Switch, in a loop: read the tail appended since (up to the head as a read finds it) into
 *    the fresh tables, then one transaction locks the projection's checkpoint row (which every
 *    runner batch updates first, so no runner writes the live tables while it is held) and:
 *    - if a runner got further than the rebuild (live checkpoint > ours), reads the rest of the
 *      tail through that same transaction when the log is in this database (`sqlLogReader`:
 *      PGlite's one connection is the transaction's), or else lets go and loops: the
 *      checkpoint must never move backwards, or a runner whose batch starts past our position
 *      would skip the events in between;
 *    - drops the live tables, renames the fresh ones (and their keys and indexes) to the live
 *      names, sets the checkpoint to the rebuild's position; commit. A runner's next batch
 *      then loses its compare-and-set, reloads the checkpoint and goes on from there on the
 *      new tables (its prepared statements re-resolve the names). Readers never see a missing
 *      or half-built table: the DROP and the RENAME commit together.
 *    The DROP waits for readers of the live tables; a lock timeout (5 s) makes a long reader
 *    delay the switch rather than stall the service queued behind it.
 */
export const rebuildProjection = async (options: RebuildOptions): Promise<RebuildResult> => {
  const definition = findRebuild(options.name);
  const { driver, eventStore } = options;
  const { projection } = definition;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const limit = options.batchSize ?? 5000;
  const started = now();

  const checkpoint = await ensureCheckpoint(driver, projection.name, projection.version);
  if (checkpoint.version > projection.version) {
    throw new ProjectionVersionError(projection.name, checkpoint.version, projection.version);
  }
  const leftovers = (
    await Promise.all(definition.tables.map((table) => findLeftovers(driver, table)))
  ).flat();
  if (leftovers.length > 0) {
    logger.warn(`dropping tables of an unfinished rebuild: ${leftovers.join(', ')}`);
    await dropTables(driver, leftovers);
  }

  const id = started.toString(36);
  const tables: FreshTable[] = [];
  try {
    for (const table of definition.tables) tables.push(await createFreshTable(driver, table, id));
    const builder = definition.builder(new Map(tables.map((t) => [t.live, t.fresh])));
    const log = options.log ?? portLogReader(eventStore);
    const state = new RebuildState(definition, builder, log, options, started);

    await state.load(limit);
    const loaded = now();
    state.report('indexing');
    for (const table of tables) await addKeysAndIndexes(driver, table);
    const indexed = now();
    state.report('switching');
    const attempts = await switchIn(driver, projection, tables, state, {
      limit,
      maxAttempts: options.maxSwitchAttempts ?? 50,
      logger,
    });
    state.report('done');
    return {
      name: projection.name,
      version: projection.version,
      events: state.events,
      tailEvents: state.tailEvents,
      skippedEvents: state.skipped,
      skippedExamples: state.skippedExamples,
      rows: state.rows,
      position: state.position,
      switchAttempts: attempts,
      logPath: log.path,
      droppedLeftovers: leftovers,
      ms: { load: loaded - started, index: indexed - loaded, switch: now() - indexed },
    };
  } catch (error) {
    for (const table of tables) {
      await dropFreshTable(driver, table).catch((e: unknown) =>
        logger.error(`could not drop ${table.fresh}: ${errorMessage(e)}`),
      );
    }
    throw error;
  }
};
