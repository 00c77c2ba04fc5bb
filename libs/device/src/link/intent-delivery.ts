/** What a `DeviceLink` hands its consumer for each intent that arrives. */
import type { Decoded, ReceivedIntent, ResultToSend } from '@ratchet/mqtt';
import type { SeenCommand } from '../store/device-store.port.js';

export interface IntentDelivery {
  /** The device the intent is for (from the topic). */
  readonly deviceId: string;
  /** From the topic: the id every answer goes to. */
  readonly commandId: string;
  /** The intent, or why it cannot be read (its `commandId` must also match the topic's). */
  readonly intent: Decoded<ReceivedIntent>;
  /** Set when this command was seen before (a redelivery): what was recorded then. */
  readonly previous: SeenCommand | undefined;
  /** When it arrived, in epoch milliseconds. */
  readonly receivedAt: number;
  /** The session epoch it arrived in. */
  readonly epoch: number;
}

/** An answer to an intent; the link adds the epoch. */
export type Answer =
  | { readonly kind: 'ack' }
  | { readonly kind: 'result'; readonly result: Omit<ResultToSend, 'epoch'> };
