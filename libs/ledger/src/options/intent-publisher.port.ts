import type { CommandState } from '@ratchet/lifecycle';

/**
 * Publishes a command's intent to its device. Resolves once the broker has accepted it (PUBACK
 * for QoS 1); only then is `CommandSent` appended. `'too_late'`: not published, because the
 * time left cannot be expressed as a message expiry that ends by `expiresAt` (under a second).
 * Must not wait on an unreachable broker: reject instead, quickly (the command stays
 * `requested` and a sweep tries again), and never publish later what it rejected.
 */
export interface IntentPublisher {
  publishIntent(command: CommandState, expiresAt: Date, now: Date): Promise<void | 'too_late'>;
  /** False while the broker is known to be unreachable: sweeps then do not try to publish. */
  isAvailable?(): boolean;
  /** Given the application's CommandBus at start, for a publisher that answers through it (fakes). */
  attach?(bus: import('@nestjs/cqrs').CommandBus): void;
}
