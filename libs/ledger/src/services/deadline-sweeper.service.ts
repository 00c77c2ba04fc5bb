import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import { isTerminal } from '@ratchet/lifecycle';
import { LedgerClock } from './ledger-clock.js';
import { Dispatcher } from './dispatcher.service.js';
import { enrichCommandContext, runWithCommand } from '../logging/log-context.js';
import { ExpireCommand } from '../expire-command/expire-command.command.js';
import { RATCHET_OPTIONS, type RatchetModuleOptions } from '../options/ratchet.options.js';
import { RetryScheduler } from './retry-scheduler.service.js';
import { TimeOutCommand } from '../time-out-command/time-out-command.command.js';
import { readCommand } from '../transition/command-stream.js';
import { DEADLINE_INDEX, type DeadlineIndex } from '../options/deadline-index.port.js';

export interface SweepReport {
  readonly closed: number;
  readonly redispatched: number;
  readonly retried: number;
}

/**
 * Runs on every instance. Deadlines live in the ledger, not in timers: after a crash the first
 * sweep finds what fell due meanwhile. Several instances sweeping at once is harmless: each
 * decision is a guarded append, and the loser's is a no-op.
 */
@Injectable()
export class DeadlineSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Sweeper');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly intervalMs: number;
  private readonly redispatchAfterMs: number;
  private readonly batchSize: number;

  constructor(
    @Inject(RATCHET_OPTIONS) options: RatchetModuleOptions,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly bus: CommandBus,
    private readonly dispatcher: Dispatcher,
    private readonly retries: RetryScheduler,
    private readonly clock: LedgerClock,
    @Optional() @Inject(DEADLINE_INDEX) private readonly index?: DeadlineIndex | null,
  ) {
    const sweep = options.sweep === false ? { intervalMs: 0 } : options.sweep;
    this.intervalMs = sweep?.intervalMs ?? 1000;
    this.redispatchAfterMs = sweep?.redispatchAfterMs ?? 5000;
    this.batchSize = sweep?.batchSize ?? 500;
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
  }

  /** One pass; also what tests and tools call. */
  async sweepOnce(): Promise<SweepReport> {
    if (!this.index) return { closed: 0, redispatched: 0, retried: 0 };
    const now = this.clock.now();
    const due = await this.index.findDueCommands(now, this.batchSize);
    // Each command is handled in its own log context: the lines about it carry its ids.
    const closed = await inChunks(due, ({ commandId }) =>
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
    const stuck = await this.index.findUndispatched(
      new Date(now.getTime() - this.redispatchAfterMs),
      this.batchSize,
    );
    const redispatched = await inChunks(stuck, (id) =>
      runWithCommand(
        { commandId: id, correlationId: id },
        async () => (await this.dispatcher.dispatch(id, id)) === 'sent',
      ),
    );
    const retryDue = await this.index.findRetryDue(this.batchSize);
    const retried = await inChunks(retryDue, (id) =>
      runWithCommand({ commandId: id }, async () => {
        const state = await this.load(id);
        return state ? (await this.retries.retryIfDue(state)).retried : false;
      }),
    );
    const report = { closed, redispatched, retried };
    if (closed + redispatched + retried > 0) this.logger.log(`sweep: ${JSON.stringify(report)}`);
    return report;
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

/** A bounded number at a time: a backlog after an outage must not open a thousand appends at once. */
async function inChunks<T>(
  items: readonly T[],
  work: (item: T) => Promise<boolean>,
  size = 16,
): Promise<number> {
  let done = 0;
  for (let i = 0; i < items.length; i += size) {
    const results = await Promise.all(items.slice(i, i + size).map(work));
    done += results.filter(Boolean).length;
  }
  return done;
}
