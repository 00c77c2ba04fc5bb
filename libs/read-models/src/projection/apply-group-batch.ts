import type { Position, RecordedEvent, SqlDriver } from '@ratchet/event-store';
import { advanceCheckpoint } from './checkpoint.js';
import type { Projection, ProjectionContext } from './projection.js';

/** One projection's share of a group batch: its events after its checkpoint `from`. */
export interface GroupShare {
  readonly projection: Projection;
  readonly from: Position | null;
  /** In log order, all in the projection's streams and after `from`; may be empty. */
  readonly events: readonly RecordedEvent[];
  /** Where the checkpoint moves: the batch's last position (past `events` when they end sooner). */
  readonly to: Position;
  readonly context: ProjectionContext;
}

export type GroupOutcome =
  | { readonly outcome: 'applied' }
  /** These checkpoints were not at their `from`: nothing at all was written. */
  | { readonly outcome: 'conflict'; readonly lost: readonly string[] };

class LostCompareAndSet extends Error {
  constructor(readonly lost: readonly string[]) {
    super(`checkpoints moved meanwhile: ${lost.join(', ')}`);
  }
}

/**
 * Several projections' batches in one transaction: first the compare-and-set of every
 * checkpoint (in name order, so that two instances' group transactions take the row locks in
 * the same order and cannot deadlock), then each projection's rows. One lost compare-and-set
 * rolls the whole transaction back, so that every checkpoint still moves with its rows. A
 * projection whose `apply` throws rolls it back too; the error is rethrown.
 */
export const applyGroupBatch = async (
  driver: SqlDriver,
  shares: readonly GroupShare[],
): Promise<GroupOutcome> => {
  const ordered = [...shares].sort((a, b) =>
    a.projection.name < b.projection.name ? -1 : a.projection.name > b.projection.name ? 1 : 0,
  );
  try {
    await driver.transaction(async (tx) => {
      const lost: string[] = [];
      for (const { projection, from, to } of ordered) {
        if (!(await advanceCheckpoint(tx, projection.name, projection.version, from, to)))
          lost.push(projection.name);
      }
      if (lost.length > 0) throw new LostCompareAndSet(lost);
      for (const { projection, events, context } of ordered) {
        const handled = events.filter((event) => projection.handles(event));
        if (handled.length > 0) await projection.apply(tx, handled, context);
      }
    });
    return { outcome: 'applied' };
  } catch (error) {
    if (error instanceof LostCompareAndSet) return { outcome: 'conflict', lost: error.lost };
    throw error;
  }
};
