import type { RecordedEvent, SqlDriver, SqlExecutor } from '@ratchet/event-store';

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
  /**
   * Work that must not run inside a transaction (it waits on the network): called by the runner
   * after each committed batch and about once a second, never twice at once. It must find its
   * work in what `apply` committed (an outbox), so that a crash or a failure loses nothing:
   * it throws to be called again later.
   */
  afterCommit?(driver: SqlDriver): Promise<void>;
}

export interface ProjectionContext {
  /** An event the projection cannot fold (a corrupt stream): it is skipped, never fatal. */
  skipped(event: RecordedEvent, reason: string): void;
}
