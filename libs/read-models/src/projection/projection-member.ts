import type { EventStore, Position, RecordedEvent, SqlDriver } from '@ratchet/event-store';
import { errorMessage, type ReadModelLogger, silentLogger } from '../read-model-logger.js';
import { applyBatch } from './apply-batch.js';
import { prepareProjection, reloadPosition } from './prepare-projection.js';
import type { Projection, ProjectionContext } from './projection.js';
import { measureLag, type ProjectionLag } from './projection-lag.js';
import type { ProjectionStatus, RunnerState } from './projection-status.js';

const AFTER_COMMIT_EVERY_MS = 1_000;

export interface ProjectionRunnerOptions {
  /** Events per read and per transaction (default 500; a group takes up to 1,000). */
  readonly batchSize?: number;
  /** First wait after a failure, doubled up to `maxRetryDelayMs` (defaults 200 ms, 5 s). */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** Most events `lag()` reads to count the backlog (default 1000). */
  readonly lagProbeLimit?: number;
  readonly logger?: ReadModelLogger;
  readonly now?: () => number;
  /**
   * A group's live read of the log at most this often (default 50 ms; a hint to a polling
   * store): each read that finds events is one transaction for every projection, so under a
   * steady trickle this bounds the read models' transactions to about 20 a second, at the
   * price of read models up to this much later than the log.
   */
  readonly liveReadIntervalMs?: number;
}

/**
 * One projection's side of a runner: its checkpoint as last seen, its counts and failure, its
 * catch-up alone with `readAll`, its batches alone (one transaction each), and its
 * `afterCommit` work. A ProjectionRunner drives one member from its own live subscription; a
 * ProjectionGroup drives several from one (projection-group.ts).
 */
export class ProjectionMember {
  readonly projection: Projection;
  readonly context: ProjectionContext;
  readonly #driver: SqlDriver;
  readonly #store: EventStore;
  readonly #options: ProjectionRunnerOptions;
  readonly #logger: ReadModelLogger;
  readonly #stopping: AbortSignal;
  position: Position | null = null;
  state: RunnerState = 'idle';
  #failure: string | null = null;
  readonly #counts = { applied: 0, conflicts: 0, skipped: 0 };
  /** `afterCommit` in flight, and whether another call was asked for meanwhile. */
  #afterCommit: Promise<void> | null = null;
  #afterCommitAgain = false;
  #afterCommitTimer: NodeJS.Timeout | null = null;
  #afterCommitFailing = false;

