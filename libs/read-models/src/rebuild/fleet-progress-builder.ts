import type { SqlExecutor } from '@ratchet/event-store';
import { FleetProgressModel, foldFleetProgress } from '../fleet-progress/fleet-progress-fold.js';
import { fleetProgressProjection } from '../fleet-progress/fleet-progress.projection.js';
import { loadAll, statementsFor, writeModel } from '../fleet-progress/fleet-progress-rows.js';
import type { BuildContext, BulkBuilder, RebuildDefinition } from './bulk-builder.js';
import type { LogEvent } from './log-reader.js';

/**
 * `fleet_progress` in memory: the projection's own fold over the whole log into one model
 * (a row per fleet, per child, per retry: small next to the log), written once at the end;
 * the tail's changes as upserts.
 */
class FleetProgressBuilder implements BulkBuilder {
  readonly #model = new FleetProgressModel();
  readonly #sql: ReturnType<typeof statementsFor>;

  constructor(fresh: ReadonlyMap<string, string>) {
    this.#sql = statementsFor(
      {
        fleets: fresh.get('fleet_progress') as string,
        children: fresh.get('fleet_children') as string,
        attempts: fresh.get('fleet_attempts') as string,
      },
      'ratchet_rb_fp',
    );
  }

  fold(events: readonly LogEvent[], context: BuildContext): void {
    for (const e of events) foldFleetProgress(this.#model, e, context.skipped);
  }

  load(db: SqlExecutor, final: boolean): Promise<number> {
    return final ? loadAll(db, this.#model, this.#sql) : Promise.resolve(0);
  }

  async writeTail(db: SqlExecutor): Promise<void> {
    await writeModel(db, this.#model, this.#sql);
  }
}

export const fleetProgressRebuild: RebuildDefinition = {
  projection: fleetProgressProjection,
  tables: ['fleet_progress', 'fleet_children', 'fleet_attempts'],
  builder: (fresh) => new FleetProgressBuilder(fresh),
};
