import type { Position, RecordedEvent, SqlDriver } from '@ratchet/event-store';
import { advanceCheckpoint } from './checkpoint.js';
import type { Projection, ProjectionContext } from './projection.js';

export type BatchOutcome = 'applied' | 'conflict';

/**
 * One batch, one transaction: move the checkpoint from `from` to the batch's last position,
 * then write the rows. Either both commit or neither does, so an event is applied exactly
 * once even if the process dies mid-batch. `conflict`: the checkpoint was not at `from`;
 * nothing was written and the caller re-reads it.
 */
export const applyBatch = (
  driver: SqlDriver,
  projection: Projection,
  from: Position | null,
  events: readonly RecordedEvent[],
  context: ProjectionContext,
): Promise<BatchOutcome> => {
  const last = events.at(-1);
  if (!last) return Promise.resolve('applied');
  const handled = events.filter((event) => projection.handles(event));
  return driver.transaction(async (tx) => {
    const moved = await advanceCheckpoint(
      tx,
      projection.name,
      projection.version,
      from,
      last.position,
    );
    if (!moved) return 'conflict';
    if (handled.length > 0) await projection.apply(tx, handled, context);
    return 'applied';
  });
};
