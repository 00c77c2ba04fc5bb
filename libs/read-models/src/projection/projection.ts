import type { RecordedEvent, SqlExecutor } from '@ratchet/event-store';

/**
 * A read model fed from the global log. The runner calls `apply` inside the transaction that
 * also moves the projection's checkpoint, so whatever `apply` writes is committed exactly
 * once per event, or not at all.
 */
export interface Projection {
  /** The checkpoint's key; stable across releases. */
  readonly name: string;
  /**
   * Bumped when `apply` changes meaning: a runner that finds an older version in the
   * database empties the projection (`reset`) and replays the log from the start.
   */
  readonly version: number;
  /** Only streams with this prefix are read at all. */
  readonly streamPrefix: string;
  /** Events it does not handle still advance the checkpoint. */
  handles(event: RecordedEvent): boolean;
  /** Writes the rows for these events (in log order, all handled). Throws to roll back. */
  apply(
    tx: SqlExecutor,
    events: readonly RecordedEvent[],
    context: ProjectionContext,
  ): Promise<void>;
  /** Empties the projection's tables (for a rebuild); the checkpoint is reset by the runner. */
  reset(tx: SqlExecutor): Promise<void>;
}

export interface ProjectionContext {
  /** An event the projection cannot fold (a corrupt stream): it is skipped, never fatal. */
  skipped(event: RecordedEvent, reason: string): void;
}
