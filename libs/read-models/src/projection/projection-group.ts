import type { EventStore, Position, RecordedEvent, SqlDriver } from '@ratchet/event-store';
import { errorMessage, type ReadModelLogger, silentLogger } from '../read-model-logger.js';
import { applyGroupBatch } from './apply-group-batch.js';
import { BatchingFeed } from './batching-feed.js';
import type { Projection } from './projection.js';
import type { ProjectionLag } from './projection-lag.js';
import { ProjectionMember, type ProjectionRunnerOptions } from './projection-member.js';
import type { ProjectionStatus } from './projection-status.js';
import { sleep } from './projection-status.js';

/** See ProjectionRunnerOptions.liveReadIntervalMs. */
export const DEFAULT_LIVE_READ_INTERVAL_MS = 50;
/**
 * All the projections of a read-model store, fed from ONE live read of the log and written in
 * ONE transaction per batch. With a runner per projection, every append woke one read of the
 * log and one transaction per projection; here it costs one read and one transaction.
 *
 * - The group follows the log from its position `at` (the last event it took) with one
 *   subscription, over the longest prefix common to its projections ('' for the defaults).
 *   Each batch is everything the feed has buffered, up to `batchSize`: under load batches grow.
 * - In the batch's transaction each projection that has events in it (in its streams, after
 *   its checkpoint) moves its checkpoint by compare-and-set, then writes its rows
 *   (apply-group-batch.ts): each event applied exactly once per projection, as with a runner.
 *   A projection with no events in the batch keeps its checkpoint and writes nothing.
 * - Several instances may run the same group. A lost compare-and-set rolls the whole
 *   transaction back; the group re-reads the checkpoints that moved and retries with what is
 *   left of the batch, as a runner does.
 * - A projection catches up alone first (`readAll` from its checkpoint, one transaction per
 *   batch, as a runner does), so that one rebuilt by a new version, or far behind, does not hold
 *   the others back. It then joins: between two batches (`at` stands still) it applies alone
 *   whatever of its streams lies between its checkpoint and `at`, and is in the group from the
 *   next batch on.
 * - A failure must not stall the others. When a group transaction fails (a projection's `apply`
 *   threw, or the database), the group cannot tell whose fault it was: it applies each
 *   projection's share of that batch in a transaction of its own. Those that commit stay in the
 *   group; one that fails again leaves it and retries alone with a growing delay (200 ms up to
 *   5 s, as a runner does), joining again once it has caught up. A failure that does not repeat
 *   costs one batch in several transactions; a projection that keeps failing is isolated, and
 *   its `status().failure` says why, exactly as with a runner of its own.
 * - A failed read of the log: the projections keep their checkpoints; the group reads again
 *   from `at` after the same growing delay.
 */
export class ProjectionGroup {
  readonly #driver: SqlDriver;
  readonly #store: EventStore;
  readonly #options: ProjectionRunnerOptions;
  readonly #logger: ReadModelLogger;
  readonly #batchSize: number;
  readonly #stopping = new AbortController();
  readonly #members: ProjectionMember[] = [];
  /** Members following the group's feed. */
  readonly #grouped = new Set<ProjectionMember>();
  /** Members that caught up alone and wait to be admitted between two batches. */
  readonly #joining: ProjectionMember[] = [];
  /** Members catching up alone (at start, or after a failure). */
  readonly #alone = new Set<Promise<void>>();
  #feed: BatchingFeed | null = null;
  #running: Promise<void> | null = null;
  /** The last event the group took from its feed; `null` before the first. */
  #at: Position | null = null;
  /** Wakes the start of the feed when the first member has caught up. */
  #joined: (() => void) | null = null;

  constructor(driver: SqlDriver, store: EventStore, options: ProjectionRunnerOptions = {}) {
    this.#driver = driver;
    this.#store = store;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#batchSize = options.batchSize ?? 1000;
  }

  add(projection: Projection): void {
    if (this.#running) throw new Error(`projection ${projection.name} added after start()`);
    this.#members.push(
      new ProjectionMember(
        projection,
        this.#driver,
        this.#store,
        this.#options,
        this.#stopping.signal,
      ),
    );
  }

