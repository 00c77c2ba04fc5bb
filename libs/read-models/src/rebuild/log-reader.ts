import type { EventStore, Position, RecordedEvent, SqlExecutor } from '@ratchet/event-store';

/**
 * What folding needs of an event: rebuild and verify read no times and, of the metadata, only
 * `issuedBy` of a command's first event (`issuedBy`, or `metadata` through the port).
 */
export type LogEvent = Pick<RecordedEvent, 'stream' | 'revision' | 'type' | 'data'> & {
  readonly metadata?: RecordedEvent['metadata'];
  readonly issuedBy?: string | null;
};

export interface LogBatch {
  readonly events: readonly LogEvent[];
  /** The position of `events[index]`. */
  positionOf(index: number): Position;
}

/**
 * The global log as rebuild and verify read it: the store's `readAll` (`portLogReader`, any
 * adapter), or the SQL store's table read directly (`sqlLogReader`, several times faster).
 */
export interface LogReader {
  /** `port` or `sql`: which path the reads take (the SQL reader falls back to the port). */
  readonly path: 'port' | 'sql';
  read(after: Position | null, streamPrefix: string, limit: number): Promise<LogBatch>;
  /**
   * The same read through a transaction of the read models' database (the rebuild's switch,
   * which holds PGlite's one connection); `null` where the log is not in that database.
   */
  readWithin(
    db: SqlExecutor,
    after: Position | null,
    streamPrefix: string,
    limit: number,
  ): Promise<LogBatch | null>;
}

export const portBatch = (events: readonly RecordedEvent[]): LogBatch => ({
  events,
  positionOf: (index) => (events[index] as RecordedEvent).position,
});

export const portLogReader = (store: EventStore): LogReader => ({
  path: 'port',
  read: async (after, streamPrefix, limit) =>
    portBatch(await store.readAll({ after, streamPrefix, limit })),
  readWithin: async () => null,
});

export const lastPosition = (batch: LogBatch): Position | null =>
  batch.events.length > 0 ? batch.positionOf(batch.events.length - 1) : null;
