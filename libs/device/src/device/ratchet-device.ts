/**
 * `RatchetDevice`: a Node.js device for Ratchet in a few lines. It connects with its will and
 * birth at a rising epoch, acknowledges each intent on receipt, runs the handler registered
 * for its command name and sends the result; it never runs a command twice (deduplicated by
 * `commandId` across reconnects and restarts) nor one whose `expiresAt` has passed; its
 * answers wait on disk while it is disconnected.
 *
 * ```ts
 * const device = new RatchetDevice({ url: 'mqtt://broker:1883', deviceId: 'pump-17' });
 * device.handle('set-speed', async ({ rpm }) => ({ rpm: await motor.setSpeed(rpm) }));
 * await device.start();
 * ```
 */
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { errorMessage, silentLogger, type MqttLogger, type ReceivedIntent } from '@ratchet/mqtt';
import { DeviceLink } from '../link/device-link.js';
import type { IntentDelivery } from '../link/intent-delivery.js';
import type { DeviceStore, SeenCommand } from '../store/device-store.port.js';
import { FileDeviceStore } from '../store/file-device-store.js';
import { CommandQueue } from './command-queue.js';
import { COMMAND_NAME_PATTERN } from '@ratchet/lifecycle';
import type { CommandContext, CommandHandler } from './command-handler.js';
import {
  DEFAULT_STOP_TIMEOUT_MS,
  defaultStateDir,
  type RatchetDeviceOptions,
} from './ratchet-device.options.js';
import { type CommandReport, type RatchetDeviceEvents } from './ratchet-device.events.js';
import {
  executedResult,
  expiredError,
  failedResult,
  invalidIntentError,
  unknownCommandError,
  type ResultBody,
} from './results.js';

interface Queued {
  readonly delivery: IntentDelivery;
  readonly intent: ReceivedIntent;
}

export class RatchetDevice extends EventEmitter<RatchetDeviceEvents> {
  readonly deviceId: string;
  private readonly handlers = new Map<string, CommandHandler<never, unknown>>();
  private readonly logger: MqttLogger;
  private readonly now: () => number;
  private readonly queue: CommandQueue<Queued>;
  private store?: DeviceStore;
  private link?: DeviceLink;
  private aborter = new AbortController();

  constructor(private readonly o: RatchetDeviceOptions) {
    super();
    this.deviceId = o.deviceId;
    this.logger = o.logger ?? silentLogger;
    this.now = o.now ?? Date.now;
    this.queue = new CommandQueue(o.concurrency ?? 1, (q) => this.run(q));
  }

  /**
   * Registers the handler of one command name (before or after `start`). The payload type is
   * yours to check: it is whatever the ledger was given.
   */
  handle<P = Readonly<Record<string, unknown>>, O = unknown>(
    name: string,
    handler: CommandHandler<P, O>,
  ): this {
    // A handler for any other name could never run (CONTRACT.md section 2).
    if (!COMMAND_NAME_PATTERN.test(name))
      throw new TypeError(
        `${JSON.stringify(name)} is not a command name (${COMMAND_NAME_PATTERN})`,
      );
    if (this.handlers.has(name)) throw new Error(`a handler for "${name}" is already registered`);
    this.handlers.set(name, handler as CommandHandler<never, unknown>);
    return this;
  }

  /** The current session's epoch; undefined before the first connection. */
  get epoch(): number | undefined {
    return this.link?.epoch;
  }

  get connected(): boolean {
    return this.link?.connected ?? false;
  }

  /** The mqtt.js client while started, for diagnostics; publishing through it bypasses the SDK. */
  get client(): MqttClient | undefined {
    return this.link?.client;
  }

  /**
   * Opens the store, connects (rejecting if the broker cannot be reached or refuses the
   * device), subscribes to its intents and publishes its birth; then keeps reconnecting,
   * each time at a new epoch, until `stop`. Answers left from before are sent first.
   */
  async start(): Promise<void> {
    if (!this.store) {
      this.store = this.openStore();
      this.link = new DeviceLink({
        ...this.o,
        deviceIds: [this.deviceId],
        store: this.store,
        onIntent: (d) => this.receive(d),
      });
      this.link.on('connected', (s) => this.emit('connected', s));
      this.link.on('disconnected', () => this.emit('disconnected'));
    }
    if (this.aborter.signal.aborted) this.aborter = new AbortController();
    try {
      await this.link!.start();
    } catch (e) {
      this.closeOwnStore();
      throw e;
    }
  }

