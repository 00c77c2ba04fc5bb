import type { Position, RecordedEvent, ReadAllOptions, Subscription } from '../event-store.port.js';
import type { ScannedPage } from './read-all.js';
import type { WakeSignal } from './wake-signal.js';

export interface PollingOptions {
  readonly after?: Position | null;
  readonly streamPrefix?: string;
  /** Longest wait between two reads when nothing wakes the subscription. */
  readonly pollIntervalMs: number;
  /**
   * Shortest time between the starts of two reads that were not full pages (default 0). Each
   * append in this process wakes every live subscription; under load that is a read of the log
   * per subscription per append, each returning an event or two (and a projection transaction
   * for each). Waiting this long after a read lets the events of the interval arrive as one
   * page: fewer, larger reads, at the price of at most this much extra delivery latency.
   */
  readonly minReadIntervalMs?: number;
  readonly batchSize: number;
}

/**
 * Catch-up then live, by polling the global log from where the last scan stopped. Each event
 * is delivered once and in order because the log never returns a row that could later be
 * preceded by another (see read-all.ts). A failed read ends the iteration with the error:
 * the consumer resubscribes from its checkpoint.
 */
export class PollingSubscription implements Subscription {
  readonly #read: (options: ReadAllOptions) => Promise<ScannedPage>;
  readonly #signal: WakeSignal;
  readonly #options: PollingOptions;
  readonly #onClose: () => void;
  readonly #closing = new AbortController();
  #iterator: AsyncGenerator<RecordedEvent> | undefined;

  constructor(
    read: (options: ReadAllOptions) => Promise<ScannedPage>,
    signal: WakeSignal,
    options: PollingOptions,
    onClose: () => void,
  ) {
    this.#read = read;
    this.#signal = signal;
    this.#options = options;
    this.#onClose = onClose;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    // A second iterator would share the position and split the events between them.
    if (this.#iterator) throw new Error('a subscription can be iterated only once');
    this.#iterator = this.#poll();
    return this.#iterator;
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    this.#onClose();
    // Waits for a read in flight to finish, so that nothing runs after close resolves.
    await this.#iterator?.return(undefined);
  }

  async *#poll(): AsyncGenerator<RecordedEvent> {
    const { streamPrefix, pollIntervalMs, batchSize, minReadIntervalMs = 0 } = this.#options;
    const closed = this.#closing.signal;
    let after = this.#options.after ?? null;
    let lastRead = -Infinity;
    while (!closed.aborted) {
      const rest = lastRead + minReadIntervalMs - performance.now();
      if (rest > 0) await pause(rest, closed);
      if (closed.aborted) return;
      const generation = this.#signal.generation(streamPrefix);
      lastRead = performance.now();
      const page = await this.#read({ after, streamPrefix, limit: batchSize });
      for (const event of page.events) {
        if (closed.aborted) return;
        yield event;
      }
      after = page.scannedTo ?? after;
      if (page.full) lastRead = -Infinity;
      else await this.#signal.wait(generation, pollIntervalMs, closed, streamPrefix);
    }
  }
}

/** Resolves after `ms`, or at once when `abort` fires. */
const pause = (ms: number, abort: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      abort.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    abort.addEventListener('abort', done, { once: true });
  });
