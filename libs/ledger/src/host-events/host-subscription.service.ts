import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { EventBus } from '@nestjs/cqrs';
import {
  EVENT_STORE,
  type EventStore,
  type Position,
  type Subscription,
} from '@ratchet/event-store';
import { COMMAND_STREAM_PREFIX } from '@ratchet/lifecycle';
import { READ_MODEL_STORE, type ReadModelStore } from '@ratchet/read-models';
import { CommandFactsCache } from '../live-events/command-facts.js';
import { RATCHET_OPTIONS, type RatchetModuleOptions } from '../options/ratchet.options.js';
import { COMMAND_EVENT_CLASSES, RatchetCommandEvent, toHostEvent } from './command-events.js';

/** `@nestjs/cqrs`'s metadata key of `@EventsHandler` (not exported by the package). */
const EVENTS_HANDLER_METADATA = '__eventsHandler__';
const TRACKED = Symbol('ratchet.tracked');
/** A checkpoint not yet saved is saved at least this often (and at shutdown). */
const SAVE_EVERY_MS = 500;
const SAVE_EVERY_EVENTS = 200;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/** What the host's handlers of one event returned, to await them before moving on. */
const pending = new WeakMap<object, Promise<unknown>[]>();

/**
 * The host subscription of DESIGN.md ("Events on the host's bus"): follows the global log from
 * its checkpoint, publishes each command event on the host's EventBus as its class
 * (`CommandExecuted`, …) and waits until every `@EventsHandler` of it resolved before the next
 * one; the checkpoint is saved after the handlers resolved. So: at least once, in log order,
 * resumed after a restart from the last saved checkpoint. A handler that throws stops the
 * subscription at that event, which is delivered again (with a growing pause) until it passes.
 */
@Injectable()
export class HostSubscription implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('RatchetSubscription');
  private readonly name: string | null;
  private readonly facts: CommandFactsCache;
  private stopped = false;
  private subscription: Subscription | null = null;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    @Inject(RATCHET_OPTIONS) options: RatchetModuleOptions,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly eventBus: EventBus,
    private readonly discovery: DiscoveryService,
    @Optional() @Inject(READ_MODEL_STORE) private readonly readModels?: ReadModelStore | null,
  ) {
    this.name = options.subscription ?? null;
    this.facts = new CommandFactsCache(store);
  }

  onApplicationBootstrap(): void {
    if (!this.name) return;
    if (!this.readModels)
      throw new Error(
        `RatchetModule: subscription '${this.name}' keeps its checkpoint with the read models, and they are off (readModels: false)`,
      );
    this.trackHandlers();
    this.running = this.run(this.name, this.readModels);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.subscription?.close();
    await this.running;
  }

  /** Wraps the `handle` of every host handler of a command event, to know when it resolved. */
  private trackHandlers(): void {
    const classes = new Set<unknown>([
      ...Object.values(COMMAND_EVENT_CLASSES),
      RatchetCommandEvent,
    ]);
    let count = 0;
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !instance || typeof instance.handle !== 'function') continue;
      const events = (Reflect.getMetadata(EVENTS_HANDLER_METADATA, metatype) ?? []) as unknown[];
      if (!events.some((e) => classes.has(e)) || instance[TRACKED]) continue;
      const handle = instance.handle as (event: unknown) => unknown;
      instance.handle = function (event: unknown) {
        const list = typeof event === 'object' && event !== null ? pending.get(event) : undefined;
        try {
          const result = handle.call(this, event);
          list?.push(Promise.resolve(result));
          return result;
        } catch (e) {
          list?.push(Promise.reject(e));
          throw e;
        }
      };
      instance[TRACKED] = true;
      count++;
    }
    this.logger.log(`subscription '${this.name}': ${count} handler(s) of command events`);
  }

  private async run(name: string, readModels: ReadModelStore): Promise<void> {
    const checkpoints = readModels.subscriptions;
    let retryMs = RETRY_MIN_MS;
    while (!this.stopped) {
      let saved: Position | null = null;
      let done: Position | null = null;
      try {
        saved = done = await checkpoints.read(name);
        this.logger.log(`subscription '${name}' delivering after ${saved ?? 'the start'}`);
        const subscription = this.store.subscribeToAll({
          after: saved,
          streamPrefix: COMMAND_STREAM_PREFIX,
        });
        this.subscription = subscription;
        let unsaved = 0;
        let lastSave = Date.now();
        const save = async () => {
          if (done === saved || done === null) return;
          if (!(await checkpoints.move(name, saved, done)))
            throw new Error('its checkpoint was moved by another instance; reading it again');
          saved = done;
          unsaved = 0;
          lastSave = Date.now();
        };
        const timer = setInterval(() => {
          if (Date.now() - lastSave >= SAVE_EVERY_MS) void save().catch(() => undefined);
        }, SAVE_EVERY_MS);
        try {
          for await (const recorded of subscription) {
            if (this.stopped) break;
            const facts = await this.facts.factsFor(recorded);
            const event = facts ? toHostEvent(recorded, facts.deviceId, name) : null;
            if (event) {
              const handled: Promise<unknown>[] = [];
              pending.set(event, handled);
              await this.eventBus.publish(event);
              // Handlers that are not static (request-scoped) start later: let them begin.
              await Promise.resolve();
              await Promise.all(handled);
            }
            done = recorded.position;
            retryMs = RETRY_MIN_MS;
            if (++unsaved >= SAVE_EVERY_EVENTS || Date.now() - lastSave >= SAVE_EVERY_MS)
              await save();
          }
        } finally {
          clearInterval(timer);
          await subscription.close().catch(() => undefined);
          this.subscription = null;
          await save().catch((e: unknown) =>
            this.logger.warn(`subscription '${name}': checkpoint not saved: ${String(e)}`),
          );
        }
      } catch (e) {
        if (this.stopped) break;
        this.logger.error(
          `subscription '${name}' stopped after ${done ?? 'the start'}: ${e instanceof Error ? e.message : String(e)}; delivering again in ${retryMs} ms`,
        );
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, retryMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      }
    }
  }
}
