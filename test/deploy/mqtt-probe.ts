/**
 * Raw MQTT clients for the broker-policy tests: each connects once (no reconnect, so a refusal
 * is seen as one), keeps its CONNACK, and records what it receives and whether it was dropped.
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type IConnackPacket, type IClientOptions, type MqttClient } from 'mqtt';
import { waitFor } from '@ratchet/mqtt/testing';

export interface Probe {
  readonly client: MqttClient;
  readonly connack: IConnackPacket;
  readonly received: { topic: string; payload: string }[];
  /** True once the broker closed the connection (kicked, or a packet it refused). */
  readonly closed: () => boolean;
  /** Resolves when a message on `topic` has arrived. */
  waitFor(topic: string, timeoutMs?: number): Promise<void>;
  end(): Promise<void>;
}

export interface Account {
  readonly username?: string;
  readonly password?: string;
}

export function connectProbe(
  url: string,
  account: Account,
  options: Partial<IClientOptions> = {},
): Promise<Probe> {
  const client = mqtt.connect(url, {
    protocolVersion: 5,
    clientId: `probe-${randomUUID().slice(0, 8)}`,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...account,
    ...options,
  });
  const received: { topic: string; payload: string }[] = [];
  let closed = false;
  client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  client.on('close', () => (closed = true));
  return new Promise((resolve, reject) => {
    client.once('error', (e) => {
      client.end(true);
      reject(e);
    });
    client.once('connect', (connack) =>
      resolve({
        client,
        connack,
        received,
        closed: () => closed,
        waitFor: (topic, timeoutMs = 5000) =>
          waitFor(
            () => received.some((m) => m.topic === topic),
            `a message on ${topic}`,
            timeoutMs,
          ),
        end: () => client.endAsync(true),
      }),
    );
  });
}

/** The CONNACK code of a refused connection (MQTT 5), or `accepted`. */
export async function refusalCode(
  url: string,
  account: Account,
  options: Partial<IClientOptions> = {},
): Promise<number | 'accepted'> {
  try {
    const probe = await connectProbe(url, account, options);
    await probe.end();
    return 'accepted';
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
}

/**
 * Publishes at QoS 1 and returns the PUBACK reason code: 0 accepted, 0x87 (135) refused by the
 * ACL (mqtt.js rejects a publish whose PUBACK carries an error code), or 'no-puback' when none
 * comes within `timeoutMs` (a connection the broker dropped).
 */
export async function publishCode(
  probe: Probe,
  topic: string,
  payload = '{}',
  timeoutMs = 3000,
): Promise<number | 'no-puback'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'no-puback'>(
    (r) => (timer = setTimeout(() => r('no-puback'), timeoutMs)),
  );
  const acked = probe.client.publishAsync(topic, payload, { qos: 1 }).then(
    () => 0,
    (e: unknown) => (e as { code?: number }).code ?? -1,
  );
  try {
    return await Promise.race([acked, late]);
  } finally {
    clearTimeout(timer);
  }
}

export const commandTopics = (deviceId: string, commandId = randomUUID()) => ({
  intent: `devices/${deviceId}/commands/${commandId}`,
  ack: `devices/${deviceId}/commands/${commandId}/ack`,
  result: `devices/${deviceId}/commands/${commandId}/result`,
  state: `devices/${deviceId}/commands/${commandId}/state`,
});
