import type { EventStore, SqlExecutor } from '@ratchet/event-store';
import { loadCheckpoint } from './checkpoint.js';
import type { Projection } from './projection.js';

export interface ProjectionLag {
  readonly name: string;
  /** Events in the log after the checkpoint, counted up to the probe's cap. */
  readonly events: number;
  /** `events` reached the cap: the projection is at least that far behind. */
  readonly capped: boolean;
  /** Age of the oldest event not yet applied; 0 when caught up. */
  readonly ms: number;
}

/**
 * How far the projection's checkpoint (in the database: any instance's runner may have moved
 * it) is behind the head of the log. The store's port has no cheap "head", so this reads at
 * most `cap` events after the checkpoint: nothing at all when caught up.
 */
export const measureLag = async (
  db: SqlExecutor,
  store: EventStore,
  projection: Projection,
  now: number,
  cap: number,
): Promise<ProjectionLag> => {
  const checkpoint = await loadCheckpoint(db, projection.name);
  const pending = await store.readAll({
    after: checkpoint?.position ?? null,
    streamPrefix: projection.streamPrefix,
    limit: cap,
  });
  const oldest = pending[0];
  return {
    name: projection.name,
    events: pending.length,
    capped: pending.length >= cap,
    ms: oldest ? Math.max(0, now - oldest.recordedAt.getTime()) : 0,
  };
};
