import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore, isPermanentStoreError } from '@ratchet/event-store';
import { type LedgerOutage, enforceableAt, isTerminal } from '@ratchet/lifecycle';
import { LedgerClock } from './ledger-clock.js';
import { Dispatcher } from './dispatcher.service.js';
import { enrichCommandContext, runWithCommand } from '../logging/log-context.js';
import { ExpireCommand } from '../expire-command/expire-command.command.js';
import { RATCHET_OPTIONS, type RatchetModuleOptions } from '../options/ratchet.options.js';
import { RetryScheduler } from './retry-scheduler.service.js';
import { TimeOutCommand } from '../time-out-command/time-out-command.command.js';
import { CorruptStreamError, readCommand } from '../transition/command-stream.js';
import { LedgerMetrics } from '../metrics/ledger-metrics.js';
import { DEADLINE_INDEX, type DeadlineIndex } from '../options/deadline-index.port.js';

export interface SweepReport {
  readonly closed: number;
  readonly retried: number;
  /** Commands this sweep could not handle (see `SkipReason`); the others were handled. */
  readonly skipped: number;
}

/**
 * Why a due command was left for a later sweep: its stream cannot be folded (an event this
 * version does not know, e.g. written by a newer one during a rolling upgrade: `verify` reports
 * it), or its handling failed (a store that went away mid-sweep).
 */
export type SkipReason = 'corrupt_stream' | 'failed';

/** Ids of unfoldable streams already logged (each once), bounded. */
const LOGGED_CORRUPT_MAX = 10_000;

/**
 * Runs on every instance. Deadlines live in the ledger, not in timers: after a crash the first
 * sweep finds what fell due meanwhile. Several instances sweeping at once is harmless: each
 * decision is a guarded append, and the loser's is a no-op.
 *
 * Nothing in a sweep waits on the broker: re-dispatching stuck commands runs beside the sweeps
 * (one pass at a time, each publish bounded, none while the broker is away), so expiries,
 * timeouts and retries go on through a broker outage. One command that cannot be handled is
 * skipped, counted (`ratchet_sweep_skipped_total{reason}`) and logged, never the whole sweep.
 */
