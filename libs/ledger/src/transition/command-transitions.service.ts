import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import {
  type CommandInput,
  type CommandState,
  type TransitionMetadata,
  isTerminal,
  streamOf,
} from '@ratchet/lifecycle';
import { LedgerClock } from '../services/ledger-clock.js';
import { LedgerMetrics } from '../metrics/ledger-metrics.js';
import { readCommand } from './command-stream.js';
import { CommandStateCache } from './command-state-cache.js';
import {
  type TransitionOptions,
  type TransitionResult,
  defaultTransitionOptions,
  transition,
} from './transition.js';

/**
 * The transition shell as a Nest provider: the same loop, plus metrics and one log line, and
 * this instance's cache of command states (one per provider, hence per store), which spares
 * the read before an append when this process made or saw the last change of the command.
 */
@Injectable()
export class CommandTransitions {
  private readonly logger = new Logger('Transitions');
  private readonly cache = new CommandStateCache();
  private readonly options: TransitionOptions;
  private readonly endListeners: ((state: CommandState) => void)[] = [];
  /** Per command: the transition this process runs on it now (settled either way). */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metrics: LedgerMetrics,
    private readonly clock: LedgerClock,
  ) {
    this.options = { ...defaultTransitionOptions, now: this.clock.now, cache: this.cache };
  }

  /**
   * The command's state as this process last knew it (possibly older than the store's, never
   * different at the same revision), or read from the store when it knows nothing. For callers
   * that may act on an old state because what they then do goes through `apply`.
   */
  async known(commandId: string): Promise<CommandState | null> {
    const stream = streamOf(commandId);
    const cached = this.cache.get(stream);
    if (cached) return cached;
    return this.read(commandId);
  }

  /**
   * Called after this process appended a command's terminal event (not a late observation):
   * the dispatcher sends the next command of its queue.
   */
  onEnded(listener: (state: CommandState) => void): void {
    this.endListeners.push(listener);
  }

  /** A state this process has just written some other way (a fleet's children): no read needed. */
  remember(state: CommandState): void {
    this.cache.remember(streamOf(state.commandId), state);
  }

  /** The command's state read from the store now (and remembered). */
  async read(commandId: string): Promise<CommandState | null> {
    const state = await readCommand(this.store, commandId);
    this.cache.remember(streamOf(commandId), state);
    return state;
  }

  async apply(
    commandId: string,
    input: CommandInput,
    metadata: TransitionMetadata,
  ): Promise<TransitionResult> {
    const result = await this.oneAtATime(commandId, () =>
      transition(this.store, commandId, input, { metadata }, this.options),
    );
    if (result.conflicts > 0) this.metrics.conflicts.inc(result.conflicts);
    const ids = `command=${commandId} correlation=${metadata.correlationId}`;
    switch (result.outcome) {
      case 'applied':
        for (const e of result.events) this.metrics.transitions.inc({ type: e.type });
        if (
          isTerminal(result.state.status) &&
          result.events.some((e) => e.type !== 'CommandLateResultObserved')
        ) {
          const seconds =
            (Date.parse(result.state.completedAt ?? '') - Date.parse(result.state.requestedAt)) /
            1000;
          if (Number.isFinite(seconds))
            this.metrics.endToEnd.observe({ status: result.state.status }, seconds);
          for (const listener of this.endListeners) listener(result.state);
        }
        this.logger.debug(
          `${ids} ${result.events.map((e) => e.type).join(',')} → ${result.state.status}@${result.state.revision}`,
        );
        break;
      case 'unchanged':
        this.metrics.unchanged.inc({ input: input.kind, reason: result.reason });
        this.logger.log(
          `${ids} ${input.kind} unchanged: ${result.reason} (status ${result.state?.status ?? 'none'})`,
        );
        break;
      case 'rejected':
        this.metrics.rejected.inc({ input: input.kind, code: result.code });
        this.logger.log(`${ids} ${input.kind} rejected: ${result.code}`);
        break;
    }
    return result;
  }

  /**
   * One transition of a command at a time in this process. Two of its inputs arriving together
   * (an ack and the result on two inbound connections, the dispatcher's CommandSent and the
   * device's ack) would otherwise both decide on the same state and race: the loser's append is
   * refused, it reads the stream and decides again. In turn, the second decides on the state
   * the first left in the cache, without a read and without a refused append. The store's
   * guard still decides between processes; only the waste inside one is avoided. Only the
   * transition itself is serialised, not what follows it (listeners), so nothing waits on
   * itself.
   */
  private oneAtATime<T>(commandId: string, work: () => Promise<T>): Promise<T> {
    const before = this.running.get(commandId);
    if (before) this.metrics.waited.inc();
    const run = before ? before.then(work) : work();
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.running.set(commandId, settled);
    void settled.then(() => {
      if (this.running.get(commandId) === settled) this.running.delete(commandId);
    });
    return run;
  }
}
