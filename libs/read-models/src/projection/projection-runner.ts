import type { EventStore, Position, RecordedEvent, SqlDriver } from '@ratchet/event-store';
import { errorMessage, type ReadModelLogger, silentLogger } from '../read-model-logger.js';
import { applyBatch } from './apply-batch.js';
import { BatchingFeed } from './batching-feed.js';
import { prepareProjection, reloadPosition } from './prepare-projection.js';
import type { Projection, ProjectionContext } from './projection.js';
import { measureLag, type ProjectionLag } from './projection-lag.js';
import type { ProjectionStatus, RunnerState } from './projection-status.js';
import { sleep } from './projection-status.js';

const AFTER_COMMIT_EVERY_MS = 1_000;

export interface ProjectionRunnerOptions {
  /** Events per read and per transaction (default 500). */
  readonly batchSize?: number;
  /** First wait after a failure, doubled up to `maxRetryDelayMs` (defaults 200 ms, 5 s). */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** Most events `lag()` reads to count the backlog (default 1000). */
  readonly lagProbeLimit?: number;
  readonly logger?: ReadModelLogger;
  readonly now?: () => number;
}

/**
 * Follows the global log into one projection: catch-up with `readAll` in batches, then live
 * through `subscribeToAll`, each batch committed with the checkpoint (see apply-batch.ts).
 *
 * Several instances may run the same projection at once. They coordinate through the
 * checkpoint's compare-and-set rather than a lease: there is no lease to expire, no clock to
 * trust and no takeover delay after a crash (DESIGN.md: nothing in an instance is exclusive).
 * A runner that loses the race wrote nothing; it re-reads the checkpoint and applies only what
 * lies beyond it. The CAS row lock serialises the writers, so N runners cost N reads of the
 * log, not N writes, and give the result of one. A lease would save those reads; at the
 * ledger's rates they are cheap, and a stalled lease holder would stall every read model.
 */
export class ProjectionRunner {
  readonly #projection: Projection;
  readonly #driver: SqlDriver;
  readonly #store: EventStore;
  readonly #batchSize: number;
  readonly #options: ProjectionRunnerOptions;
  readonly #logger: ReadModelLogger;
  readonly #context: ProjectionContext;
  readonly #stopping = new AbortController();
  #position: Position | null = null;
  #state: RunnerState = 'idle';
  #failure: string | null = null;
  #counts = { applied: 0, conflicts: 0, skipped: 0 };
  #feed: BatchingFeed | null = null;
  #running: Promise<void> | null = null;
  /** `afterCommit` in flight, and whether another call was asked for meanwhile. */
  #afterCommit: Promise<void> | null = null;
  #afterCommitAgain = false;
  #afterCommitTimer: NodeJS.Timeout | null = null;
  #afterCommitFailing = false;