  /** Runs in the background until `stop()`. */
  start(): void {
    this.#running ??= this.#run();
    for (const member of this.#members) member.startAfterCommitTimer();
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#feed?.close();
    await this.#running;
    await Promise.all([...this.#alone]);
    await Promise.all(this.#members.map((member) => member.stop()));
  }

  /**
   * Each projection to the head of the log, one after the other (for a store not started): at
   * least every event committed before the call, so it first waits until the log is readable
   * that far (an older transaction of the cluster still running holds it back). A running
   * group does not wait: it follows the log as it becomes readable.
   */
  async catchUp(): Promise<void> {
    await this.#store.settled();
    for (const member of this.#members) await member.catchUp(this.#batchSize);
  }

  status(): ProjectionStatus[] {
    return this.#members.map((member) => member.status());
  }

  lag(): Promise<ProjectionLag[]> {
    return Promise.all(this.#members.map((member) => member.lag()));
  }

  async #run(): Promise<void> {
    // Every member catches up alone; the feed starts once each has reached the head, failed
    // once, or shown it is far behind (a full batch), and at least one has caught up: after the
    // furthest checkpoint of those, so that the feed does not read again what they have applied.
    await Promise.all(
      this.#members.map((member) => new Promise<void>((ready) => this.#goAlone(member, 0, ready))),
    );
    while (this.#joining.length === 0 && !this.#stopping.signal.aborted) {
      await new Promise<void>((resolve) => {
        this.#joined = resolve;
        this.#stopping.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    this.#at = this.#joining
      .map((member) => member.position)
      .reduce<Position | null>((a, b) => (b !== null && (a === null || b > a) ? b : a), null);
    const streamPrefix = commonPrefix(this.#members.map((m) => m.projection.streamPrefix));
    const base = this.#options.retryDelayMs ?? 200;
    let delay = base;
    let readFailed = false;
    while (!this.#stopping.signal.aborted) {
      const feed = new BatchingFeed(
        this.#store.subscribeToAll({
          after: this.#at,
          streamPrefix,
          minReadIntervalMs: this.#options.liveReadIntervalMs ?? DEFAULT_LIVE_READ_INTERVAL_MS,
        }),
        this.#batchSize * 2,
      );
      this.#feed = feed;
      try {
        if (readFailed) {
          // The log answers again: the members' failure was the read's, not theirs.
          await this.#store.readAll({ after: this.#at, streamPrefix, limit: 1 });
          for (const member of this.#grouped) member.recovered();
          readFailed = false;
        }
        while (!this.#stopping.signal.aborted) {
          await this.#admit();
          const batch = await feed.take(this.#batchSize);
          if (batch.length === 0) {
            if (feed.ended && !this.#stopping.signal.aborted)
              throw new Error('the live subscription ended');
            continue; // poked: a member waits to join
          }
          await this.#applyTogether(batch);
          this.#at = batch[batch.length - 1]!.position;
          delay = base;
        }
      } catch (error) {
        if (this.#stopping.signal.aborted) break;
        this.#logger.error(
          `projections: reading the log failed, retrying in ${delay} ms: ${errorMessage(error)}`,
        );
        readFailed = true;
        for (const member of this.#grouped) member.failed(error, delay, false);
        await sleep(delay, this.#stopping.signal);
        delay = Math.min(delay * 2, this.#options.maxRetryDelayMs ?? 5000);
      } finally {
        this.#feed = null;
        await feed.close();
      }
    }
  }

  /**
   * Catches `member` up alone, after `wait` ms, retrying with a growing delay; then asks to
   * join. `ready`: called once, when it has joined the queue, failed once or is far behind.
   */
  #goAlone(member: ProjectionMember, wait: number, ready?: () => void): void {
    const stopping = this.#stopping.signal;
    const work = (async () => {
      let delay = wait;
      while (!stopping.aborted) {
        if (delay > 0) await sleep(delay, stopping);
        if (stopping.aborted) return;
        try {
          await member.catchUp(this.#batchSize, ready);
          this.#joining.push(member);
          this.#feed?.poke();
          this.#joined?.();
          this.#joined = null;
          return;
        } catch (error) {
          if (stopping.aborted) return;
          const base = this.#options.retryDelayMs ?? 200;
          delay = delay === 0 ? base : Math.min(delay * 2, this.#options.maxRetryDelayMs ?? 5000);
          member.failed(error, delay);
          ready?.();
        }
      }
    })().finally(() => ready?.());
    this.#alone.add(work);
    void work.finally(() => this.#alone.delete(work));
  }

  /** Between two batches: the members that caught up close their gap to `at`, then join. */
  async #admit(): Promise<void> {
    while (this.#joining.length > 0 && !this.#stopping.signal.aborted) {
      const member = this.#joining.shift()!;
      try {
        await this.#closeGap(member);
        member.state = 'live';
        this.#grouped.add(member);
      } catch (error) {
        this.#leave(member, error);
      }
    }
  }

  /** Applies alone the events of the member's streams after its checkpoint and up to `at`. */
  async #closeGap(member: ProjectionMember): Promise<void> {
    const at = this.#at;
    if (at === null) return;
    for (;;) {
      const events = await this.#store.readAll({
        after: member.position,
        streamPrefix: member.projection.streamPrefix,
        limit: this.#batchSize,
      });
      const gap = events.filter((event) => event.position <= at);
      if (gap.length > 0) await member.applyAlone(gap);
      if (gap.length < this.#batchSize) return;
    }
  }

  /**
   * The batch, in one transaction, for every grouped member that has events in it — and the
   * checkpoint of every other grouped member moves to the batch's end with it: a member has
   * applied everything of its streams up to the group's position (it joined there), so a
   * projection whose streams are quiet (group_members between group changes) does not stay
   * behind, where its lag probe and its next catch-up would scan the whole log since.
   */
  async #applyTogether(batch: readonly RecordedEvent[]): Promise<void> {
    const end = batch[batch.length - 1]?.position;
    if (end === undefined) return;
    for (;;) {
      const all = [...this.#grouped].map((member) => ({ member, events: member.fresh(batch) }));
      const shares = all.filter((share) => share.events.length > 0);
      const idle = all.filter(
        ({ member, events }) =>
          events.length === 0 && (member.position === null || member.position < end),
      );
      if (shares.length === 0 && idle.length === 0) return;
      if (shares.length === 1 && idle.length === 0) return this.#applyEachAlone(shares, batch);
      let outcome;
      try {
        outcome = await applyGroupBatch(
          this.#driver,
          [...shares, ...idle].map(({ member, events }) => ({
            projection: member.projection,
            from: member.position,
            events,
            to: end,
            context: member.context,
          })),
        );
      } catch {
        // Whose fault it was is found by applying each share alone (see the class comment).
        return this.#applyEachAlone(shares, batch);
      }
      if (outcome.outcome === 'applied') {
        for (const { member, events } of shares) member.committed(events, end);
        for (const { member } of idle) member.committed([], end);
        return;
      }
      for (const { member } of [...shares, ...idle]) {
        if (!outcome.lost.includes(member.name)) continue;
        try {
          await member.reload();
        } catch (error) {
          this.#leave(member, error);
        }
      }
    }
  }

  async #applyEachAlone(
    shares: readonly { readonly member: ProjectionMember }[],
    batch: readonly RecordedEvent[],
  ): Promise<void> {
    for (const { member } of shares) {
      try {
        await member.applyAlone(batch);
      } catch (error) {
        this.#leave(member, error);
      }
    }
  }

  /** A member that failed leaves the group and catches up alone after a delay. */
  #leave(member: ProjectionMember, error: unknown): void {
    this.#grouped.delete(member);
    if (this.#stopping.signal.aborted) return;
    const delay = this.#options.retryDelayMs ?? 200;
    member.failed(error, delay);
    member.state = 'catching_up';
    this.#goAlone(member, delay);
  }
}

/** The longest prefix of all of `prefixes` ('' for none). */
const commonPrefix = (prefixes: readonly string[]): string => {
  if (prefixes.length === 0) return '';
  let common = prefixes[0]!;
  for (const prefix of prefixes) {
    while (!prefix.startsWith(common)) common = common.slice(0, -1);
  }
  return common;
};
