/**
 * A QoS 1 publish that never waits long and never leaves a message behind for later.
 *
 * mqtt.js keeps a QoS 1 publish made while disconnected (or left without PUBACK when the
 * connection drops) in its outgoing store and sends it after the reconnect, whenever that is,
 * with the properties it was given: an intent would then reach its device with an expiry
 * interval counted again from the broker's receipt, possibly after `expiresAt`, and whoever
 * awaited the publish (the sweeper) would wait for the whole outage. Here the publish is
 * refused at once while disconnected, and a publish without PUBACK within `timeoutMs` or before
 * the connection closes is taken back out of the store and reported as not done: the caller
 * decides again later, with a fresh expiry.
 */
import type { IClientPublishOptions, MqttClient } from 'mqtt';
import { coalesceWrites } from './coalesce-writes.js';

export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
  readonly code = 'broker_unavailable';
}

type PublishCallback = (error?: Error) => void;

/** Private mqtt.js state, read to take back a message it has not sent (see above). */
interface MqttClientInternals {
  outgoing: Record<string, { cb?: unknown } | undefined>;
  _storeProcessingQueue?: Array<{ callback?: unknown }>;
}

export function publishWithin(
  client: MqttClient,
  topic: string,
  payload: string | Buffer,
  options: IClientPublishOptions & { qos: 1 },
  timeoutMs: number,
): Promise<void> {
  if (!client.connected) {
    return Promise.reject(
      new BrokerUnavailableError(`not connected to the MQTT broker: ${topic} not published`),
    );
  }
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const callback: PublishCallback = (error) => finish(error);
    const abandon = (reason: string): void => {
      if (settled) return;
      finish(new BrokerUnavailableError(`${topic} not published: ${reason}`));
      takeBack(client, callback);
    };
    const timer = setTimeout(() => abandon(`no PUBACK within ${timeoutMs} ms`), timeoutMs);
    const onClose = (): void => abandon('the connection closed before the PUBACK');
    client.on('close', onClose);
    coalesceWrites(client);
    client.publish(topic, payload, options, callback);
  });
}

/** Removes a message from mqtt.js's outgoing store (or its queue before it has an id). */
function takeBack(client: MqttClient, callback: PublishCallback): void {
  const internals = client as unknown as MqttClientInternals;
  const queue = internals._storeProcessingQueue;
  if (queue) {
    const at = queue.findIndex((entry) => entry.callback === callback);
    if (at >= 0) queue.splice(at, 1);
  }
  for (const [id, entry] of Object.entries(internals.outgoing)) {
    if (entry?.cb === callback) client.removeOutgoingMessage(Number(id));
  }
}
