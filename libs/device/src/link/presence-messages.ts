/** The presence messages a link sends: its will, its births and its goodbyes (retained, QoS 1). */
import type { IClientOptions, MqttClient } from 'mqtt';
import { encodePresence, presenceTopic } from '@ratchet/mqtt';

/** The will of a connection at `epoch`: only for a single device (MQTT has one per connection). */
export function willAt(
  deviceIds: readonly string[],
  epoch: number,
): NonNullable<IClientOptions['will']> | undefined {
  if (deviceIds.length !== 1) return undefined;
  const payload = encodePresence({ online: false, epoch });
  return { topic: presenceTopic(deviceIds[0]!), payload, qos: 1, retain: true };
}

/** Publishes `{ online, epoch }` for each device; resolves when the broker has them all. */
export function announce(
  client: MqttClient,
  deviceIds: readonly string[],
  online: boolean,
  epoch: number,
): Promise<unknown> {
  return Promise.all(
    deviceIds.map((id) =>
      client.publishAsync(presenceTopic(id), encodePresence({ online, epoch }), {
        qos: 1,
        retain: true,
      }),
    ),
  );
}
