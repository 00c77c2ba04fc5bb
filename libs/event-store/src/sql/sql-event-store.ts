import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  Subscription,
  SubscribeOptions,
} from '../event-store.port.js';
import { assertValidAppend, assertValidAppends } from '../validate-append.js';
import { writeAppend } from './append.js';
import { writeAppendGroup } from './append-group.js';
import { writeManyAppends } from './append-many.js';
import { readAll, scanAll } from './read-all.js';
import { readStream } from './read-stream.js';
import { settled } from './readable-horizon.js';
import { readStreamGroup, type StreamRead } from './read-stream-group.js';
import { StatementGroups } from './statement-groups.js';
import type { SqlDriver } from './sql-driver.js';
import { isDeadlock, isUniqueViolation } from './sql-driver.js';
import { staleFromUniqueViolation, staleRevision } from './stale.js';
import { PollingSubscription } from './subscribe.js';
import { WakeSignal } from './wake-signal.js';

export interface SqlEventStoreOptions {
  /** Longest wait of a live subscription when this process did not append (default 100 ms; PGlite: 1000). */
  readonly pollIntervalMs?: number;
  /** Events per read of a catching-up subscription (default 500). */
  readonly subscriptionBatchSize?: number;
  /**
   * Shortest time between two live reads of one subscription (default 10 ms; PGlite: 25): under
   * load the appends of that interval are delivered as one page (one projection transaction)
   * instead of a read of the log per append and per subscription.
   */
  readonly subscriptionMinReadIntervalMs?: number;
  /**
   * Group commit (default 2): at most this many append statements at once. Appends that arrive
   * while they all run wait, and go together as one statement and one commit (see
   * append-group.ts) as soon as one finishes (statement-groups.ts). Under light load an
   * append goes with those of its turn of the event loop; under heavy load a round trip and a
   * commit serve many.
   */
  readonly appendConcurrency?: number;
  /** The most appends in one group (default 64). */
  readonly appendGroupSize?: number;
  /**
   * Read grouping (default 2): at most this many stream-read statements at once; reads that
   * arrive while they all run go together as one statement as soon as one finishes (see
   * read-stream-group.ts, statement-groups.ts).
   */
  readonly readConcurrency?: number;
  /** The most stream reads in one statement (default 64). */
  readonly readGroupSize?: number;
  /**
   * Start a free append or read slot at the end of the event loop's turn (default true), so
   * that what one turn asks for shares a statement. PGlite: false (it answers in microtasks,
   * so a long in-process read would hold a deferred append back until it ends).
   */
  readonly groupWithinTurn?: boolean;
}

interface PendingRead extends StreamRead {
  readonly resolve: (events: RecordedEvent[]) => void;
  readonly reject: (error: unknown) => void;
}

interface PendingAppend extends StreamAppend {
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** An error the server raised for the statement (SQLSTATE): the statement wrote nothing. */
const isStatementError = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as { code?: unknown }).code === 'string' &&
  /^[0-9A-Z]{5}$/.test((error as { code: string }).code);

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
  readonly #minReadIntervalMs: number;
  readonly #appends: StatementGroups<PendingAppend>;
  readonly #reads: StatementGroups<PendingRead>;

  constructor(driver: SqlDriver, options: SqlEventStoreOptions = {}) {
    this.#driver = driver;
    this.#pollIntervalMs = options.pollIntervalMs ?? 100;
    this.#batchSize = options.subscriptionBatchSize ?? 500;
    this.#minReadIntervalMs = options.subscriptionMinReadIntervalMs ?? 10;
    const withinTurn = options.groupWithinTurn ?? true;
    this.#appends = new StatementGroups(
      {
        concurrency: options.appendConcurrency ?? 2,
        groupSize: options.appendGroupSize ?? 64,
        withinTurn,
      },
      (group) => this.#write(group),
    );
    this.#reads = new StatementGroups(
      {
        concurrency: options.readConcurrency ?? 2,
        groupSize: options.readGroupSize ?? 64,
        withinTurn,
      },
      (group) => this.#read(group),
    );
  }

  async append(
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    assertValidAppend(stream, events, expected);
    return new Promise<AppendResult>((resolve, reject) => {
      this.#appends.add({ stream, events, expected, resolve, reject });
    });
  }

  /** Settles every append of the group; never rejects. */
  async #write(group: PendingAppend[]): Promise<void> {
    if (group.length > 1) {
      // Heads are locked in stream order by every group (stable: one stream's appends keep
      // their order), so that two groups cannot deadlock on each other.
      const ordered = [...group].sort(byStream);
      let outcomes: Array<AppendResult | Error>;
      try {
        outcomes = await writeAppendGroup(this.#driver, ordered);
      } catch (error) {
        // Not a statement error (a lost connection): it may have committed; say so to each.
        if (!isStatementError(error)) {
          for (const append of group) append.reject(error);
          return;
        }
        // One append's own failure (a reused event id, an unstorable value, a deadlock) fails
        // the statement, and nothing of it was written: each goes alone and gets its own answer.
        for (const append of ordered) await this.#writeAlone(append);
        return;
      }
      this.#signal.notify(ordered.map((a) => a.stream));
      ordered.forEach((append, i) => {
        const outcome = outcomes[i]!;
        if (outcome instanceof Error) append.reject(outcome);
        else append.resolve(outcome);
      });
      return;
    }
    await this.#writeAlone(group[0]!);
  }

  async #writeAlone({ stream, events, expected, resolve, reject }: PendingAppend): Promise<void> {
    let result: AppendResult;
    try {
      // One statement, outside any explicit transaction: it commits or fails as a whole.
      result = await writeAppend(this.#driver, stream, events, expected);
    } catch (error) {
      if (!isUniqueViolation(error)) return reject(error);
      return reject(
        await staleFromUniqueViolation(this.#driver, [{ stream, events, expected }]).catch(
          (e: unknown) => e,
        ),
      );
    }
    this.#signal.notify([stream]);
    resolve(result);
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
        this.#signal.notify(appends.map((a) => a.stream));
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

  /**
   * A read is never sent before it was asked for, so it sees every append that committed before
   * the call, as a read of its own would; grouped, it may see later ones too (as a read that
   * was merely slower would).
   */
  readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return new Promise<RecordedEvent[]>((resolve, reject) => {
      this.#reads.add({ stream, fromRevision: options.fromRevision ?? 0n, resolve, reject });
    });
  }

  /** Settles every read of the group; never rejects. */
  async #read(group: readonly PendingRead[]): Promise<void> {
    try {
      if (group.length === 1) {
        const [only] = group as [PendingRead];
        only.resolve(await readStream(this.#driver, only.stream, only.fromRevision));
        return;
      }
      const answers = await readStreamGroup(this.#driver, group);
      group.forEach((read, i) => read.resolve(answers[i]!));
    } catch (error) {
      for (const read of group) read.reject(error);
    }
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return readAll(this.#driver, options);
  }

  settled(): Promise<void> {
    return settled(this.#driver);
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    const subscription: Subscription = new PollingSubscription(
      (readOptions) => scanAll(this.#driver, readOptions),
      this.#signal,
      {
        ...options,
        pollIntervalMs: this.#pollIntervalMs,
        minReadIntervalMs: options.minReadIntervalMs ?? this.#minReadIntervalMs,
        batchSize: this.#batchSize,
      },
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
