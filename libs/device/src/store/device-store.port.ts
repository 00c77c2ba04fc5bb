/**
 * What a device must remember across reconnects and restarts (CONTRACT.md section 5): its
 * session epoch, the commands it has seen (to deduplicate by `commandId`), and the answers the
 * broker has not yet acknowledged. Synchronous on purpose: the epoch of a reconnection is
 * taken between mqtt.js's `reconnect` event and its CONNECT packet, and a command is recorded
 * as seen before its handler runs, with nothing in between.
 */
import type { ResultToSend } from '@ratchet/mqtt';

export interface SeenCommand {
  readonly commandId: string;
  /** The device the intent was for (a gateway serves several). */
  readonly deviceId: string;
  /** When it first arrived, in epoch milliseconds. */
  readonly receivedAt: number;
  /** The session epoch it arrived in: its ack's epoch. */
  readonly epoch: number;
  /** The result as sent, its epoch included; absent while the handler runs (or never ran). */
  readonly result?: ResultToSend;
}

/** An answer the broker has not acknowledged yet, exactly as it will be published. */
export interface PendingAnswer {
  /** Rises with every answer queued; the order answers are sent in. */
  readonly id: number;
  readonly topic: string;
  readonly payload: string;
}

export interface DeviceStore {
  /**
   * The epoch of the next connection: above every epoch this store has returned, and at least
   * `nowMs` when the store takes epochs from the clock. Persisted before it is returned.
   */
  nextEpoch(nowMs: number): number;
  seen(commandId: string): SeenCommand | undefined;
  /**
   * Records a command (or its result, replacing the earlier record). Also forgets, oldest
   * first, records older than the store's age limit or beyond its count limit.
   */
  remember(entry: SeenCommand, nowMs: number): void;
  /** Every remembered command, oldest first. */
  seenCommands(): Iterable<SeenCommand>;
  /** Queues an answer durably; it stays pending until `settle`. */
  enqueue(topic: string, payload: string): PendingAnswer;
  settle(id: number): void;
  /** Oldest first. */
  pending(): readonly PendingAnswer[];
  /** Releases files and locks; the store is not used after. Idempotent. */
  close(): void;
}

/** How much a store remembers of the commands it has seen. */
export interface DedupeLimits {
  /** Default 10,000: the oldest are forgotten first. */
  readonly maxEntries?: number;
  /** Default 7 days: a redelivery later than that is not expected. */
  readonly maxAgeMs?: number;
}

export const DEFAULT_DEDUPE_MAX_ENTRIES = 10_000;
export const DEFAULT_DEDUPE_MAX_AGE_MS = 7 * 24 * 3600_000;

/**
 * The epoch after `last`: one more, or the clock's milliseconds when those are higher. The
 * clock keeps epochs rising after the store is wiped (a factory reset, a new SD card), when a
 * counter would restart at 1 below what the ledger recorded and every birth would be stale;
 * the counter keeps them rising when the clock jumps back (no RTC, NTP not synced yet).
 */
export function nextEpochAfter(last: number, nowMs: number, useClock: boolean): number {
  const next = last + 1;
  return useClock ? Math.max(next, Math.floor(nowMs)) : next;
}
