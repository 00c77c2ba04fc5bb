import type { EventStore, SqlDriver } from '@ratchet/event-store';
import { BatchingFeed } from './batching-feed.js';
import type { Projection } from './projection.js';
import type { ProjectionLag } from './projection-lag.js';
import { ProjectionMember, type ProjectionRunnerOptions } from './projection-member.js';
import type { ProjectionStatus } from './projection-status.js';
import { sleep } from './projection-status.js';

export type { ProjectionRunnerOptions } from './projection-member.js';

/**
 * Follows the global log into one projection: catch-up with `readAll` in batches, then live
 * through `subscribeToAll`, each batch committed with the checkpoint (see apply-batch.ts).
 * The read-model store runs its projections together (projection-group.ts); a runner of its
 * own serves a projection that must be driven alone (tools, tests).
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
  readonly #member: ProjectionMember;
  readonly #store: EventStore;
  readonly #batchSize: number;
  readonly #options: ProjectionRunnerOptions;
  readonly #stopping = new AbortController();
  #feed: BatchingFeed | null = null;
  #running: Promise<void> | null = null;

  constructor(
    projection: Projection,
    driver: SqlDriver,
    store: EventStore,
    options: ProjectionRunnerOptions = {},
  ) {
    this.#store = store;
    this.#options = options;
    this.#batchSize = options.batchSize ?? 500;
    this.#member = new ProjectionMember(projection, driver, store, options, this.#stopping.signal);
  }

  /** Runs in the background until `stop()`; failures are retried with a growing delay. */
  start(): void {
    this.#running ??= this.#run();
    this.#member.startAfterCommitTimer();
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#feed?.close();
    await this.#running;
    await this.#member.stop();
  }

  /**
   * Applies everything up to the head of the log (at least every event committed before the
   * call: it waits until the log is readable that far), then returns the number applied.
   */
  async catchUp(): Promise<number> {
    await this.#store.settled();
    return this.#member.catchUp(this.#batchSize);
  }

  status(): ProjectionStatus {
    return this.#member.status();
  }

  lag(): Promise<ProjectionLag> {
    return this.#member.lag();
  }

  async #run(): Promise<void> {
    const base = this.#options.retryDelayMs ?? 200;
    let delay = base;
    while (!this.#stopping.signal.aborted) {
      try {
        // Running: up to where the log is readable now, then follow it (no wait for older
        // transactions of the cluster, which would hold readiness back).
        await this.#member.catchUp(this.#batchSize);
        await this.#follow();
        delay = base;
      } catch (error) {
        if (this.#stopping.signal.aborted) break;
        this.#member.failed(error, delay);
        await sleep(delay, this.#stopping.signal);
        delay = Math.min(delay * 2, this.#options.maxRetryDelayMs ?? 5000);
      }
    }
  }

  async #follow(): Promise<void> {
    if (this.#stopping.signal.aborted) return;
    const member = this.#member;
    member.state = 'live';
    const feed = new BatchingFeed(
      this.#store.subscribeToAll({
        after: member.position,
        streamPrefix: member.projection.streamPrefix,
      }),
      this.#batchSize * 2,
    );
    this.#feed = feed;
    try {
      while (!this.#stopping.signal.aborted) {
        const batch = await feed.take(this.#batchSize);
        if (batch.length === 0 && !this.#stopping.signal.aborted)
          throw new Error('the live subscription ended');
        await member.applyAlone(batch);
      }
    } finally {
      this.#feed = null;
      await feed.close();
    }
  }
}
