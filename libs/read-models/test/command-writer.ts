import type { EventStore } from '@ratchet/event-store';
import {
  type CommandEvent,
  type CommandRequestedData,
  eventIdFor,
  streamOf,
} from '@ratchet/lifecycle';
import { randomUUID } from 'node:crypto';

export const T0 = Date.parse('2026-03-01T12:00:00.000Z');
export const seconds = (n: number): Date => new Date(T0 + n * 1000);

/** A `CommandRequested` as the ledger writes it, requested `second` seconds after T0. */
export const requestedData = (
  commandId: string,
  deviceId: string,
  second: number,
): CommandRequestedData => ({
  commandId,
  deviceId,
  name: 'set-speed',
  payload: { rpm: 1200 },
  requestedAt: seconds(second).toISOString(),
  ackTimeoutMs: 10_000,
  timeoutMs: 60_000,
  expiresInMs: 300_000,
  retry: { maxAttempts: 1, on: [] },
  attempt: 1,
  retryOf: null,
  rootCommandId: commandId,
  fingerprint: 'test',
});

/**
 * Writes lifecycle events straight into a store, as the ledger would, so that read-model tests
 * need neither Nest nor a broker. Times are explicit: tests control every timestamp.
 */
export class CommandWriter {
  readonly #store: EventStore;
  readonly #revisions = new Map<string, bigint>();

  constructor(store: EventStore) {
    this.#store = store;
  }

  async issue(
    deviceId: string,
    requestedAt: Date,
    overrides: Partial<CommandRequestedData> = {},
  ): Promise<string> {
    const commandId = overrides.commandId ?? randomUUID();
    await this.record(commandId, {
      type: 'CommandRequested',
      data: {
        ...requestedData(commandId, deviceId, (requestedAt.getTime() - T0) / 1000),
        ...overrides,
      },
    });
    return commandId;
  }

  /** Appends at the revision this writer last wrote: the store rejects anything else. */
  async record(commandId: string, event: CommandEvent): Promise<void> {
    const last = this.#revisions.get(commandId);
    const result = await this.#store.append(
      streamOf(commandId),
      [{ id: eventIdFor(commandId, event.type), type: event.type, data: { ...event.data } }],
      last ?? 'no_stream',
    );
    this.#revisions.set(commandId, result.nextExpectedRevision);
  }

  /** Shorthand for the events whose data is only a time. */
  at(
    commandId: string,
    type: 'CommandSent' | 'CommandAcknowledged' | 'CommandExpired',
    at: Date,
  ): Promise<void> {
    return this.record(commandId, { type, data: { at: at.toISOString() } } as CommandEvent);
  }
}
