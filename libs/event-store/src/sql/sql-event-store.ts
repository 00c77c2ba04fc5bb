import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
  StreamAppend,
  Subscription,
  SubscribeOptions,
} from '../event-store.port.js';
import { assertValidAppend, assertValidAppends } from '../validate-append.js';
import { writeAppend } from './append.js';
import { writeManyAppends } from './append-many.js';
import { readAll, scanAll } from './read-all.js';
import { readStream } from './read-stream.js';
import type { SqlDriver } from './sql-driver.js';
import { isDeadlock, isUniqueViolation } from './sql-driver.js';
import { staleFromUniqueViolation, staleRevision } from './stale.js';
import { PollingSubscription } from './subscribe.js';
import { WakeSignal } from './wake-signal.js';

export interface SqlEventStoreOptions {
  /** Longest wait of a live subscription when this process did not append (default 100 ms). */
  readonly pollIntervalMs?: number;
  /** Events per read of a catching-up subscription (default 500). */
  readonly subscriptionBatchSize?: number;
}

/** Thrown inside the batch transaction to roll it back; never leaves this module. */
class StaleBatch {
  constructor(readonly stale: StreamAppend) {}
}

/** Overlapping batches can deadlock on stream heads; PostgreSQL aborts one, which is retried. */
const DEADLOCK_ATTEMPTS = 3;

const byStream = (a: StreamAppend, b: StreamAppend): number =>
  a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0;

/** The event store over PostgreSQL or PGlite: the same SQL, two drivers. */
export class SqlEventStore implements EventStore {
  readonly #driver: SqlDriver;
  readonly #signal = new WakeSignal();
  readonly #subscriptions = new Set<Subscription>();
  readonly #pollIntervalMs: number;
  readonly #batchSize: number;

  constructor(driver: SqlDriver, options: SqlEventStoreOptions = {}) {
    this.#driver = driver;
    this.#pollIntervalMs = options.pollIntervalMs ?? 100;
    this.#batchSize = options.subscriptionBatchSize ?? 500;
  }

  async append(
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    assertValidAppend(stream, events, expected);
    let result: AppendResult;
    try {
      // One statement, outside any explicit transaction: it commits or fails as a whole.
      result = await writeAppend(this.#driver, stream, events, expected);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw await staleFromUniqueViolation(this.#driver, [{ stream, events, expected }]);
    }
    this.#signal.notify();
    return result;
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    assertValidAppends(appends);
    if (appends.length === 0) return [];
    // Heads locked in one order by every batch make deadlocks rare.
    const ordered = [...appends].sort(byStream);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const written = await this.#driver.transaction(async (tx) => {
          const result = await writeManyAppends(tx, ordered);
          const stale = appends.find(({ stream }) => !result.has(stream));
          if (stale) throw new StaleBatch(stale);
          return result;
        });
        this.#signal.notify();
        return appends.map(({ stream }) => written.get(stream) as AppendResult);
      } catch (error) {
        if (error instanceof StaleBatch) {
          throw await staleRevision(this.#driver, error.stale.stream, error.stale.expected);
        }
        if (isUniqueViolation(error)) throw await staleFromUniqueViolation(this.#driver, appends);
        if (!isDeadlock(error) || attempt >= DEADLOCK_ATTEMPTS) throw error;
      }
    }
  }

  readStream(stream: string): Promise<RecordedEvent[]> {
    return readStream(this.#driver, stream);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return readAll(this.#driver, options);
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    const subscription: Subscription = new PollingSubscription(
      (readOptions) => scanAll(this.#driver, readOptions),
      this.#signal,
      { ...options, pollIntervalMs: this.#pollIntervalMs, batchSize: this.#batchSize },
      () => this.#subscriptions.delete(subscription),
    );
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    await this.#driver.query({ name: 'ratchet_es_ping', text: 'SELECT 1' }, []);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
    await this.#driver.close();
  }
}