  /**
   * Stops taking intents, waits (up to `stopTimeoutMs`) for the commands already taken, then
   * publishes `offline` and disconnects — or, with `goodbye: false`, drops the connection as a
   * crash would, so that the broker publishes the will. `start` may be called again.
   */
  async stop(options: { readonly goodbye?: boolean } = {}): Promise<void> {
    const link = this.link;
    if (!link) return;
    link.holdIntents();
    const drained = await this.queue.drained(this.o.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    if (!drained)
      this.logger.warn(
        `device ${this.deviceId}: stopping with ${this.queue.size} command(s) unfinished; ` +
          'their results are sent after the next start, if this process lives that long',
      );
    this.aborter.abort(new Error('the device is stopping'));
    await link.stop({ goodbye: options.goodbye ?? true });
    // Results of commands still running go to the store (and out after the next start).
    if (drained) this.closeOwnStore();
  }

  private openStore(): DeviceStore {
    const given = this.o.store;
    if (given !== undefined && typeof given !== 'string') return given;
    const store = new FileDeviceStore({
      dir: given ?? defaultStateDir(this.deviceId),
      ...this.o.dedupe,
      ...(this.o.epochFromClock !== undefined ? { epochFromClock: this.o.epochFromClock } : {}),
      now: this.now,
      onSkippedLines: (file, n) =>
        this.logger.warn(`device ${this.deviceId}: skipped ${n} unreadable line(s) of ${file}`),
    });
    const interrupted = [...store.seenCommands()].filter((c) => !c.result).length;
    if (interrupted > 0)
      this.logger.warn(
        `device ${this.deviceId}: ${interrupted} command(s) were taken but never finished before ` +
          'the last stop (a crash?): they are not run again, and the ledger times them out',
      );
    return store;
  }

  /** A store the device opened is closed (and opened again, with a new link, by `start`). */
  private closeOwnStore(): void {
    if (typeof this.o.store === 'object') return;
    this.store?.close();
    this.store = this.link = undefined;
  }

  private receive(d: IntentDelivery): void {
    const link = this.link!;
    if (d.previous) return this.answerAgain(d, d.previous);
    if (!d.intent.ok) {
      link.answer(d.deviceId, d.commandId, {
        kind: 'result',
        result: failedResult(invalidIntentError(d.intent.detail)),
      });
      return this.report({ commandId: d.commandId, outcome: 'invalid', error: d.intent.detail });
    }
    link.answer(d.deviceId, d.commandId, { kind: 'ack' });
    this.queue.push({ delivery: d, intent: d.intent.value });
  }

  /** A redelivery: the same answers again, with the epochs they were made in; nothing runs. */
  private answerAgain(d: IntentDelivery, seen: SeenCommand): void {
    const link = this.link!;
    link.answer(d.deviceId, d.commandId, { kind: 'ack' }, seen.epoch);
    if (seen.result) {
      const { epoch, ...result } = seen.result;
      link.answer(d.deviceId, d.commandId, { kind: 'result', result }, epoch);
    }
    this.report({ commandId: d.commandId, outcome: 'duplicate' });
  }

  private async run({ delivery: d, intent }: Queued): Promise<void> {
    const now = this.now();
    const handler = this.handlers.get(intent.name);
    let result: ResultBody;
    let outcome: CommandReport['outcome'];
    if (intent.expiresAtMs <= now) {
      result = failedResult(expiredError(intent, d.receivedAt, now));
      outcome = 'expired';
    } else if (!handler) {
      result = failedResult(
        unknownCommandError(intent.name, this.deviceId, [...this.handlers.keys()]),
      );
      outcome = 'unknown_command';
    } else {
      result = await this.execute(handler, intent, d);
      outcome = result.status;
    }
    try {
      this.link!.answer(d.deviceId, d.commandId, { kind: 'result', result });
    } catch (e) {
      this.logger.error(
        `device ${this.deviceId}: the result of ${d.commandId} could not be queued: ${errorMessage(e)}`,
      );
    }
    this.report({
      commandId: d.commandId,
      name: intent.name,
      outcome,
      ...(result.error !== undefined ? { error: result.error } : {}),
    });
  }

  private async execute(
    handler: CommandHandler<never, unknown>,
    intent: ReceivedIntent,
    d: IntentDelivery,
  ): Promise<ResultBody> {
    const context: CommandContext = {
      deviceId: d.deviceId,
      commandId: d.commandId,
      name: intent.name,
      attempt: intent.attempt,
      issuedAt: intent.issuedAt,
      expiresAt: intent.expiresAt,
      epoch: d.epoch,
      signal: this.aborter.signal,
    };
    try {
      return executedResult(await (handler as CommandHandler)(intent.payload, context));
    } catch (e) {
      return failedResult(e);
    }
  }

  private report(r: Omit<CommandReport, 'deviceId'>): void {
    this.emit('command', { deviceId: this.deviceId, ...r });
  }
}
