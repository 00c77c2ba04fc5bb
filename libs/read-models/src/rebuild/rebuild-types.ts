import type { EventStore, Position, SqlDriver } from '@ratchet/event-store';
import type { ReadModelLogger } from '../read-model-logger.js';
import type { LogReader } from './log-reader.js';

export type RebuildPhase = 'loading' | 'indexing' | 'switching' | 'done';

export interface RebuildProgress {
  readonly phase: RebuildPhase;
  /** Events read from the log so far (the projection's stream prefix). */
  readonly events: number;
  readonly rows: number;
  readonly elapsedMs: number;
}

export interface RebuildOptions {
  readonly driver: SqlDriver;
  readonly eventStore: EventStore;
  /**
   * How the log is read: by default through `eventStore.readAll`; `sqlLogReader` when the
   * events live in the same database (much faster).
   */
  readonly log?: LogReader;
  /** A projection of `REBUILDABLE_PROJECTIONS`. */
  readonly name: string;
  /** Events per read of the log (default 5000). */
  readonly batchSize?: number;
  /** Switching transactions that found the live runners ahead, before giving up (default 50). */
  readonly maxSwitchAttempts?: number;
  readonly onProgress?: (progress: RebuildProgress) => void;
  readonly logger?: ReadModelLogger;
  readonly now?: () => number;
}

export interface RebuildResult {
  readonly name: string;
  readonly version: number;
  readonly events: number;
  /** Of which read after the load, while switching (appended during the rebuild). */
  readonly tailEvents: number;
  /** Events the projection could not fold (corrupt streams): `verify` names them. */
  readonly skippedEvents: number;
  readonly skippedExamples: readonly string[];
  readonly rows: number;
  /** The checkpoint the switched-in tables are at. */
  readonly position: Position | null;
  readonly switchAttempts: number;
  /** Which path the log was read by (`sql` falls back to `port` if the store is not as expected). */
  readonly logPath: 'port' | 'sql';
  /** Fresh tables of earlier, unfinished rebuilds, dropped first. */
  readonly droppedLeftovers: readonly string[];
  readonly ms: { readonly load: number; readonly index: number; readonly switch: number };
}
