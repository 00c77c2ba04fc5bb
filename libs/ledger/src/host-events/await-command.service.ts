import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type Subscription } from '@ratchet/event-store';
import {
  COMMAND_STREAM_PREFIX,
  type CommandStatus,
  TERMINAL_STATUSES,
  TRANSITIONS,
} from '@ratchet/lifecycle';
import { CommandNotFoundError } from '../errors.js';
import { type CommandView, toCommandView } from '../get-command/command-view.js';
import { findHead } from '../live-events/find-head.js';
import { readCommand } from '../transition/command-stream.js';

export interface AwaitCommandOptions {
  /** The statuses to wait for. Default: any terminal status. */
  readonly until?: readonly CommandStatus[];
  /** Give up after this long (ms), with `AwaitCommandTimeoutError`. Default 60,000. */
  readonly timeoutMs?: number;
}

/** The command did not reach a wanted status in time; `command` is how it was then. */
export class AwaitCommandTimeoutError extends Error {
  override readonly name = 'AwaitCommandTimeoutError';
  readonly code = 'await_timeout';
  constructor(
    readonly command: CommandView,
    until: readonly CommandStatus[],
    timeoutMs: number,
  ) {
    super(
      `command ${command.commandId} is ${command.status} after ${timeoutMs} ms, not ${until.join(' or ')}`,
    );
  }
}

interface Waiter {
  readonly until: ReadonlySet<CommandStatus>;
  readonly wake: () => void;
}

/**
 * `awaitCommand(commandId, { until, timeoutMs })`: resolves with the command once it is in one
 * of the `until` statuses — at once when it already is. Waits on one shared live reading of
 * the global log (started at the first wait), so a status reached through another instance
 * (the device answered there) is seen as well.
 */
@Injectable()
export class CommandAwaiter implements BeforeApplicationShutdown {
  private readonly logger = new Logger('RatchetAwait');
  private readonly waiters = new Map<string, Set<Waiter>>();
  private live: Promise<Subscription> | null = null;
  private stopped = false;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async awaitCommand(commandId: string, options: AwaitCommandOptions = {}): Promise<CommandView> {
    const id = commandId.toLowerCase();
    const until = new Set<CommandStatus>(options.until ?? TERMINAL_STATUSES);
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (this.stopped) throw new Error('the application is shutting down');
    await this.follow();
    let signal!: () => void;
    let changed = new Promise<void>((r) => (signal = r));
    const waiter: Waiter = { until, wake: () => signal() };
    const set = this.waiters.get(id) ?? new Set();
    set.add(waiter);
    this.waiters.set(id, set);
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        await this.follow();
        // Registered first, read second: whatever is appended after this read wakes us.
        const state = await readCommand(this.store, id);
        if (!state) throw new CommandNotFoundError(id);
        if (until.has(state.status)) return toCommandView(state, null);
        const left = deadline - Date.now();
        const woke = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), Math.max(0, left));
          void changed.then(() => {
            clearTimeout(t);
            resolve(true);
          });
        });
        if (!woke) {
          const last = await readCommand(this.store, id);
          throw new AwaitCommandTimeoutError(
            toCommandView(last ?? state, null),
            [...until],
            timeoutMs,
          );
        }
        changed = new Promise<void>((r) => (signal = r));
      }
    } finally {
      set.delete(waiter);
      if (set.size === 0) this.waiters.delete(id);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    const live = this.live;
    this.live = null;
    if (live) await (await live.catch(() => null))?.close();
  }

  /** One live reading of the log for all waiters, from its head at the first wait. */
  private follow(): Promise<Subscription> {
    this.live ??= (async () => {
      const head = await findHead(this.store, null);
      const subscription = this.store.subscribeToAll({
        after: head,
        streamPrefix: COMMAND_STREAM_PREFIX,
      });
      void (async () => {
        try {
          for await (const e of subscription) {
            const to = Object.hasOwn(TRANSITIONS, e.type)
              ? TRANSITIONS[e.type as keyof typeof TRANSITIONS].to
              : null;
            const waiting = this.waiters.get(e.stream.slice(COMMAND_STREAM_PREFIX.length));
            if (!to || !waiting) continue;
            for (const w of waiting) if (w.until.has(to)) w.wake();
          }
        } catch (error) {
          if (this.stopped) return;
          this.logger.error(`live reading for awaitCommand failed, restarting: ${String(error)}`);
          this.live = null;
          // Waiters re-read their command when woken: wake them all so none waits on a dead feed.
          for (const set of this.waiters.values()) for (const w of set) w.wake();
        }
      })();
      return subscription;
    })();
    return this.live;
  }
}