@Injectable()
export class DeadlineSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Sweeper');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private redispatching: Promise<void> | null = null;
  private stopped = false;
  private readonly loggedCorrupt = new Set<string>();
  private readonly intervalMs: number;
  private readonly redispatchAfterMs: number;
  private readonly batchSize: number;
  private readonly recoveryGraceMs: number;
  /** Undefined until this instance's start is recorded (see `recordStart`). */
  private outage: LedgerOutage | null | undefined;
  private lastBeat = 0;

  constructor(
    @Inject(RATCHET_OPTIONS) options: RatchetModuleOptions,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly bus: CommandBus,
    private readonly dispatcher: Dispatcher,
    private readonly retries: RetryScheduler,
    private readonly clock: LedgerClock,
    private readonly metrics: LedgerMetrics,
    @Optional() @Inject(DEADLINE_INDEX) private readonly index?: DeadlineIndex | null,
  ) {
    const sweep = options.sweep === false ? { intervalMs: 0 } : options.sweep;
    this.intervalMs = sweep?.intervalMs ?? 1000;
    this.redispatchAfterMs = sweep?.redispatchAfterMs ?? 5000;
    this.batchSize = sweep?.batchSize ?? 500;
    this.recoveryGraceMs = sweep?.recoveryGraceMs ?? DEFAULT_RECOVERY_GRACE_MS;
  }

  /**
   * Sign of life: the first sweep records this instance's start (and the outage it ends, if no
   * instance beat for a while); later ones beat about once a second.
   */
  private async liveness(index: DeadlineIndex, now: Date): Promise<void> {
    if (!index.recordStart || !index.beat) {
      this.outage = null;
      return;
    }
    if (this.outage === undefined) {
      const staleAfterMs = Math.max(3 * this.intervalMs, 3_000);
      this.outage = await index.recordStart(now, staleAfterMs);
      this.lastBeat = now.getTime();
      if (this.outage && now.getTime() - this.outage.to < this.recoveryGraceMs) {
        this.logger.warn(
          `no ledger instance ran from ${new Date(this.outage.from).toISOString()} to ` +
            `${new Date(this.outage.to).toISOString()}: deadlines that fell due meanwhile are ` +
            `enforced from ${new Date(this.outage.to + this.recoveryGraceMs).toISOString()} ` +
            `(LEDGER_RECOVERY_GRACE_MS), so that answers kept by devices and the broker arrive first`,
        );
      }
      return;
    }
    if (now.getTime() - this.lastBeat >= BEAT_EVERY_MS) {
      await index.beat(now);
      this.lastBeat = now.getTime();
    }
  }

  onApplicationBootstrap(): void {
    if (!this.index) {
      this.logger.warn(
        'no deadline index (read models) configured: timeouts, expiry and retries are not swept',
      );
      return;
    }
    if (this.intervalMs > 0) this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.redispatching;
  }

  /** One pass; also what tests and tools call. Starts a re-dispatch pass if none is running. */
  async sweepOnce(): Promise<SweepReport> {
    if (!this.index) return { closed: 0, retried: 0, skipped: 0 };
    const index = this.index;
    const now = this.clock.now();
    await this.liveness(index, now);
    const outage = this.outage ?? null;
    const due = (await index.findDueCommands(now, this.batchSize)).filter(
      ({ nextDeadline }) =>
        !nextDeadline ||
        enforceableAt(new Date(nextDeadline).getTime(), outage, this.recoveryGraceMs) <=
          now.getTime(),
    );
    const skipped = { count: 0 };
    // Each command is handled in its own log context: the lines about it carry its ids.
    const closed = await this.each(due, skipped, ({ commandId }) =>
      runWithCommand({ commandId }, async () => {
        const state = await this.load(commandId);
        if (!state || isTerminal(state.status)) return false;
        const r =
          state.status === 'requested'
            ? await this.bus.execute(new ExpireCommand(commandId))
            : await this.bus.execute(new TimeOutCommand(commandId));
        return r.outcome !== 'unchanged';
      }),
    );
    const retryDue = await index.findRetryDue(this.batchSize);
    const retried = await this.each(retryDue, skipped, (id) =>
      runWithCommand({ commandId: id }, async () => {
        const state = await this.load(id);
        return state ? (await this.retries.retryIfDue(state)).retried : false;
      }),
    );
    this.startRedispatch(now);
    const report = { closed, retried, skipped: skipped.count };
    if (closed + retried + skipped.count > 0) this.logger.log(`sweep: ${JSON.stringify(report)}`);
    return report;
  }

  /** Resolves when the re-dispatch pass in flight (if any) has ended. */
  async redispatchSettled(): Promise<void> {
    await this.redispatching;
  }

  /**
   * Commands left `requested` (their instance died before publishing, or the broker was away)
   * are published again, beside the sweeps: a broker that takes its time delays only this.
   * Not while the broker is known to be away, and the pass ends at the first publish it refuses.
   */
  private startRedispatch(now: Date): void {
    if (this.redispatching || this.stopped || !this.dispatcher.canPublish || !this.index) return;
    const index = this.index;
    const pass = async (): Promise<void> => {
      const stuck = await index.findUndispatched(
        new Date(now.getTime() - this.redispatchAfterMs),
        this.batchSize,
      );
      let redispatched = 0;
      const skipped = { count: 0 };
      for (let i = 0; i < stuck.length && this.dispatcher.canPublish && !this.stopped; i += CHUNK) {
        redispatched += await this.each(stuck.slice(i, i + CHUNK), skipped, (id) =>
          runWithCommand(
            { commandId: id, correlationId: id },
            async () => (await this.dispatcher.dispatch(id, id)) === 'sent',
          ),
        );
      }
      if (redispatched > 0) this.logger.log(`re-dispatched ${redispatched} command(s)`);
    };
    this.redispatching = pass()
      .catch((e: unknown) => this.logger.warn(`re-dispatch pass failed: ${String(e)}`))
      .finally(() => {
        this.redispatching = null;
      });
  }

  /**
   * Handles the items a bounded number at a time (a backlog after an outage must not open a
   * thousand appends at once), each on its own: a failure skips that item, not the others.
   */
  private async each<T>(
    items: readonly T[],
    skipped: { count: number },
    work: (item: T) => Promise<boolean>,
  ): Promise<number> {
    let done = 0;
    let firstFailure: unknown;
    let failures = 0;
    for (let i = 0; i < items.length; i += CHUNK) {
      const results = await Promise.all(
        items.slice(i, i + CHUNK).map(async (item) => {
          try {
            return await work(item);
          } catch (e) {
            const reason = this.skip(item, e);
            if (reason === 'failed') {
              failures += 1;
              firstFailure ??= e;
            }
            skipped.count += 1;
            return false;
          }
        }),
      );
      done += results.filter(Boolean).length;
    }
    if (failures > 0) {
      this.logger.warn(
        `${failures} command(s) left for the next sweep, first failure: ${String(firstFailure)}`,
      );
    }
    return done;
  }

  private skip(item: unknown, error: unknown): SkipReason {
    const corrupt = error instanceof CorruptStreamError || isPermanentStoreError(error);
    const reason: SkipReason = corrupt ? 'corrupt_stream' : 'failed';
    this.metrics.sweepSkipped.inc({ reason });
    if (corrupt) {
      const id = typeof item === 'string' ? item : (item as { commandId: string }).commandId;
      if (!this.loggedCorrupt.has(id)) {
        if (this.loggedCorrupt.size >= LOGGED_CORRUPT_MAX) this.loggedCorrupt.clear();
        this.loggedCorrupt.add(id);
        this.logger.error(
          `command=${id} skipped by every sweep: its stream cannot be folded (${String(error)}); run \`ratchet verify\``,
        );
      }
    }
    return reason;
  }

  private async load(commandId: string) {
    const state = await readCommand(this.store, commandId);
    if (state) enrichCommandContext({ deviceId: state.deviceId });
    return state;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweepOnce()
        .catch((e: unknown) =>
          this.logger.warn(`sweep failed, next in ${this.intervalMs} ms: ${String(e)}`),
        )
        .finally(() => this.schedule(this.intervalMs));
    }, delay);
    this.timer.unref();
  }
}

/** Commands handled at once. */
const CHUNK = 16;

const DEFAULT_RECOVERY_GRACE_MS = 5_000;
const BEAT_EVERY_MS = 1_000;
