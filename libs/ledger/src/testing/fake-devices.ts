import type { CommandBus } from '@nestjs/cqrs';
import type { CommandState } from '@ratchet/lifecycle';
import { AcknowledgeCommand } from '../acknowledge-command/acknowledge-command.command.js';
import type { IntentPublisher } from '../options/intent-publisher.port.js';
import { RecordCommandResult } from '../record-command-result/record-command-result.command.js';

/** A command as a fake device receives it. */
export interface FakeIntent {
  readonly commandId: string;
  readonly deviceId: string;
  readonly name: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly attempt: number;
}

/** What a fake device does with an intent. */
export type FakeAnswer =
  | { readonly status: 'executed'; readonly output?: unknown }
  | { readonly status: 'failed'; readonly error: string; readonly output?: unknown }
  /** Acknowledge, and answer nothing (the command times out). */
  | 'ack_only'
  /** Neither acknowledge nor answer (as if the device were off). */
  | 'silent';

export type FakeBehaviour = (intent: FakeIntent) => FakeAnswer | Promise<FakeAnswer>;

/**
 * Devices for a host's tests, in place of a broker: every intent is recorded, and a device with
 * a behaviour acknowledges and answers through the ledger's own device-input commands (the
 * path a real device's MQTT answers take). Devices without one acknowledge and execute with
 * no output; `answer(deviceId, …)` or `answerAll(…)` changes that.
 */
export class FakeDevices implements IntentPublisher {
  readonly intents: FakeIntent[] = [];
  #bus: CommandBus | null = null;
  readonly #behaviours = new Map<string, FakeBehaviour>();
  #default: FakeBehaviour = () => ({ status: 'executed' });
  readonly #inFlight = new Set<Promise<unknown>>();

  /** What `deviceId` does with each intent from now on. */
  answer(deviceId: string, behaviour: FakeBehaviour | FakeAnswer): this {
    this.#behaviours.set(deviceId, typeof behaviour === 'function' ? behaviour : () => behaviour);
    return this;
  }

  /** What every device without a behaviour of its own does. */
  answerAll(behaviour: FakeBehaviour | FakeAnswer): this {
    this.#default = typeof behaviour === 'function' ? behaviour : () => behaviour;
    return this;
  }

  /** The intents `deviceId` received, oldest first. */
  received(deviceId: string): FakeIntent[] {
    return this.intents.filter((i) => i.deviceId === deviceId);
  }

  /** Resolves when every answer begun so far has been recorded. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** @internal RatchetTestingModule connects the fake to the application's CommandBus. */
  attach(bus: CommandBus): void {
    this.#bus = bus;
  }

  publishIntent(command: CommandState): Promise<void> {
    const intent: FakeIntent = {
      commandId: command.commandId,
      deviceId: command.deviceId,
      name: command.name,
      payload: command.payload,
      attempt: command.attempt,
    };
    this.intents.push(intent);
    // After the publish resolved (CommandSent is appended then), as a device answers later.
    const answering = new Promise<void>((r) => setImmediate(r)).then(() => this.#respond(intent));
    this.#inFlight.add(answering);
    void answering.finally(() => this.#inFlight.delete(answering));
    return Promise.resolve();
  }

  async #respond(intent: FakeIntent): Promise<void> {
    const bus = this.#bus;
    if (!bus) return;
    const behaviour = this.#behaviours.get(intent.deviceId) ?? this.#default;
    const answer = await behaviour(intent);
    if (answer === 'silent') return;
    await bus.execute(new AcknowledgeCommand(intent.commandId, intent.deviceId));
    if (answer === 'ack_only') return;
    await bus.execute(
      new RecordCommandResult(
        intent.commandId,
        intent.deviceId,
        answer.status,
        answer.output,
        answer.status === 'failed' ? answer.error : undefined,
      ),
    );
  }
}