  constructor(
    projection: Projection,
    driver: SqlDriver,
    store: EventStore,
    options: ProjectionRunnerOptions = {},
  ) {
    this.#projection = projection;
    this.#driver = driver;
    this.#store = store;
    this.#options = options;
    this.#batchSize = options.batchSize ?? 500;
    this.#logger = options.logger ?? silentLogger;
    this.#context = {
      skipped: (event, reason) => {
        this.#counts.skipped += 1;
        this.#logger.warn(
          `projection ${projection.name} skipped ${event.stream}@${event.revision} (${event.type}): ${reason}`,
        );
      },
    };
  }

  /** Runs in the background until `stop()`; failures are retried with a growing delay. */
  start(): void {
    this.#running ??= this.#run();
    if (this.#projection.afterCommit && !this.#afterCommitTimer) {
      this.#afterCommitTimer = setInterval(() => this.#runAfterCommit(), AFTER_COMMIT_EVERY_MS);
      this.#afterCommitTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    if (this.#afterCommitTimer) clearInterval(this.#afterCommitTimer);
    await this.#feed?.close();
    await this.#running;
    await this.#afterCommit;
    this.#state = 'stopped';
  }

  /** Outside every transaction; one at a time; a failure waits for the next call. */
  #runAfterCommit(): void {
    const work = this.#projection.afterCommit;
    if (!work || this.#stopping.signal.aborted) return;
    if (this.#afterCommit) {
      this.#afterCommitAgain = true;
      return;
    }
    this.#afterCommit = (async () => {
      do {
        this.#afterCommitAgain = false;
        try {
          await work.call(this.#projection, this.#driver);
          if (this.#afterCommitFailing)
            this.#logger.log(`projection ${this.#projection.name}: after-commit work done again`);
          this.#afterCommitFailing = false;
        } catch (error) {
          if (!this.#afterCommitFailing)
            this.#logger.warn(
              `projection ${this.#projection.name}: after-commit work failed, trying again every ${AFTER_COMMIT_EVERY_MS} ms: ${errorMessage(error)}`,
            );
          this.#afterCommitFailing = true;
          return;
        }
      } while (this.#afterCommitAgain && !this.#stopping.signal.aborted);
    })().finally(() => {
      this.#afterCommit = null;
    });
  }

  /** Applies everything up to the head of the log, then returns the number of events applied. */
  async catchUp(): Promise<number> {
    this.#state = 'catching_up';
    this.#position = await prepareProjection(this.#driver, this.#projection, this.#logger);
    const before = this.#counts.applied;
    const { streamPrefix } = this.#projection;
    while (!this.#stopping.signal.aborted) {
      const batch = await this.#store.readAll({
        after: this.#position,
        streamPrefix,
        limit: this.#batchSize,
      });
      if (batch.length === 0) break;
      await this.#apply(batch);
    }
    this.#failure = null;
    return this.#counts.applied - before;
  }

  status(): ProjectionStatus {
    const { name, version } = this.#projection;
    const { applied, conflicts, skipped } = this.#counts;
    return {
      name,
      version,
      state: this.#state,
      position: this.#position,
      failure: this.#failure,
      appliedEvents: applied,
      conflicts,
      skippedEvents: skipped,
    };
  }

  lag(): Promise<ProjectionLag> {
    const now = (this.#options.now ?? Date.now)();
    const cap = this.#options.lagProbeLimit ?? 1000;
    return measureLag(this.#driver, this.#store, this.#projection, now, cap);
  }

  async #run(): Promise<void> {
    const base = this.#options.retryDelayMs ?? 200;
    let delay = base;
    while (!this.#stopping.signal.aborted) {
      try {
        await this.catchUp();
        await this.#follow();
        delay = base;
      } catch (error) {
        if (this.#stopping.signal.aborted) break;
        this.#failure = errorMessage(error);
        this.#logger.error(
          `projection ${this.#projection.name} failed, retrying in ${delay} ms: ${this.#failure}`,
        );
        await sleep(delay, this.#stopping.signal);
        delay = Math.min(delay * 2, this.#options.maxRetryDelayMs ?? 5000);
      }
    }
  }

  async #follow(): Promise<void> {
    if (this.#stopping.signal.aborted) return;
    this.#state = 'live';
    const { streamPrefix } = this.#projection;
    const feed = new BatchingFeed(
      this.#store.subscribeToAll({ after: this.#position, streamPrefix }),
      this.#batchSize * 2,
    );
    this.#feed = feed;
    try {
      while (!this.#stopping.signal.aborted) {
        const batch = await feed.take(this.#batchSize);
        if (batch.length === 0 && !this.#stopping.signal.aborted)
          throw new Error('the live subscription ended');
        await this.#apply(batch);
      }
    } finally {
      this.#feed = null;
      await feed.close();
    }
  }

  /**
   * Applies the events after the checkpoint. On a lost compare-and-set it re-reads the
   * checkpoint and retries with what is left of the batch: the winner's batch may have ended
   * inside this one, and the events past its end are in no other batch of this runner's feed.
   */
  async #apply(events: readonly RecordedEvent[]): Promise<void> {
    for (;;) {
      const from = this.#position;
      const fresh = from === null ? events : events.filter((event) => event.position > from);
      if (fresh.length === 0) return;
      const outcome = await applyBatch(this.#driver, this.#projection, from, fresh, this.#context);
      if (outcome === 'applied') {
        this.#position = fresh[fresh.length - 1]!.position;
        this.#counts.applied += fresh.length;
        this.#failure = null;
        this.#runAfterCommit();
        return;
      }
      this.#counts.conflicts += 1;
      this.#position = await reloadPosition(this.#driver, this.#projection);
    }
  }
}
