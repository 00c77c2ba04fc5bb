import type { CommandState } from '@ratchet/lifecycle';
import { type MqttConnection, encodeIntent, intentTopic } from '@ratchet/mqtt';
import type { IntentPublisher } from '../options/intent-publisher.port.js';

/**
 * Intents: QoS 1, never retained (a retained intent would replay on every reconnect), and under
 * MQTT 5 with a message expiry equal to the time left, so a broker never delivers one late.
 */
export class MqttIntentPublisher implements IntentPublisher {
  constructor(private readonly connection: MqttConnection) {}

  async publishIntent(c: CommandState, expiresAt: Date, now: Date): Promise<void> {
    const secondsLeft = Math.max(1, Math.ceil((expiresAt.getTime() - now.getTime()) / 1000));
    await this.connection.client.publishAsync(
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
        ...(this.connection.capabilities.messageExpiry
          ? { properties: { messageExpiryInterval: secondsLeft } }
          : {}),
      },
    );
  }
}
