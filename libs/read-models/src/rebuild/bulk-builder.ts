import type { SqlExecutor } from '@ratchet/event-store';
import type { Projection } from '../projection/projection.js';
import type { LogEvent } from './log-reader.js';

export interface BuildContext {
  /** An event the projection cannot fold (a corrupt stream): skipped, as the runner does. */
  skipped(event: LogEvent, reason: string): void;
}

/**
 * A projection's fast path for a rebuild: fold the whole log in memory and write each row once,
 * instead of the runner's read-modify-write per batch. It must give the rows the projection's
 * own `apply` would give for the same events (the rebuild tests compare the two).
 */
export interface BulkBuilder {
  /** The projection's events (handled ones only), in log order. */
  fold(events: readonly LogEvent[], context: BuildContext): void;
  /**
   * During the load, into the fresh tables that have no keys or indexes yet: writes the rows
   * no later event can change (plain INSERTs, each row once); `final` writes all the rest.
   * Returns the number of rows written.
   */
  load(db: SqlExecutor, final: boolean): Promise<number>;
  /** After keys and indexes exist: writes what folding the tail changed (upserts). */
  writeTail(db: SqlExecutor): Promise<void>;
}

/** A projection that `rebuildProjection` knows how to rebuild. */
export interface RebuildDefinition {
  readonly projection: Projection;
  /** The projection's tables, each rebuilt into a fresh copy and switched in together. */
  readonly tables: readonly string[];
  /** `fresh` maps each live table to its fresh copy. */
  builder(fresh: ReadonlyMap<string, string>): BulkBuilder;
}

/** Rows per INSERT statement during the load. */
export const WRITE_BATCH = 2000;

export const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};
