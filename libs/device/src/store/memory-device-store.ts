/**
 * A store that forgets everything when the process ends: for simulators, tests, and devices
 * that have nowhere to write. Epochs come from the clock, so they still rise across restarts
 * as long as the clock does.
 */
import {
  nextEpochAfter,
  type DedupeLimits,
  type DeviceStore,
  type PendingAnswer,
  type SeenCommand,
} from './device-store.port.js';
import { SeenCommands } from './seen-commands.js';

export class MemoryDeviceStore implements DeviceStore {
  private lastEpoch = 0;
  private nextAnswerId = 1;
  private readonly seenById: SeenCommands;
  private readonly queue = new Map<number, PendingAnswer>();

  constructor(limits: DedupeLimits = {}) {
    this.seenById = new SeenCommands(limits);
  }

  nextEpoch(nowMs: number): number {
    return (this.lastEpoch = nextEpochAfter(this.lastEpoch, nowMs, true));
  }

  seen(commandId: string): SeenCommand | undefined {
    return this.seenById.get(commandId);
  }

  remember(entry: SeenCommand, nowMs: number): void {
    this.seenById.put(entry, nowMs);
  }

  seenCommands(): Iterable<SeenCommand> {
    return this.seenById.values();
  }

  enqueue(topic: string, payload: string): PendingAnswer {
    const answer = { id: this.nextAnswerId++, topic, payload };
    this.queue.set(answer.id, answer);
    return answer;
  }

  settle(id: number): void {
    this.queue.delete(id);
  }

  pending(): readonly PendingAnswer[] {
    return [...this.queue.values()];
  }

  close(): void {}
}
