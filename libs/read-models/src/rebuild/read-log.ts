import type { Position } from '@ratchet/event-store';
import type { LogBatch, LogReader } from './log-reader.js';

/**
 * The global log in batches, with the next read already in flight while the caller works on
 * the current batch (the database scans while Node folds). Stops at the first short batch:
 * the head as it was at that read. A caller that needs everything up to "now" reads on until
 * a batch comes back empty.
 */
export async function* readLogAhead(
  log: LogReader,
  options: {
    readonly after: Position | null;
    readonly streamPrefix: string;
    readonly limit: number;
  },
): AsyncGenerator<LogBatch> {
  const { streamPrefix, limit } = options;
  const read = (after: Position | null) => {
    const reading = log.read(after, streamPrefix, limit);
    // Awaited later: a failure meanwhile must not count as an unhandled rejection.
    reading.catch(() => undefined);
    return reading;
  };
  let next: Promise<LogBatch> | null = read(options.after);
  while (next) {
    const batch: LogBatch = await next;
    const n = batch.events.length;
    next = n === limit ? read(batch.positionOf(n - 1)) : null;
    if (n > 0) yield batch;
  }
}