  constructor(
    projection: Projection,
    driver: SqlDriver,
    store: EventStore,
    options: ProjectionRunnerOptions,
    stopping: AbortSignal,
  ) {
    this.projection = projection;
    this.#driver = driver;
    this.#store = store;
    this.#options = options;
    this.#stopping = stopping;
    this.#logger = options.logger ?? silentLogger;
    this.context = {
      skipped: (event, reason) => {
        this.#counts.skipped += 1;
        this.#logger.warn(
          `projection ${projection.name} skipped ${event.stream}@${event.revision} (${event.type}): ${reason}`,
        );
      },
    };
  }

  get name(): string {
    return this.projection.name;
  }

  /** The events of `events` in this projection's streams and after its checkpoint. */
  fresh(events: readonly RecordedEvent[]): RecordedEvent[] {
    const from = this.position;
    const prefix = this.projection.streamPrefix;
    return events.filter(
      (event) => (from === null || event.position > from) && event.stream.startsWith(prefix),
    );
  }

  /**
   * Applies everything up to the head of the log alone: up to where the log is readable now
   * (a caller that must reach every event committed before the call awaits the store's
   * `settled()` first); returns the number of events applied. `behind`: called when a read
   * returns a full batch (the projection is far behind).
   */
  async catchUp(batchSize: number, behind?: () => void): Promise<number> {
    this.state = 'catching_up';
    this.position = await prepareProjection(this.#driver, this.projection, this.#logger);
    const before = this.#counts.applied;
    const { streamPrefix } = this.projection;
    while (!this.#stopping.aborted) {
      const batch = await this.#store.readAll({
        after: this.position,
        streamPrefix,
        limit: batchSize,
      });
      if (batch.length === 0) break;
      if (batch.length === batchSize) behind?.();
      await this.applyAlone(batch);
    }
    this.#failure = null;
    return this.#counts.applied - before;
  }

  /**
   * Applies the events after the checkpoint in a transaction of its own. On a lost
   * compare-and-set it re-reads the checkpoint and retries with what is left of the batch: the
   * winner's batch may have ended inside this one, and the events past its end are in no other
   * batch of this member's feed.
   */
  async applyAlone(events: readonly RecordedEvent[]): Promise<void> {
    for (;;) {
      const from = this.position;
      const fresh = this.fresh(events);
      if (fresh.length === 0) return;
      const outcome = await applyBatch(this.#driver, this.projection, from, fresh, this.context);
      if (outcome === 'applied') return this.committed(fresh);
      await this.reload();
    }
  }

  /**
   * After a commit that moved this checkpoint to `to` (default: the last of `applied`, its
   * fresh events). With nothing applied there is no after-commit work.
   */
  committed(applied: readonly RecordedEvent[], to?: Position): void {
    this.position = to ?? applied[applied.length - 1]!.position;
    this.#counts.applied += applied.length;
    this.#failure = null;
    if (applied.length > 0) this.runAfterCommit();
  }

  /** After a lost compare-and-set: where the winner left the checkpoint. */
  async reload(): Promise<void> {
    this.#counts.conflicts += 1;
    this.position = await reloadPosition(this.#driver, this.projection);
  }

  /** `log`: false when the caller logs the failure once for several members. */
  failed(error: unknown, retryInMs: number, log = true): void {
    this.#failure = errorMessage(error);
    if (log)
      this.#logger.error(
        `projection ${this.name} failed, retrying in ${retryInMs} ms: ${this.#failure}`,
      );
  }

  recovered(): void {
    this.#failure = null;
  }

  startAfterCommitTimer(): void {
    if (this.projection.afterCommit && !this.#afterCommitTimer) {
      this.#afterCommitTimer = setInterval(() => this.runAfterCommit(), AFTER_COMMIT_EVERY_MS);
      this.#afterCommitTimer.unref();
    }
  }

  /** Once the stop signal has fired: waits for the after-commit work in flight. */
  async stop(): Promise<void> {
    if (this.#afterCommitTimer) clearInterval(this.#afterCommitTimer);
    this.#afterCommitTimer = null;
    await this.#afterCommit;
    this.state = 'stopped';
  }

  /** Outside every transaction; one at a time; a failure waits for the next call. */
  runAfterCommit(): void {
    const work = this.projection.afterCommit;
    if (!work || this.#stopping.aborted) return;
    if (this.#afterCommit) {
      this.#afterCommitAgain = true;
      return;
    }
    this.#afterCommit = (async () => {
      do {
        this.#afterCommitAgain = false;
        try {
          await work.call(this.projection, this.#driver);
          if (this.#afterCommitFailing)
            this.#logger.log(`projection ${this.name}: after-commit work done again`);
          this.#afterCommitFailing = false;
        } catch (error) {
          if (!this.#afterCommitFailing)
            this.#logger.warn(
              `projection ${this.name}: after-commit work failed, trying again every ${AFTER_COMMIT_EVERY_MS} ms: ${errorMessage(error)}`,
            );
          this.#afterCommitFailing = true;
          return;
        }
      } while (this.#afterCommitAgain && !this.#stopping.aborted);
    })().finally(() => {
      this.#afterCommit = null;
    });
  }

  status(): ProjectionStatus {
    const { name, version } = this.projection;
    const { applied, conflicts, skipped } = this.#counts;
    return {
      name,
      version,
      state: this.state,
      position: this.position,
      failure: this.#failure,
      appliedEvents: applied,
      conflicts,
      skippedEvents: skipped,
    };
  }

  lag(): Promise<ProjectionLag> {
    const now = (this.#options.now ?? Date.now)();
    const cap = this.#options.lagProbeLimit ?? 1000;
    return measureLag(this.#driver, this.#store, this.projection, now, cap);
  }
}
