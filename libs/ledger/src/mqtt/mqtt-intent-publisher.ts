import type { CommandState } from '@ratchet/lifecycle';
import { type MqttConnection, encodeIntent, intentTopic, publishWithin } from '@ratchet/mqtt';
import type { IntentPublisher } from '../options/intent-publisher.port.js';

/** How long a publish may wait for its PUBACK before the intent is taken back (see publishWithin). */
export const INTENT_PUBLISH_TIMEOUT_MS = 3_000;

/**
 * Intents: QoS 1, never retained (a retained intent would replay on every reconnect), and under
 * MQTT 5 with a message expiry that ends by `expiresAt` (the seconds left, rounded down), so a
 * broker never delivers one late. Never queued while the broker is away: `publishWithin`
 * refuses, or takes the intent back, and a later dispatch computes a fresh expiry.
 */
export class MqttIntentPublisher implements IntentPublisher {
  constructor(
    private readonly connection: MqttConnection,
    private readonly timeoutMs = INTENT_PUBLISH_TIMEOUT_MS,
  ) {}

  isAvailable(): boolean {
    return this.connection.client.connected;
  }

  async publishIntent(c: CommandState, expiresAt: Date, now: Date): Promise<void | 'too_late'> {
    const expiry = this.connection.capabilities.messageExpiry;
    const secondsLeft = Math.floor((expiresAt.getTime() - now.getTime()) / 1000);
    // An interval of 0 would mean "never expires" to the broker.
    if (expiry && secondsLeft < 1) return 'too_late';
    await publishWithin(
      this.connection.client,
      intentTopic(c.deviceId, c.commandId),
      encodeIntent({
        commandId: c.commandId,
        name: c.name,
        payload: c.payload,
        attempt: c.attempt,
        issuedAt: c.requestedAt,
        expiresAt,
      }),
      {
        qos: 1,
        retain: false,
        ...(expiry ? { properties: { messageExpiryInterval: secondsLeft } } : {}),
      },
      this.timeoutMs,
    );
  }
}
