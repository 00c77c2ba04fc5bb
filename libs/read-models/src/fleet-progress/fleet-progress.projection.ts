import type { RecordedEvent, SqlExecutor } from '@ratchet/event-store';
import type { Projection, ProjectionContext } from '../projection/projection.js';
import {
  FleetProgressModel,
  foldFleetProgress,
  isFleetProgressEvent,
  keysOf,
} from './fleet-progress-fold.js';
import { loadModel, writeModel } from './fleet-progress-rows.js';

/**
 * `fleet_progress`: each fleet command's status and its children by status, and the tally of
 * final outcomes the rollout decides on (fleet-progress-fold.ts). It follows the command
 * streams as well as the fleet streams (a child is an ordinary command), so it reads the
 * whole log; a batch loads only the rows its events name.
 */
export const fleetProgressProjection: Projection = {
  name: 'fleet_progress',
  version: 1,
  streamPrefix: '',
  handles: isFleetProgressEvent,

  async apply(
    tx: SqlExecutor,
    events: readonly RecordedEvent[],
    context: ProjectionContext,
  ): Promise<void> {
    const model = new FleetProgressModel();
    await loadModel(tx, model, keysOf(events));
    for (const event of events) {
      foldFleetProgress(model, event, (e, reason) => context.skipped(e as RecordedEvent, reason));
    }
    await writeModel(tx, model);
  },

  async reset(tx: SqlExecutor): Promise<void> {
    await tx.exec(
      'DELETE FROM fleet_attempts; DELETE FROM fleet_children; DELETE FROM fleet_progress',
    );
  },
};
