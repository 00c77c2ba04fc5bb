import type { CommandState } from '@ratchet/lifecycle';

/**
 * Publishes a command's intent to its device. Resolves once the broker has accepted it (PUBACK
 * for QoS 1); only then is `CommandSent` appended.
 */
export interface IntentPublisher {
  publishIntent(command: CommandState, expiresAt: Date, now: Date): Promise<void>;
}
